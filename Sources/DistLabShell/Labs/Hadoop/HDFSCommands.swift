import DistLab
import DistLabHadoop

/// `hdfs …`: a NameNode and DataNodes on racks, and the client commands of `hdfs dfs`,
/// `hdfs fsck` and `hdfs dfsadmin -report`.
enum HDFSCommands {
  static let spec = CommandSpec(
    "hdfs", family: .data,
    summary: "HDFS: a NameNode and DataNodes on racks; put, cat, ls, rm, fsck, report",
    details: [
      "A file is cut into blocks (dfs.blocksize, 128 MB) and each block written through a pipeline of",
      "dfs.replication (3) DataNodes the NameNode picks: the first on the writer's node (else any),",
      "the second on another rack, the third on the second's rack. DataNodes heartbeat every 3s",
      "(dfs.heartbeat.interval); one silent for 2 × recheck + 10 × heartbeat (10m30s) is dead, and",
      "its blocks are copied again from the replicas left. A file put by SIZE keeps its size only; one",
      "put --from a text file carries its bytes, for 'hdfs cat' and for jobs over text ('mr run --program').",
    ],
    example: ["hdfs start --datanodes 4 --racks 2", "hdfs put /logs/day1 300MB", "hdfs fsck"],
    subcommands: [
      CommandSpec(
        "start", family: .data,
        summary: "spawn the NameNode nn and DataNodes dn1, dn2, … on racks (or every daemon on localhost)",
        example: ["hdfs start --datanodes 6 --racks 2 --heartbeat 1s --recheck 15s"],
        flags: [
          FlagSpec("--datanodes", .count, placeholder: "N", help: "how many DataNodes (default 4)"),
          FlagSpec("--racks", .count, placeholder: "R", help: "racks, DataNodes dealt round them (default 1)"),
          FlagSpec("--replication", .count, placeholder: "N", help: "dfs.replication (default 3; 1 in pseudo mode)"),
          FlagSpec(
            "--block-size", .text, placeholder: "SIZE",
            help: "dfs.blocksize (default 128MB; down to 1KB for small texts)"
          ),
          FlagSpec("--heartbeat", .duration, placeholder: "D", help: "dfs.heartbeat.interval (default 3s)"),
          FlagSpec(
            "--recheck", .duration, placeholder: "D", help: "dfs.namenode.heartbeat.recheck-interval (default 5m)"),
          FlagSpec(
            "--checkpoint-period", .duration, placeholder: "D", help: "dfs.namenode.checkpoint.period (default 1h)"),
          FlagSpec(
            "--checkpoint-txns", .count, placeholder: "N", help: "dfs.namenode.checkpoint.txns (default 1000000)"),
          FlagSpec("--capacity", .text, placeholder: "SIZE", help: "each DataNode's capacity (default 1TB)"),
          FlagSpec("--mapreduce", help: "also a JobTracker jt, and a TaskTracker beside each DataNode"),
          FlagSpec(
            "--tracker-expiry", .duration, placeholder: "D", help: "mapred.tasktracker.expiry.interval (default 10m)"),
        ],
        action: start),
      CommandSpec(
        "add", family: .data, summary: "add DataNodes (with TaskTrackers on a MapReduce cluster), empty",
        example: ["hdfs start", "hdfs add --datanodes 2"],
        flags: [
          FlagSpec("--datanodes", .count, placeholder: "N", help: "how many (default 1)"),
          FlagSpec("--rack", .text, placeholder: "RACK", help: "their rack, like /rack2 (default: dealt round)"),
        ],
        action: add),
      CommandSpec(
        "decommission", family: .data,
        summary: "drain a DataNode: its blocks are copied to others, then it may be removed",
        details: [
          "As listing it in dfs.hosts.exclude and running 'hdfs dfsadmin -refreshNodes': its replicas stop",
          "counting, copies are made (from it first), and once every block it holds is fully replicated",
          "elsewhere it is Decommissioned. Reads still use it meanwhile, last.",
        ],
        example: ["hdfs start --datanodes 4", "hdfs put /a 300MB", "hdfs decommission dn1"],
        positionals: [Positional("DATANODE", .node)], action: decommission),
      CommandSpec(
        "balancer", family: .data,
        summary: "move blocks until every DataNode's use is within THRESHOLD points of the average",
        details: [
          "As 'hdfs balancer -threshold 10': each iteration moves blocks from the fullest DataNodes to the",
          "emptiest, never onto fewer racks, at dfs.datanode.balance.bandwidthPerSec (10 MB/s), then waits",
          "two heartbeats.",
        ],
        example: ["hdfs start --capacity 10GB", "hdfs put /a 2GB", "hdfs add", "hdfs balancer --threshold 5"],
        flags: [FlagSpec("--threshold", .number, placeholder: "P", help: "percentage points, 1 to 100 (default 10)")],
        action: balancer),
      CommandSpec(
        "checkpoint", family: .data,
        summary: "have the SecondaryNameNode checkpoint now: fsimage + edits → a new fsimage",
        example: ["hdfs start", "hdfs put /a 1MB", "hdfs checkpoint"], action: checkpoint),
      CommandSpec(
        "recover", family: .data,
        summary: "start a NameNode that lost its disk from the SecondaryNameNode's last checkpoint",
        details: [
          "As 'hdfs namenode -importCheckpoint': the namespace comes back as it was at the checkpoint.",
          "Files written after it are gone; the DataNodes are told to delete their blocks.",
        ],
        example: ["hdfs start", "hdfs checkpoint", "kill nn --wipe", "restart nn", "hdfs recover"], action: recover),
      CommandSpec(
        "put", family: .data,
        summary: "write a file of SIZE, or a local text file: its blocks through DataNode pipelines",
        example: ["hdfs start", "hdfs put /data/big 1GB", "hdfs put /books/fallacies --from texts/fallacies.txt"],
        positionals: [Positional("PATH", .text), Positional("SIZE", .text, .optional)],
        flags: [
          FlagSpec("--from", .path, placeholder: "FILE", help: "a local text file (the lessons ship texts/)"),
          FlagSpec("--replication", .count, placeholder: "N", help: "this file's replication factor"),
        ],
        action: put),
      CommandSpec(
        "cat", family: .data, summary: "read a file: each block from the nearest replica that answers; its text",
        example: ["hdfs start", "hdfs put /a 200MB", "hdfs cat /a"], positionals: [Positional("PATH", .text)],
        flags: [FlagSpec("--head", .count, placeholder: "N", help: "only the first N lines of a text")],
        action: cat),
      CommandSpec(
        "ls", family: .data, summary: "list files: size, replication, blocks", example: ["hdfs start", "hdfs ls"],
        positionals: [Positional("PATH", .text, .optional)], action: ls),
      CommandSpec(
        "rm", family: .data, summary: "delete a file; its replicas are deleted at the next heartbeats",
        example: ["hdfs start", "hdfs put /a 1MB", "hdfs rm /a"], positionals: [Positional("PATH", .text)],
        flags: [FlagSpec("--recursive", help: "a directory and every file under it (hdfs dfs -rm -r)")],
        action: rm),
      CommandSpec(
        "fsck", family: .observe,
        summary: "the NameNode's check of every block under PATH (default /): replicated, under, missing, corrupt",
        example: ["hdfs start", "hdfs put /a 300MB", "hdfs fsck --files"],
        positionals: [Positional("PATH", .text, .optional)],
        flags: [FlagSpec("--files", help: "each file and block, with its live replicas")], action: fsck),
      CommandSpec(
        "report", family: .observe, summary: "the DataNodes as the NameNode sees them (dfsadmin -report)",
        example: ["hdfs start", "hdfs report"], action: report),
      CommandSpec(
        "blocks", family: .observe, summary: "a picture: each DataNode's replicas, DataNodes grouped by rack",
        example: ["hdfs start --racks 2", "hdfs put /a 300MB", "hdfs blocks"], action: blocks),
      CommandSpec(
        "corrupt", family: .data, summary: "flip bits in one replica of a file's block (a fault): its checksum fails",
        example: ["hdfs start", "hdfs put /a 1MB", "hdfs corrupt /a"],
        positionals: [Positional("PATH", .text)],
        flags: [
          FlagSpec("--block", .count, placeholder: "N", help: "which block, from 0 (default 0)"),
          FlagSpec("--on", .node, placeholder: "DATANODE", help: "which replica (default: the first)"),
        ],
        action: corrupt),
    ])

  static func client(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> HDFSClient {
    guard s.hdfs.mode != .standalone else {
      throw ShellError(
        "standalone mode runs no daemons: put, cat, ls and rm use the local file system, 'mr run' the "
          + "LocalJobRunner; 'hadoop mode pseudo' starts them", column: inv.column)
    }
    guard s.hdfs.namenode != nil else {
      throw ShellError("no HDFS yet: 'hdfs start' starts a NameNode and DataNodes", column: inv.column)
    }
    return s.hdfs
  }

  static func path(_ t: Token) throws(ShellError) -> String {
    guard t.text.hasPrefix("/"), t.text.count <= 200, !t.text.contains("//"),
      t.text.allSatisfy({ !$0.isWhitespace && $0 != ":" })
    else {
      throw ShellError(
        "an HDFS path starts with / and has no spaces, like /logs/day1, not '\(t.text)'", column: t.column)
    }
    return t.text
  }

  /// What the NameNode or a DataNode said, as the shell words it.
  static func failed(_ f: HDFSClient.Failure, _ inv: Invocation, _ s: ShellSession) -> ShellError {
    switch f {
    case .refused(let why): return ShellError(why, column: inv.column)
    case .noAnswer(let n): return ShellError("\(s.world.name(of: n)) did not answer", column: inv.column)
    }
  }

  static func start(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    guard s.hdfs.namenode == nil else {
      throw ShellError("HDFS already runs; 'reset' starts over", column: inv.column)
    }
    switch s.hdfs.mode {
    case .standalone:
      throw ShellError(
        "standalone mode runs no daemons; 'hadoop mode pseudo' or 'hadoop mode distributed' first", column: inv.column)
    case .pseudo:
      for flag in ["--datanodes", "--racks"] where inv.has(flag) {
        throw ShellError(
          "pseudo-distributed mode runs one DataNode, on localhost: \(flag) is for 'hadoop mode distributed'",
          column: inv.flags[flag]?.column)
      }
    case .distributed: break
    }
    let count = try inv.flagInt("--datanodes", range: 1...200) ?? 4
    let racks = try inv.flagInt("--racks", range: 1...50) ?? 1
    let replication = try inv.flagInt("--replication", range: 1...512)
    var blockSize: Int64?
    if let t = inv.flags["--block-size"] {
      // Hadoop's dfs.namenode.fs-limits.min-block-size is 1 MB; the lab lowers it to 1 KB so that a
      // lesson's text spans several blocks, as a student's hdfs-site.xml may.
      guard let b = Units.size(t.text), b >= 1 << 10, b <= 1 << 40 else {
        throw ShellError("--block-size is a size from 1KB to 1TB, like 64MB, not '\(t.text)'", column: t.column)
      }
      blockSize = b
    }
    let heartbeat = try inv.flagDuration("--heartbeat")
    let recheck = try inv.flagDuration("--recheck")
    let period = try inv.flagDuration("--checkpoint-period")
    let txns = try inv.flagInt("--checkpoint-txns", range: 1...100_000_000)
    let expiry = try inv.flagDuration("--tracker-expiry")
    var capacity: Int64?
    if let t = inv.flags["--capacity"] {
      guard let c = Units.size(t.text), c >= 1 << 30, c <= 1 << 50 else {
        throw ShellError("--capacity is a size from 1GB to 1024TB, like 10GB, not '\(t.text)'", column: t.column)
      }
      capacity = c
    }
    if inv.has("--tracker-expiry"), !inv.has("--mapreduce") {
      throw ShellError(
        "--tracker-expiry is MapReduce's: add --mapreduce", column: inv.flags["--tracker-expiry"]?.column)
    }
    for (flag, d) in [
      ("--heartbeat", heartbeat), ("--recheck", recheck), ("--checkpoint-period", period), ("--tracker-expiry", expiry),
    ] {
      if let d, d < .milliseconds(100) || d > .seconds(3600) {
        throw ShellError("\(flag) is between 100ms and 1h", column: inv.flags[flag]?.column)
      }
    }
    let made = try attempt(inv.column) { () throws(WorldError) in
      try s.hdfs.start(datanodes: count, racks: racks, mapreduce: inv.has("--mapreduce")) { settings in
        if let replication { settings.replication = replication }
        if let blockSize { settings.blockSize = blockSize }
        if let heartbeat { settings.heartbeat = heartbeat }
        if let recheck { settings.recheck = recheck }
        if let period { settings.checkpointPeriod = period }
        if let txns { settings.checkpointTxns = txns }
        if let expiry { settings.trackerExpiry = expiry }
        if let capacity { settings.capacity = capacity }
      }
    }
    return .hdfs(.started(made, s.hdfs.settings!))
  }

  static func put(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let p = try path(inv.positional[0])
    let size = inv.word(1)
    let from = inv.flags["--from"]
    if size == nil, from == nil {
      throw ShellError("hdfs put PATH needs a SIZE like 300MB, or --from FILE for a text", column: inv.column)
    }
    if let size, from != nil {
      throw ShellError("a SIZE or --from FILE, not both: a text's size is its own", column: size.column)
    }
    let text = try from.map { (t) throws(ShellError) in try LocalText.read(t, s) }
    if s.hdfs.mode == .standalone {
      guard let text else {
        throw ShellError(
          "standalone mode's file system is the local one, with real bytes: put --from FILE", column: inv.column)
      }
      switch s.hdfs.putLocal(p, text) {
      case .success: return .hdfs(.localWritten(p, Int64(text.count)))
      case .failure(let f): throw failed(f, inv, s)
      }
    }
    let c = try client(inv, s)
    var bytes: Int64 = 0
    if let t = size {
      guard let b = Units.size(t.text), b <= 1 << 50 else {
        throw ShellError("SIZE is a size like 300MB or 2GB (up to 1024TB), not '\(t.text)'", column: t.column)
      }
      bytes = b
    }
    let replication = try inv.flagInt("--replication", range: 1...512)
    let r = try attempt(inv.column) { () throws(WorldError) in
      try c.put(p, size: bytes, replication: replication, text: text)
    }
    switch r {
    case .success(let w): return .hdfs(.written(w))
    case .failure(let f): throw failed(f, inv, s)
    }
  }

  static func cat(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let p = try path(inv.positional[0])
    let head = try inv.flagInt("--head", range: 1...100_000)
    if s.hdfs.mode == .standalone {
      guard let bytes = s.hdfs.localFiles[p] else {
        throw ShellError("cat: \(p): No such file or directory", column: inv.positional[0].column)
      }
      return .hdfs(.localRead(p, bytes, head: head))
    }
    let c = try client(inv, s)
    switch try attempt(inv.column, { () throws(WorldError) in try c.read(p) }) {
    case .success(let reads): return .hdfs(.read(p, reads, head: head))
    case .failure(let f): throw failed(f, inv, s)
    }
  }

  static func rm(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let p = try path(inv.positional[0])
    if s.hdfs.mode == .standalone {
      switch s.hdfs.removeLocal(p, recursive: inv.has("--recursive")) {
      case .success: return .hdfs(.removed(p))
      case .failure(let f): throw failed(f, inv, s)
      }
    }
    let c = try client(inv, s)
    switch try attempt(inv.column, { () throws(WorldError) in try c.remove(p, recursive: inv.has("--recursive")) }) {
    case .success: return .hdfs(.removed(p))
    case .failure(let f): throw failed(f, inv, s)
    }
  }

  static func fsckReport(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> FsckReport {
    let c = try client(inv, s)
    switch try attempt(inv.column, { () throws(WorldError) in try c.fsck() }) {
    case .success(let r): return r
    case .failure(let f): throw failed(f, inv, s)
    }
  }

  /// Whether `path` is `folder` or lies under it (`/w` holds `/w/part-00000`, not `/words`).
  static func under(_ path: String, _ folder: String) -> Bool {
    path == folder || path.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
  }

  static func ls(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let prefix = try inv.word(0).map { (t) throws(ShellError) in try path(t) } ?? "/"
    if s.hdfs.mode == .standalone {
      let files = s.hdfs.localFiles.filter { under($0.key, prefix) }
      return .hdfs(.localListing(prefix, files.keys.sorted().map { ($0, Int64(files[$0]!.count)) }))
    }
    let files = try fsckReport(inv, s).files.filter { under($0.path, prefix) }
    return .hdfs(.listing(prefix, files))
  }

  /// `hdfs fsck [PATH]`: the check of the files under PATH, as `hdfs fsck /logs` limits
  /// Hadoop's; a path that holds no file fails, as Hadoop's "Path … does not exist" does.
  static func fsck(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let prefix = try inv.word(0).map { (t) throws(ShellError) in try path(t) } ?? "/"
    var report = try fsckReport(inv, s)
    report.files = report.files.filter { under($0.path, prefix) }
    if prefix != "/" && report.files.isEmpty {
      throw ShellError("fsck: Path \(prefix) does not exist", column: inv.positional[0].column)
    }
    return .hdfs(.fsck(report, path: prefix, files: inv.has("--files")))
  }

  static func blocks(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let r = try fsckReport(inv, s)
    return .hdfs(.blocks(r, s.hdfs.datanodes, s.hdfs.settings!))
  }

  static func report(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let c = try client(inv, s)
    switch try attempt(inv.column, { () throws(WorldError) in try c.report() }) {
    case .success(let r): return .hdfs(.report(r))
    case .failure(let f): throw failed(f, inv, s)
    }
  }

  static func add(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let c = try client(inv, s)
    guard c.mode == .distributed else {
      throw ShellError(
        "pseudo-distributed mode runs one DataNode, on localhost; 'hadoop mode distributed' for more",
        column: inv.column)
    }
    let count = try inv.flagInt("--datanodes", range: 1...100) ?? 1
    var rack: String?
    if let r = inv.flags["--rack"] {
      guard r.text.hasPrefix("/"), r.text.count > 1, r.text.count <= 40, !r.text.contains(" ") else {
        throw ShellError("a rack is a path like /rack2, not '\(r.text)'", column: r.column)
      }
      rack = r.text
    }
    let made = try attempt(inv.column) { () throws(WorldError) in try c.add(datanodes: count, rack: rack) }
    return .hdfs(.added(made, c.settings!))
  }

  static func decommission(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let c = try client(inv, s)
    let t = inv.positional[0]
    let dn = try NodeSet.single(t, in: s.world)
    guard c.datanodes.contains(dn) else { throw ShellError("'\(t.text)' is not a DataNode", column: t.column) }
    switch try attempt(inv.column, { () throws(WorldError) in try c.decommission(dn) }) {
    case .success: return .hdfs(.decommissioning(dn))
    case .failure(let f): throw failed(f, inv, s)
    }
  }

  static func balancer(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let c = try client(inv, s)
    var threshold = 10.0
    if let t = inv.flags["--threshold"] {
      guard let v = Double(t.text), v >= 1, v <= 100 else {
        throw ShellError("--threshold is a percentage from 1 to 100, like 10, not '\(t.text)'", column: t.column)
      }
      threshold = v
    }
    switch try attempt(inv.column, { () throws(WorldError) in try c.balance(threshold: threshold) }) {
    case .success(let run): return .hdfs(.balanced(run))
    case .failure(let f): throw failed(f, inv, s)
    }
  }

  static func checkpoint(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let c = try client(inv, s)
    switch try attempt(inv.column, { () throws(WorldError) in try c.checkpoint() }) {
    case .success(let t): return .hdfs(.checkpointed(t))
    case .failure(let f): throw failed(f, inv, s)
    }
  }

  static func recover(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let c = try client(inv, s)
    switch try attempt(inv.column, { () throws(WorldError) in try c.importCheckpoint() }) {
    case .success(let t): return .hdfs(.imported(t))
    case .failure(let f): throw failed(f, inv, s)
    }
  }

  static func corrupt(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let c = try client(inv, s)
    let p = try path(inv.positional[0])
    let index = try inv.flagInt("--block", range: 0...1_000_000) ?? 0
    let on = try inv.flags["--on"].map { (t) throws(ShellError) in try NodeSet.single(t, in: s.world) }
    let done = try attempt(inv.column) { () throws(WorldError) in try c.corrupt(p, block: index, on: on) }
    guard let (block, dn) = done else {
      throw ShellError(
        "no replica of block \(index) of \(p)" + (on.map { " on \(s.world.name(of: $0))" } ?? "")
          + " answered: see 'hdfs fsck --files'", column: inv.column)
    }
    return .hdfs(.corrupted(p, block, dn))
  }
}

/// What an `hdfs` command did.
public enum HDFSResult: Sendable {
  case started([NodeInfo], HDFSSettings)
  case written(HDFSClient.Written)
  case read(String, [HDFSClient.BlockRead], head: Int?)
  /// Standalone mode: a file on the local file system.
  case localWritten(String, Int64)
  case localRead(String, [UInt8], head: Int?)
  case localListing(String, [(String, Int64)])
  case mode(HadoopMode, stopped: [NodeID], changed: Bool)
  case timeline(MapReduceJob, now: Nanoseconds)
  case removed(String)
  case listing(String, [FsckReport.File])
  case fsck(FsckReport, path: String, files: Bool)
  case report(ClusterReport)
  case blocks(FsckReport, [NodeID], HDFSSettings)
  case corrupted(String, BlockInfo, NodeID)
  /// A checkpoint made, covering transactions up to this one.
  case checkpointed(Int64)
  /// A NameNode started from the checkpoint covering transactions up to this one.
  case imported(Int64)
  case added([NodeInfo], HDFSSettings)
  case balanced(BalancerRun)
  case decommissioning(NodeID)
  case submitted(String)
  case jobs([MapReduceJob], detail: Bool)
}
