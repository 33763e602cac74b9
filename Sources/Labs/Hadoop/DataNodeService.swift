import DistLab

/// An HDFS DataNode: it keeps blocks on its disk (their sizes, not their bytes), registers with
/// the NameNode and reports every block it holds, sends a heartbeat every
/// `dfs.heartbeat.interval` and carries out the commands the answers bring — copy a block to
/// another DataNode, delete one. A write reaches it through a pipeline: it stores the block,
/// passes it on to the next DataNode and acknowledges with the nodes that stored it.
public final class DataNodeService: StartingService {
  var settings: HDFSSettings?
  var registered = false
  var heartbeats: TimerHandle?
  var sent = 0
  var received = 0
  /// Replicas on disk, kept for `nodes`.
  var replicas = 0

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
      "dn.write", [ArgumentSpec("BLOCK", .int), ArgumentSpec("SIZE", .int), ArgumentSpec("PIPELINE", .list)],
      "stores a block and passes it down the pipeline; answers the nodes that stored it"
    ) { d, r, node in d.write(r, node: node) },
    ServiceMethod(
      "dn.read", [ArgumentSpec("BLOCK", .int)],
      "streams a block (its size at the bandwidth): its size, or an error when its checksum fails"
    ) { d, r, node in
      guard let stored = Stored(node.disk[DataNodeService.key(r.args[0].intValue ?? 0)]) else {
        return .error("ReplicaNotFoundException")
      }
      _ = node.after(d.settings?.transfer(stored.size) ?? .zero) { node in
        node.answer(r, stored.corrupt ? .error("ChecksumException") : .value([.int(stored.size)]))
      }
      return .later
    },
    ServiceMethod("dn.corrupt", [ArgumentSpec("BLOCK", .int)], "flips bits in the replica: its checksum now fails") {
      _, r, node in
      let key = DataNodeService.key(r.args[0].intValue ?? 0)
      guard var stored = Stored(node.disk[key]) else { return .error("ReplicaNotFoundException") }
      stored.corrupt = true
      node.disk[key] = stored.value
      return .value([])
    },
    ServiceMethod(
      "dn.copy", [ArgumentSpec("BLOCK", .int), ArgumentSpec("TARGET", .int)],
      "for the balancer: copies a replica to TARGET at dfs.datanode.balance.bandwidthPerSec; answers when it is there"
    ) { d, r, node in
      guard let s = d.settings, let stored = Stored(node.disk[DataNodeService.key(r.args[0].intValue ?? 0)]),
        !stored.corrupt
      else { return .error("ReplicaNotFoundException") }
      let throttle = Nanoseconds(Int64((Double(stored.size) / Double(s.balanceBandwidth) * 1e9).rounded()))
      _ = node.after(throttle) { node in
        node.call(
          NodeID(Int(r.args[1].intValue ?? 0)), "dn.write", [r.args[0], .int(stored.size), .list([])],
          options: CallOptions(timeout: s.pipelineWait(stored.size, nodes: 1))
        ) { node, result in
          if case .value = result { node.answer(r, .value([])) } else { node.answer(r, .error("copy failed")) }
        }
      }
      d.sent += 1
      return .later
    },
    ServiceMethod("dn.blocks", [], "every replica held: [block, size, corrupt]") { _, _, node in
      .value([.list(DataNodeService.held(node).map { .list([.int($0.0), .int($0.1.size), .bool($0.1.corrupt)]) })])
    },
  ]

  /// A replica on disk: its size, and whether its bytes no longer match their checksum.
  struct Stored {
    var size: Int64
    var corrupt: Bool

    init(size: Int64, corrupt: Bool) {
      self.size = size
      self.corrupt = corrupt
    }

    init?(_ v: Value?) {
      guard let l = v?.listValue, l.count == 2, let s = l[0].intValue else { return nil }
      size = s
      corrupt = l[1] == .bool(true)
    }

    var value: Value { .list([.int(size), .bool(corrupt)]) }
  }

  static func key(_ block: Int64) -> String { "b:\(block)" }

  static func held(_ node: ProgramNode) -> [(Int64, Stored)] {
    node.disk.keys.filter { $0.hasPrefix("b:") }.compactMap { k in
      guard let id = Int64(k.dropFirst(2)), let s = Stored(node.disk[k]) else { return nil }
      return (id, s)
    }.sorted { $0.0 < $1.0 }
  }

  public func start(_ node: ProgramNode) {
    registered = false
    heartbeats = nil
    replicas = DataNodeService.held(node).count
    if let s = node.disk["settings"].flatMap(HDFSSettings.init) { join(s, node: node) }
  }

  public func metrics() -> [(String, Double)] {
    [("replicas", Double(replicas)), ("copied", Double(sent))]
  }

  func join(_ s: HDFSSettings, node: ProgramNode) {
    settings = s
    if let h = heartbeats { node.cancel(h) }
    register(node)
    heartbeats = node.every(s.heartbeat) { [unowned self] node in self.beat(node) }
  }

  /// Registration, then the full block report.
  func register(_ node: ProgramNode) {
    guard let s = settings else { return }
    node.call(s.namenode, "nn.register", [.string(s.rack(of: node.me))]) { [unowned self] node, result in
      guard case .value = result else { return }
      self.registered = true
      let report = DataNodeService.held(node).map { Value.list([.int($0.0), .int($0.1.size), .bool($0.1.corrupt)]) }
      node.tell(s.namenode, "nn.blockReport", [.list(report)])
    }
  }

  func beat(_ node: ProgramNode) {
    guard let s = settings else { return }
    let held = DataNodeService.held(node)
    let used = held.reduce(Int64(0)) { $0 + $1.1.size }
    node.call(
      s.namenode, "nn.heartbeat", [.int(used), .int(Int64(held.count))], options: CallOptions(timeout: s.heartbeat)
    ) {
      [unowned self] node, result in
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
        let stored = Stored(node.disk[DataNodeService.key(block)]), !stored.corrupt
      else { return }
      sent += 1
      node.call(
        NodeID(Int(first)), "dn.write", [.int(block), .int(stored.size), .list(Array(targets.dropFirst()))],
        options: CallOptions(timeout: s.transfer(stored.size) + .seconds(2))
      ) {
        _, _ in
      }
    case "delete":
      guard l.count == 2, let block = l[1].intValue else { return }
      guard node.disk[DataNodeService.key(block)] != nil else { return }
      node.disk[DataNodeService.key(block)] = nil
      replicas -= 1
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
        NodeID(Int(next)), "dn.write", [.int(block), .int(size), .list(Array(rest.dropFirst()))], options: wait
      ) {
        node, result in
        if case .value(let v) = result, let down = v.first?.listValue { downstream = down } else { downstream = [] }
        done(node)
      }
    }
    _ = node.after(s.transfer(size)) { [unowned self] node in
      if node.disk[DataNodeService.key(block)] == nil { self.replicas += 1 }
      node.disk[DataNodeService.key(block)] = Stored(size: size, corrupt: false).value
      self.received += 1
      node.tell(s.namenode, "nn.blockReceived", [.int(block), .int(size)])
      stored = true
      done(node)
    }
    return .later
  }
}
