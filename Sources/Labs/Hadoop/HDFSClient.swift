import DistLab

/// The Hadoop lab's client: it starts the cluster (a NameNode `nn` and DataNodes `dn1`, …, each
/// on a rack), and is the HDFS client the shell's `hdfs` commands use. Like a real client it
/// knows only what the NameNode and the DataNodes answer: it writes a block through the
/// pipeline the NameNode gives, and reads from the nearest replica, moving to the next when
/// one times out or fails its checksum (and reporting that one).
public final class HDFSClient {
  public let world: World
  let generation: Int
  public private(set) var namenode: NodeID?
  public private(set) var secondary: NodeID?
  public private(set) var jobtracker: NodeID?
  public private(set) var datanodes: [NodeID] = []
  public private(set) var settings: HDFSSettings?
  /// How the last `read` went, block by block.
  public private(set) var lastRead: [BlockRead]?
  /// Which of Hadoop's three modes the next `start` brings up (distributed unless changed).
  public internal(set) var mode = HadoopMode.distributed
  /// Standalone mode's file system: the local one (`file:///`), kept in the client so a
  /// student's disk is never written.
  public internal(set) var localFiles: [String: [UInt8]] = [:]
  /// Jobs the LocalJobRunner ran, in standalone mode.
  public internal(set) var localJobs: [MapReduceJob] = []
  /// How long the client waits for a NameNode or DataNode answer.
  public static let timeout = Nanoseconds.seconds(2)

  public static let roles = [
    Role(
      "namenode", summary: "HDFS's namespace, block locations, heartbeats and re-replication",
      services: { [NameNodeService()] }),
    Role(
      "secondarynamenode", summary: "checkpoints the NameNode: merges fsimage and edits (not a standby)",
      services: { [SecondaryNameNodeService()] }),
    Role(
      "datanode", summary: "stores HDFS blocks, heartbeats, serves reads and pipeline writes",
      services: { [DataNodeService()] }),
    Role(
      "jobtracker", summary: "MapReduce's master: jobs, tasks handed out at heartbeats, locality, lost trackers",
      services: { [JobTrackerService()] }),
    Role(
      "slave", summary: "a worker machine of Hadoop 1: a DataNode and a TaskTracker together",
      services: { [DataNodeService(), TaskTrackerService()] }),
    Role(
      "pseudo", summary: "pseudo-distributed Hadoop: every daemon on one machine, localhost",
      services: {
        [NameNodeService(), SecondaryNameNodeService(), DataNodeService(), JobTrackerService(), TaskTrackerService()]
      }),
  ]

  public required init(world: World) {
    self.world = world
    generation = world.generation
  }

  public var isStale: Bool { world.generation != generation }

  /// New settings after DataNodes were added.
  func adopt(settings s: HDFSSettings, added: [NodeID]) {
    settings = s
    datanodes += added
  }

  /// Forgets the cluster whose daemons were stopped.
  func forget() {
    (namenode, secondary, jobtracker, datanodes, settings, lastRead) = (nil, nil, nil, [], nil, nil)
  }

  var options: CallOptions { CallOptions(timeout: Self.timeout) }

  /// Spawns `nn`, the SecondaryNameNode `snn` and `dn1`…`dnN`; DataNode i goes on rack
  /// `/rack((i − 1) mod racks + 1)`, or all on `/default-rack` with one rack. Then lets the first
  /// heartbeats and block reports happen.
  public func start(
    datanodes count: Int, racks: Int, mapreduce: Bool = false, configure: (inout HDFSSettings) -> Void
  ) throws(WorldError) -> [NodeInfo] {
    let pseudo = mode == .pseudo
    let made =
      pseudo
      ? try world.spawn(groups: [(["localhost"], "pseudo")])
      : try world.spawn(groups: [
        (["nn"], "namenode"), (["snn"], "secondarynamenode"), (mapreduce ? ["jt"] : [], "jobtracker"),
        ((1...count).map { "dn\($0)" }, mapreduce ? "slave" : "datanode"),
      ])
    let nn = made[0].id
    let snn = pseudo ? nn : made[1].id
    let dns = pseudo ? [nn] : made.dropFirst(mapreduce ? 3 : 2).map(\.id)
    var rackOf: [NodeID: String] = [:]
    for (i, d) in dns.enumerated() { rackOf[d] = racks <= 1 ? "/default-rack" : "/rack\(i % racks + 1)" }
    var s = HDFSSettings(namenode: nn, racks: rackOf)
    if mapreduce { s.jobtracker = pseudo ? nn : made[2].id }
    // The pseudo-distributed set-up's hdfs-site.xml: one DataNode, so dfs.replication 1.
    if pseudo { s.replication = 1 }
    configure(&s)
    namenode = nn
    secondary = snn
    datanodes = Array(dns)
    settings = s
    _ = try world.call(to: nn, method: "nn.configure", args: [s.value], options: options)
    _ = try world.call(to: snn, method: "snn.configure", args: [s.value], options: options)
    _ = try world.callAll(dns.map { CallRequest(to: $0, method: "dn.configure", args: [s.value]) }, options: options)
    if let jt = s.jobtracker {
      jobtracker = jt
      _ = try world.call(to: jt, method: "jt.configure", args: [s.value], options: options)
      _ = try world.callAll(dns.map { CallRequest(to: $0, method: "tt.configure", args: [s.value]) }, options: options)
    }
    _ = try world.advance(by: .milliseconds(10))
    return made
  }

  /// Why a client operation did not succeed, as HDFS would say it.
  public enum Failure: Error, Equatable, Sendable {
    case refused(String)
    case noAnswer(NodeID)
  }

  func ask(_ to: NodeID, _ method: String, _ args: [Value], waiting extra: Nanoseconds = .zero) throws(WorldError)
    -> Result<[Value], Failure>
  {
    let o = try world.call(to: to, method: method, args: args, options: CallOptions(timeout: Self.timeout + extra))
    switch o.result {
    case .value(let v): return .success(v)
    case .error(let e): return .failure(.refused(e))
    default: return .failure(.noAnswer(to))
    }
  }

  /// What writing a file did: each block, where it was acknowledged, and DataNodes that failed.
  public struct Written: Sendable, Equatable {
    public var path: String
    public var size: Int64
    public var blocks: [(block: BlockInfo, stored: [NodeID])]
    public var excluded: [NodeID]

    public static func == (a: Written, b: Written) -> Bool {
      a.path == b.path && a.size == b.size && a.excluded == b.excluded
        && a.blocks.map(\.block) == b.blocks.map(\.block) && a.blocks.map(\.stored) == b.blocks.map(\.stored)
    }
  }

  /// `hdfs dfs -put`: create, then each block through its pipeline, then close. A pipeline
  /// whose first DataNode does not answer is abandoned and the block asked for again without it.
  /// With `text`, the file is those bytes and its blocks carry them; else it has `size` bytes
  /// whose contents the lab does not keep.
  public func put(_ path: String, size: Int64, replication: Int?, text: [UInt8]? = nil) throws(WorldError) -> Result<
    Written, Failure
  > {
    guard let nn = namenode, let s = settings else { return .failure(.refused("no cluster")) }
    let size = text.map { Int64($0.count) } ?? size
    if case .failure(let f) = try ask(
      nn, "nn.create",
      [.string(path), .int(size), .int(Int64(replication ?? s.replication))] + (text == nil ? [] : [.bool(true)]))
    {
      return .failure(f)
    }
    var written = Written(path: path, size: size, blocks: [], excluded: [])
    var remaining = size
    while remaining > 0 {
      let got = try ask(nn, "nn.addBlock", [.string(path), .list(written.excluded.map { .int(Int64($0.number)) })])
      guard case .success(let v) = got, v.count == 3, let id = v[0].intValue, let bs = v[1].intValue,
        let targets = v[2].listValue?.compactMap({ $0.intValue.map { NodeID(Int($0)) } }), let first = targets.first
      else {
        if case .failure(let f) = got { return .failure(f) }
        return .failure(.refused("no targets"))
      }
      let offset = Int(size - remaining)
      let bytes: [Value] = text.map { [.bytes(Array($0[offset..<offset + Int(bs)]))] } ?? []
      let sent = try ask(
        first, "dn.write", [.int(id), .int(bs), .list(targets.dropFirst().map { .int(Int64($0.number)) })] + bytes,
        waiting: s.pipelineWait(bs, nodes: targets.count))
      switch sent {
      case .success(let acks):
        let stored = (acks.first?.listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } }
        written.blocks.append((BlockInfo(id: id, size: bs), stored))
        remaining -= bs
      case .failure:
        // The block is abandoned; the next one is asked for without that DataNode.
        _ = try ask(nn, "nn.abandon", [.string(path), .int(id)])
        written.excluded.append(first)
        if written.excluded.count > 3 { return .failure(.noAnswer(first)) }
      }
    }
    if case .failure(let f) = try ask(nn, "nn.complete", [.string(path)]) { return .failure(f) }
    return .success(written)
  }

  /// How reading one block went: the DataNode that served it, and those tried before, each with
  /// why it did not.
  public struct BlockRead: Sendable, Equatable {
    public var block: BlockInfo
    public var servedBy: NodeID?
    public var failed: [Attempt]
    /// The block's bytes, for a file put from text.
    public var bytes: [UInt8]?
  }

  public struct Attempt: Sendable, Equatable {
    public var node: NodeID
    /// `ChecksumException`, `ReplicaNotFoundException`, or nil for no answer.
    public var error: String?
  }

  /// `hdfs dfs -cat`: the block locations, then each block from the nearest replica that
  /// answers with a good checksum; a replica whose checksum fails is reported to the NameNode.
  public func read(_ path: String) throws(WorldError) -> Result<[BlockRead], Failure> {
    guard let nn = namenode else { return .failure(.refused("no cluster")) }
    let got = try ask(nn, "nn.locations", [.string(path)])
    guard case .success(let rows) = got else {
      if case .failure(let f) = got { return .failure(f) }
      return .failure(.refused("no locations"))
    }
    var reads: [BlockRead] = []
    for row in rows {
      guard let l = row.listValue, l.count >= 3, let id = l[0].intValue, let size = l[1].intValue,
        let holders = l[2].listValue?.compactMap({ $0.intValue.map { NodeID(Int($0)) } })
      else { continue }
      var r = BlockRead(block: BlockInfo(id: id, size: size), servedBy: nil, failed: [])
      for dn in holders {
        switch try ask(dn, "dn.read", [.int(id)], waiting: settings?.transfer(size) ?? .zero) {
        case .success(let v):
          r.servedBy = dn
          if v.count > 1, case .bytes(let b) = v[1] { r.bytes = b }
        case .failure(.refused(let e)):
          r.failed.append(Attempt(node: dn, error: e))
          if e == "ChecksumException" { _ = try ask(nn, "nn.badBlock", [.int(id), .int(Int64(dn.number))]) }
        case .failure(.noAnswer):
          r.failed.append(Attempt(node: dn, error: nil))
        }
        if r.servedBy != nil { break }
      }
      reads.append(r)
    }
    lastRead = reads
    return .success(reads)
  }

  /// `hdfs dfs -rm`, or with `recursive` `-rm -r`: a directory and everything under it.
  public func remove(_ path: String, recursive: Bool = false) throws(WorldError) -> Result<Void, Failure> {
    guard let nn = namenode else { return .failure(.refused("no cluster")) }
    return try ask(nn, "nn.delete", [.string(path), .bool(recursive)]).map { _ in () }
  }

  /// What the NameNode knows of every file and block: `hdfs fsck /`.
  public func fsck() throws(WorldError) -> Result<FsckReport, Failure> {
    guard let nn = namenode, let s = settings else { return .failure(.refused("no cluster")) }
    return try ask(nn, "nn.fsck", []).flatMap { v in
      FsckReport(v, defaultReplication: s.replication).map { .success($0) } ?? .failure(.refused("bad report"))
    }
  }

  /// The NameNode's view of the DataNodes: `hdfs dfsadmin -report`.
  public func report() throws(WorldError) -> Result<ClusterReport, Failure> {
    guard let nn = namenode else { return .failure(.refused("no cluster")) }
    let capacity = settings?.capacity ?? 1 << 40
    return try ask(nn, "nn.report", []).flatMap { v in
      guard var r = ClusterReport(v) else { return .failure(.refused("bad report")) }
      r.capacity = capacity
      return .success(r)
    }
  }

  /// Flips bits in one replica of a file's block, on `datanode` or the first that holds it: the
  /// lab's fault. Nil when no such replica.
  public func corrupt(_ path: String, block index: Int, on datanode: NodeID?) throws(WorldError) -> (BlockInfo, NodeID)?
  {
    guard let nn = namenode, case .success(let rows) = try ask(nn, "nn.locations", [.string(path)]),
      index < rows.count, let l = rows[index].listValue, l.count >= 3, let id = l[0].intValue, let size = l[1].intValue
    else { return nil }
    let holders = (l[2].listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } }
    guard let target = datanode ?? holders.first else { return nil }
    guard case .success = try ask(target, "dn.corrupt", [.int(id)]) else { return nil }
    return (BlockInfo(id: id, size: size), target)
  }

  /// `hdfs secondarynamenode -checkpoint force`: the transaction the new fsimage covers.
  public func checkpoint() throws(WorldError) -> Result<Int64, Failure> {
    guard let snn = secondary else { return .failure(.refused("no cluster")) }
    return try ask(snn, "snn.checkpoint", []).flatMap { v in
      v.first?.intValue.map { .success($0) } ?? .failure(.refused("no checkpoint"))
    }
  }

  /// `hdfs namenode -importCheckpoint`: a NameNode that lost its disk starts from the
  /// SecondaryNameNode's last checkpoint. Answers the transaction it covers.
  public func importCheckpoint() throws(WorldError) -> Result<Int64, Failure> {
    guard let nn = namenode, let snn = secondary, let s = settings else { return .failure(.refused("no cluster")) }
    if case .success = try ask(nn, "nn.txinfo", []) {
      return .failure(.refused("the NameNode has its namespace: -importCheckpoint is for one that lost its disk"))
    }
    let image = try ask(snn, "snn.image", [])
    guard case .success(let v) = image, v.count == 2, let t = v[1].intValue else {
      if case .failure(let f) = image { return .failure(f) }
      return .failure(.refused("no checkpoint"))
    }
    return try ask(nn, "nn.putImage", [v[0], .int(t), s.value]).map { _ in t }
  }

  /// `hadoop jar … wordcount IN… OUT`: submits a job to the JobTracker; its id.
  public func submit(
    input: [String], output: String, reducers: Int, program: JobProgram, speculative: Bool = true
  ) throws(WorldError) -> Result<
    String, Failure
  > {
    guard let jt = jobtracker else { return .failure(.refused("no JobTracker: 'hdfs start --mapreduce' starts one")) }
    let ratio: Double = if case .sized(let r) = program { r } else { 0 }
    return try ask(
      jt, "jt.submit",
      [
        .list(input.map { .string($0) }), .string(output), .int(Int64(reducers)), .double(ratio), .bool(speculative),
        program.value,
      ]
    )
    .flatMap { v in v.first?.stringValue.map { .success($0) } ?? .failure(.refused("no job id")) }
  }

  /// Every job as the JobTracker keeps it.
  public func jobs() throws(WorldError) -> Result<[MapReduceJob], Failure> {
    guard let jt = jobtracker else { return .failure(.refused("no JobTracker: 'hdfs start --mapreduce' starts one")) }
    return try ask(jt, "jt.jobs", []).map { $0.compactMap(MapReduceJob.init) }
  }

  /// `hdfs dfsadmin -refreshNodes` with the node in the exclude file: the NameNode drains it.
  public func decommission(_ datanode: NodeID) throws(WorldError) -> Result<Void, Failure> {
    guard let nn = namenode else { return .failure(.refused("no cluster")) }
    return try ask(nn, "nn.decommission", [.int(Int64(datanode.number))]).map { _ in () }
  }
}
