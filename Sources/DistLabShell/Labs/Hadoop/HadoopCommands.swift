import DistLab
import DistLabHadoop

/// `hadoop mode`: which of Hadoop's three modes the lab runs in — standalone, pseudo-distributed
/// or fully distributed — and changing it, as an administrator stops the daemons, edits the
/// configuration and starts them again.
enum HadoopCommands {
  static let spec = CommandSpec(
    "hadoop", family: .data, summary: "Hadoop's three modes: standalone, pseudo-distributed, fully distributed",
    details: [
      "standalone: no daemons; 'hdfs put --from', 'cat', 'ls', 'rm' use the local file system and",
      "'mr run' the LocalJobRunner, in the shell, with one reducer. pseudo: 'hdfs start' runs every",
      "daemon on one node, localhost (dfs.replication 1). distributed (the default): the daemons on",
      "nodes and racks. Changing mode stops the running daemons; it is refused while a job runs.",
    ],
    example: ["hadoop mode", "hadoop mode pseudo", "hdfs start --mapreduce"],
    subcommands: [
      CommandSpec(
        "mode", family: .data, summary: "show the mode, or change it (stopping the running daemons)",
        example: ["hadoop mode standalone", "hadoop mode"],
        positionals: [.choice(HadoopMode.allCases.map(\.rawValue), .optional)], action: mode)
    ])

  static func mode(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    guard let t = inv.word(0) else { return .hdfs(.mode(s.hdfs.mode, stopped: [], changed: false)) }
    guard let new = HadoopMode(rawValue: t.text) else {
      throw ShellError("no mode '\(t.text)': standalone, pseudo or distributed", column: t.column)
    }
    let c = s.hdfs
    guard new != c.mode else { return .hdfs(.mode(new, stopped: [], changed: false)) }
    switch try attempt(inv.column, { () throws(WorldError) in try c.change(to: new) }) {
    case .success(let stopped): return .hdfs(.mode(new, stopped: stopped, changed: true))
    case .failure(.jobRunning(let id)):
      throw ShellError(
        "\(id) is running: changing mode stops its daemons; wait until 'mr status' shows it done", column: t.column)
    }
  }
}
