/// Every lab's shell side: the one place a lab is added to the shell.
enum Labs {
  static let all: [LabShellSide] = [
    ShardingLab.shell, TaskLab.shell, ReplicationLab.shell, DetectionLab.shell, ConsensusLab.shell, ServiceLab.shell,
    HadoopLab.shell,
  ]
}
