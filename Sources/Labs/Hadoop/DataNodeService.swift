import DistLab

/// An HDFS DataNode: it keeps blocks on its disk (their sizes, and the bytes of a file put from
/// text; a file put by size has none), registers with
/// the NameNode and reports every block it holds, sends a heartbeat every
/// `dfs.heartbeat.interval` and carries out the commands the answers bring — copy a block to
/// another DataNode, delete one. A write reaches it through a pipeline: it stores the block,
/// passes it on to the next DataNode and acknowledges with the nodes that stored it.
public final class DataNodeService: StartingService {
  var settings: HDFSSettings?
  var registered = false
  var heartbeats: TimerHandle?
  var reports: TimerHandle?
  var sent = 0
  var received = 0
  /// The replicas on disk, mirrored in memory so a heartbeat need not read the disk through.
  var held: [Int64: Stored] = [:]
  var replicas: Int { held.count }
  var used: Int64 = 0

  public init() {}

  public static let methods: [ServiceMethod<DataNodeService>] = [
    ServiceMethod("dn.configure", [ArgumentSpec("SETTINGS", .map)], "joins the cluster: register, report, heartbeat") {
      d, r, node in
      guard let s = HDFSSettings(r.args[0]) else { return .error("not HDFS settings") }
      node.disk["settings"] = s.value
      d.join(s, node: node)
      return .value([])
    },
    ServiceMethod(
      "dn.write",
      [
        ArgumentSpec("BLOCK", .int), ArgumentSpec("SIZE", .int), ArgumentSpec("PIPELINE", .list),
        ArgumentSpec("BYTES", .bytes, optional: true),
      ],
      "stores a block (with its bytes, for text) and passes it down the pipeline; answers the nodes that stored it"
    ) { d, r, node in d.write(r, node: node) },
    ServiceMethod(
      "dn.read", [ArgumentSpec("BLOCK", .int), ArgumentSpec("LINE", .bool, optional: true)],
      "streams a block (its size at the bandwidth): [size, bytes if text], or an error when its checksum fails; with LINE only up to its first newline"
    ) { d, r, node in
      guard let stored = d.held[r.args[0].intValue ?? 0] else { return .error("ReplicaNotFoundException") }
      var answer: [Value] = [.int(stored.size)]
      var length = stored.size
      if let data = stored.data {
        let part = r.args.count > 1 && r.args[1] == .bool(true) ? TextSplit.firstLine(data) : data
        length = Int64(part.count)
        answer.append(.bytes(part))
      }
      _ = node.after(d.settings?.transfer(length) ?? .zero) { node in
        node.answer(r, stored.corrupt ? .error("ChecksumException") : .value(answer))
      }
      return .later
    },
    ServiceMethod("dn.corrupt", [ArgumentSpec("BLOCK", .int)], "flips bits in the replica: its checksum now fails") {
      d, r, node in
      let block = r.args[0].intValue ?? 0
      guard var stored = d.held[block] else { return .error("ReplicaNotFoundException") }
      stored.corrupt = true
      d.keep(block, stored, node: node)
      return .value([])
    },
    ServiceMethod(
      "dn.copy", [ArgumentSpec("BLOCK", .int), ArgumentSpec("TARGET", .int)],
      "for the balancer: copies a replica to TARGET at dfs.datanode.balance.bandwidthPerSec; answers when it is there"
    ) { d, r, node in
      guard let s = d.settings, let stored = d.held[r.args[0].intValue ?? 0], !stored.corrupt else {
        return .error("ReplicaNotFoundException")
      }
      let throttle = Nanoseconds(Int64((Double(stored.size) / Double(s.balanceBandwidth) * 1e9).rounded()))
      _ = node.after(throttle) { node in
        node.call(
          NodeID(Int(r.args[1].intValue ?? 0)), "dn.write", [r.args[0], .int(stored.size), .list([])] + stored.payload,
          options: CallOptions(timeout: s.pipelineWait(stored.size, nodes: 1))
        ) { node, result in
          if case .value = result { node.answer(r, .value([])) } else { node.answer(r, .error("copy failed")) }
        }
      }
      d.sent += 1
      return .later
    },
    ServiceMethod("dn.blocks", [], "every replica held: [block, size, corrupt]") { d, _, _ in
      .value([.list(d.report)])
    },
  ]

  /// A replica on disk: its size, its bytes when the file was put from text, and whether they
  /// no longer match their checksum.
  struct Stored {
    var size: Int64
    var corrupt: Bool
    var data: [UInt8]?

    init(size: Int64, corrupt: Bool, data: [UInt8]? = nil) {
      self.size = size
      self.corrupt = corrupt
      self.data = data
    }

    init?(_ v: Value?) {
      guard let l = v?.listValue, l.count >= 2, let s = l[0].intValue else { return nil }
      size = s
      corrupt = l[1] == .bool(true)
      if l.count > 2, case .bytes(let b) = l[2] { data = b }
    }

    var value: Value { .list([.int(size), .bool(corrupt)] + payload) }
    /// The bytes as a trailing argument of `dn.write`, when there are any.
    var payload: [Value] { data.map { [.bytes($0)] } ?? [] }
  }

  static func key(_ block: Int64) -> String { "b:\(block)" }

  /// Every replica held, by block id, for block reports.
  var report: [Value] {
    held.keys.sorted().map { b in .list([.int(b), .int(held[b]!.size), .bool(held[b]!.corrupt)]) }
  }

  /// Writes a replica to disk and to the mirror.
  func keep(_ block: Int64, _ stored: Stored?, node: ProgramNode) {
    used += (stored?.size ?? 0) - (held[block]?.size ?? 0)
    held[block] = stored
    node.disk[DataNodeService.key(block)] = stored?.value
  }

  public func start(_ node: ProgramNode) {
    registered = false
    heartbeats = nil
    reports = nil
    held = [:]
    for k in node.disk.keys where k.hasPrefix("b:") {
      if let id = Int64(k.dropFirst(2)), let s = Stored(node.disk[k]) { held[id] = s }
    }
    used = held.values.reduce(0) { $0 + $1.size }
    if let s = node.disk["settings"].flatMap(HDFSSettings.init) { join(s, node: node) }
  }

  public func metrics() -> [(String, Double)] {
    [("replicas", Double(replicas)), ("copied", Double(sent))]
  }

  func join(_ s: HDFSSettings, node: ProgramNode) {
    settings = s
    if let h = heartbeats { node.cancel(h) }
    if let r = reports { node.cancel(r) }
    register(node)
    // The beat needs two settings: taken now, so a beat does not copy them all.
    let (namenode, interval) = (s.namenode, s.heartbeat)
    // The heartbeat and its answer hold this service strongly: the program keeps both the
    // closures and the service, and the service keeps neither the program nor the closures,
    // so nothing is kept alive in a cycle — and an unowned capture would cost two checked
    // reference-count operations on every beat.
    heartbeats = node.every(interval) { node in self.beat(node, namenode: namenode, interval: interval) }
    // Full block reports on their own cadence: what the NameNode believes is held here is put
    // right even if an incremental report went missing.
    reports = node.every(s.blockReportInterval) { [unowned self] node in
      guard self.registered, let s = self.settings else { return }
      node.tell(s.namenode, "nn.blockReport", [.list(self.report)])
    }
  }

  /// Registration, then the full block report.
  func register(_ node: ProgramNode) {
    guard let s = settings else { return }
    node.call(s.namenode, "nn.register", [.string(s.rack(of: node.me))]) { [unowned self] node, result in
      guard case .value = result else { return }
      self.registered = true
      node.tell(s.namenode, "nn.blockReport", [.list(self.report)])
    }
  }

  func beat(_ node: ProgramNode, namenode: NodeID, interval: Nanoseconds) {
    node.call(namenode, "nn.heartbeat", [.int(used), .int(Int64(held.count))], options: CallOptions(timeout: interval))
    {
      node, result in
      guard case .value(let commands) = result else { return }
      for c in commands { self.carryOut(c, node: node) }
    }
  }

  /// A NameNode command from a heartbeat's answer: `register` again (it does not know this
  /// node), `transfer` a block to other DataNodes, or `delete` a replica.
  func carryOut(_ c: Value, node: ProgramNode) {
    guard let s = settings, let l = c.listValue, let kind = l.first?.stringValue else { return }
    switch kind {
    case "register": register(node)
    case "transfer":
      guard l.count == 3, let block = l[1].intValue, let targets = l[2].listValue, let first = targets.first?.intValue,
        let stored = held[block], !stored.corrupt
      else { return }
      sent += 1
      node.call(
        NodeID(Int(first)), "dn.write",
        [.int(block), .int(stored.size), .list(Array(targets.dropFirst()))] + stored.payload,
        options: CallOptions(timeout: s.transfer(stored.size) + .seconds(2))
      ) {
        _, _ in
      }
    case "delete":
      guard l.count == 2, let block = l[1].intValue else { return }
      guard held[block] != nil else { return }
      keep(block, nil, node: node)
      node.tell(s.namenode, "nn.blockDeleted", [.int(block)])
    default: break
    }
  }

  /// The block streams through the pipeline: it is passed on at once, stored here once it has
  /// all arrived (its size at the bandwidth), and acknowledged when this node and every node
  /// downstream have it.
  func write(_ r: Request, node: ProgramNode) -> Answer {
    guard let s = settings, let block = r.args[0].intValue, let size = r.args[1].intValue else {
      return .error("not configured")
    }
    let rest = r.args[2].listValue ?? []
    var data: [UInt8]?
    if r.args.count > 3, case .bytes(let b) = r.args[3] { data = b }
    var stored = false
    var downstream: [Value]? = rest.isEmpty ? [] : nil
    func done(_ node: ProgramNode) {
      guard stored, let down = downstream else { return }
      node.answer(r, .value([.list([.int(Int64(node.me.number))] + down)]))
    }
    if let next = rest.first?.intValue {
      // Each node waits for the rest of the pipeline a little longer than the rest waits.
      let wait = CallOptions(timeout: s.pipelineWait(size, nodes: rest.count))
      node.call(
        NodeID(Int(next)), "dn.write",
        [.int(block), .int(size), .list(Array(rest.dropFirst()))] + Array(r.args.dropFirst(3)),
        options: wait
      ) {
        node, result in
        if case .value(let v) = result, let down = v.first?.listValue { downstream = down } else { downstream = [] }
        done(node)
      }
    }
    _ = node.after(s.transfer(size)) { [unowned self] node in
      self.keep(block, Stored(size: size, corrupt: false, data: data), node: node)
      self.received += 1
      node.tell(s.namenode, "nn.blockReceived", [.int(block), .int(size)])
      stored = true
      done(node)
    }
    return .later
  }
}
