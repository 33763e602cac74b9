import DistLab
import DistLabHadoop

extension HDFSClient: LabClient {}

extension ShellSession {
  /// The Hadoop lab's client for the current world.
  var hdfs: HDFSClient { labs.client(HDFSClient.self, world: world) }
}

/// The Hadoop lab's shell side, as `Labs.all` lists it.
enum HadoopLab {
  static let shell = LabShellSide(
    commands: [HadoopCommands.spec, HDFSCommands.spec, MapReduceCommands.spec], subjects: subjects,
    moreSubjects: [jobSubjects])

  static let subjects = SubjectGroup(
    title: "HDFS, as the NameNode reports it (asked when read: fsck and dfsadmin -report)", namespace: "hdfs.",
    subjects: [
      Subject("hdfs.files") { s, t throws(ShellError) in .number(Double(try fsck(s, t).files.count)) },
      Subject("hdfs.blocks") { s, t throws(ShellError) in .number(Double(try fsck(s, t).totalBlocks)) },
      Subject("hdfs.under", "blocks with fewer live replicas than their replication factor") {
        s, t throws(ShellError) in .number(Double(try fsck(s, t).underReplicated))
      },
      Subject("hdfs.over") { s, t throws(ShellError) in .number(Double(try fsck(s, t).overReplicated)) },
      Subject("hdfs.missing", "blocks with no live replica") { s, t throws(ShellError) in
        .number(Double(try fsck(s, t).missing))
      },
      Subject("hdfs.corrupt", "blocks whose every replica left is corrupt") { s, t throws(ShellError) in
        .number(Double(try fsck(s, t).corruptBlocks))
      },
      Subject("hdfs.healthy", "true when no block is missing") { s, t throws(ShellError) in
        .text(String(try fsck(s, t).healthy))
      },
      Subject("hdfs.live", "DataNodes the NameNode counts live") { s, t throws(ShellError) in
        .number(Double(try report(s, t).datanodes.filter { $0.state != "dead" }.count))
      },
      Subject("hdfs.dead") { s, t throws(ShellError) in
        .number(Double(try report(s, t).datanodes.filter { $0.state == "dead" }.count))
      },
      Subject("hdfs.decommissioned", "DataNodes drained and ready to be removed") { s, t throws(ShellError) in
        .number(Double(try report(s, t).datanodes.filter { $0.state == "decommissioned" }.count))
      },
      Subject("hdfs.safemode") { s, t throws(ShellError) in .text(String(try report(s, t).safeMode)) },
      Subject("hdfs.recovered", "true when the NameNode was started from a checkpoint") { s, t throws(ShellError) in
        .text(String(try report(s, t).importedFrom != nil))
      },
      Subject("hdfs.racks.down", "racks whose every DataNode is down: the world's truth, not the NameNode's") {
        s, t throws(ShellError) in
        guard let settings = s.hdfs.settings else {
          throw ShellError("'\(t.text)': no HDFS yet ('hdfs start')", column: t.column)
        }
        let racks = Dictionary(grouping: s.hdfs.datanodes, by: { settings.rack(of: $0) })
        let down = racks.values.filter { nodes in nodes.allSatisfy { s.world.info($0)?.status == .down } }
        return .number(Double(down.count))
      },
      Subject("hdfs.unread", "blocks the last 'hdfs cat' could read from no replica") { s, t throws(ShellError) in
        guard let reads = s.hdfs.lastRead else {
          throw ShellError("'\(t.text)' reads the last 'hdfs cat', and there has been none", column: t.column)
        }
        return .number(Double(reads.filter { $0.servedBy == nil }.count))
      },
    ])

  static let jobSubjects = SubjectGroup(
    title: "MapReduce: the last job submitted, as the JobTracker reports it", namespace: "mr.",
    subjects: [
      Subject("mr.complete", "true once every reduce has written its part") { s, t throws(ShellError) in
        .text(String(try lastJob(s, t).complete))
      },
      Subject("mr.failed", "true when a task failed 4 attempts and the job with it") { s, t throws(ShellError) in
        .text(String(try lastJob(s, t).jobFailed))
      },
      Subject("mr.maps") { s, t throws(ShellError) in .number(Double(try lastJob(s, t).maps.count)) },
      Subject("mr.datalocal", "maps that ran where their block was (Data-local map tasks)") { s, t throws(ShellError) in
        .number(Double(try lastJob(s, t).dataLocal))
      },
      Subject("mr.racklocal", "maps that ran on their block's rack (Rack-local map tasks)") { s, t throws(ShellError) in
        .number(Double(try lastJob(s, t).rackLocal))
      },
      Subject("mr.killed", "attempts run again because their TaskTracker was lost") { s, t throws(ShellError) in
        .number(Double(try lastJob(s, t).killed))
      },
      Subject("mr.reduces") { s, t throws(ShellError) in .number(Double(try lastJob(s, t).reduces.count)) },
      Subject("mr.backups", "speculative attempts launched for stragglers") { s, t throws(ShellError) in
        .number(Double(try lastJob(s, t).backups))
      },
      Subject("mr.program", "wordcount, grep, sort, or sized for a job of sizes") { s, t throws(ShellError) in
        .text(try lastJob(s, t).program.name)
      },
      Subject("mr.records.input", "lines the maps read (Map input records)") { s, t throws(ShellError) in
        .number(Double(try lastJob(s, t).records.mapInput))
      },
      Subject("mr.records.output", "lines the reduces wrote (Reduce output records)") { s, t throws(ShellError) in
        .number(Double(try lastJob(s, t).records.reduceOutput))
      },
    ])

  static func lastJob(_ s: ShellSession, _ t: Token) throws(ShellError) -> MapReduceJob {
    if s.hdfs.mode == .standalone {
      guard let j = s.hdfs.localJobs.last else {
        throw ShellError("'\(t.text)': no job run yet in standalone mode", column: t.column)
      }
      return j
    }
    guard s.hdfs.jobtracker != nil else {
      throw ShellError("'\(t.text)': no JobTracker ('hdfs start --mapreduce')", column: t.column)
    }
    switch try attempt(t.column, { () throws(WorldError) in try s.hdfs.jobs() }) {
    case .success(let jobs):
      guard let j = jobs.last else { throw ShellError("'\(t.text)': no job submitted yet", column: t.column) }
      return j
    case .failure: throw ShellError("'\(t.text)': the JobTracker did not answer", column: t.column)
    }
  }

  static func fsck(_ s: ShellSession, _ t: Token) throws(ShellError) -> FsckReport {
    guard s.hdfs.namenode != nil else { throw ShellError("'\(t.text)': no HDFS yet ('hdfs start')", column: t.column) }
    switch try attempt(t.column, { () throws(WorldError) in try s.hdfs.fsck() }) {
    case .success(let r): return r
    case .failure: throw ShellError("'\(t.text)': the NameNode did not answer", column: t.column)
    }
  }

  static func report(_ s: ShellSession, _ t: Token) throws(ShellError) -> ClusterReport {
    guard s.hdfs.namenode != nil else { throw ShellError("'\(t.text)': no HDFS yet ('hdfs start')", column: t.column) }
    switch try attempt(t.column, { () throws(WorldError) in try s.hdfs.report() }) {
    case .success(let r): return r
    case .failure: throw ShellError("'\(t.text)': the NameNode did not answer", column: t.column)
    }
  }
}
