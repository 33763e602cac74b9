import DistLab

/// A workload client: one process that, at a set rate for a set time, reads or writes a random
/// key of the store, one operation at a time, and records each operation's invocation and its
/// completion (ok, fail, or unknown when the call timed out) on the world's clock.
public final class WorkloadService: StartingService {
  var plan: WorkloadPlan?
  var events: [Value] = []
  var busy = false
  var written = 0
  var timer: TimerHandle?
  /// The value this client last read, wrote or swapped in for each key: what its next
  /// compare-and-set expects.
  var seen: [String: Value] = [:]

  public init() {}

  public static let methods: [ServiceMethod<WorkloadService>] = [
    ServiceMethod("workload.run", [ArgumentSpec("PLAN", .map)], "starts the workload") { w, r, node in
      guard let plan = WorkloadPlan(r.args[0]) else { return .error("not a workload plan") }
      w.begin(plan, node: node)
      return .value([])
    },
    ServiceMethod("workload.history", [], "every event so far: [time, type, f, key, value], …") { w, _, _ in
      .value([.list(w.events)])
    },
  ]

  public func start(_ node: ProgramNode) {}

  public func metrics() -> [(String, Double)] { [("events", Double(events.count))] }

  func begin(_ plan: WorkloadPlan, node: ProgramNode) {
    self.plan = plan
    let until = node.now + plan.duration
    timer = node.every(plan.interval) { [unowned self] node in
      guard node.now < until else {
        if let t = self.timer { node.cancel(t) }
        return
      }
      self.operate(node)
    }
  }

  func record(_ node: ProgramNode, _ type: String, _ f: String, _ key: String, _ value: Value, expected: Value? = nil) {
    var e: [Value] = [.int(node.now.value), .string(type), .string(f), .string(key), value]
    if let expected { e.append(expected) }
    events.append(.list(e))
  }

  func operate(_ node: ProgramNode) {
    guard let plan, !busy, !plan.nodes.isEmpty else { return }
    busy = true
    let key = "k\(node.random() % UInt64(max(1, plan.keys)))"
    // Without compare-and-set: write or read, even odds; with it, a third each.
    let draw = node.random() % (plan.cas ? 3 : 2)
    let options = CallOptions(timeout: plan.timeout)
    let via = plan.via ?? plan.primary
    if draw == 2 {
      written += 1
      let value = Value.int(Int64(node.me.number) * 1_000_000 + Int64(written))
      let expected = seen[key] ?? .null
      record(node, "invoke", "cas", key, value, expected: expected)
      node.call(via, "store.cas", [.string(key), expected, value], options: options) { [unowned self] node, result in
        if case .value = result { self.seen[key] = value }
        self.record(node, Self.type(of: result), "cas", key, value, expected: expected)
        self.busy = false
      }
    } else if draw == 0 {
      written += 1
      // Values are unique per process, so every write can be told apart.
      let value = Value.int(Int64(node.me.number) * 1_000_000 + Int64(written))
      record(node, "invoke", "put", key, value)
      guard plan.quorum else {
        node.call(via, "store.put", [.string(key), value], options: options) { [unowned self] node, result in
          if case .value = result { self.seen[key] = value }
          self.record(node, Self.type(of: result), "put", key, value)
          self.busy = false
        }
        return
      }
      // As a Dynamo client does: read the key's context, then write with it. A write whose read
      // did not come back was never sent.
      node.call(via, "store.qget", [.string(key)], options: options) { [unowned self] node, result in
        guard case .value(let v) = result, v.count > 1 else {
          self.record(node, "fail", "put", key, value)
          self.busy = false
          return
        }
        node.call(via, "store.qput", [.string(key), value, v[1]], options: options) { node, result in
          self.record(node, Self.type(of: result), "put", key, value)
          self.busy = false
        }
      }
    } else {
      let target = plan.quorum ? via : plan.readAny ? plan.nodes[Int(node.random() % UInt64(plan.nodes.count))] : via
      record(node, "invoke", "get", key, .null)
      node.call(target, plan.quorum ? "store.qget" : "store.get", [.string(key)], options: options) {
        [unowned self] node, result in
        var read = Value.null
        if case .value(let v) = result {
          // A quorum read answers its values first; last-writer-wins leaves at most one.
          read = (plan.quorum ? v.first?.listValue?.first : v.first) ?? .null
        }
        if case .value = result { self.seen[key] = read }
        self.record(node, Self.type(of: result), "get", key, read)
        self.busy = false
      }
    }
  }

  /// How the history records a call's end: a refusal did nothing (fail); a timeout, the
  /// client's own or a quorum coordinator's, may have done it or not (info).
  static func type(of result: CallResult) -> String {
    switch result {
    case .value: "ok"
    case .error(let text) where text.hasPrefix("timeout"): "info"
    case .error: "fail"
    case .timeout: "info"
    }
  }
}

/// What a workload client does: whom it asks, how often, for how long, over how many keys.
public struct WorkloadPlan: Hashable, Sendable {
  public var primary: NodeID
  public var nodes: [NodeID]
  /// Reads go to any store node (possibly a stale replica) instead of the primary.
  public var readAny: Bool
  public var keys: Int
  public var interval: Nanoseconds
  public var duration: Nanoseconds
  public var timeout: Nanoseconds
  /// The quorum store's methods instead of the primary's.
  public var quorum = false
  /// The node this client sends everything to (its coordinator); nil: the primary.
  public var via: NodeID?
  /// A third of the operations are compare-and-sets (primary/replica only).
  public var cas = false

  public init(
    primary: NodeID, nodes: [NodeID], readAny: Bool, keys: Int, interval: Nanoseconds, duration: Nanoseconds,
    timeout: Nanoseconds
  ) {
    self.primary = primary
    self.nodes = nodes
    self.readAny = readAny
    self.keys = keys
    self.interval = interval
    self.duration = duration
    self.timeout = timeout
  }

  var value: Value {
    .map([
      "primary": .int(Int64(primary.number)), "nodes": .list(nodes.map { .int(Int64($0.number)) }),
      "read_any": .bool(readAny), "keys": .int(Int64(keys)), "interval": .int(interval.value),
      "duration": .int(duration.value), "timeout": .int(timeout.value), "quorum": .bool(quorum), "cas": .bool(cas),
      "via": via.map { .int(Int64($0.number)) } ?? .null,
    ])
  }

  init?(_ v: Value) {
    guard let p = v["primary"]?.intValue, let i = v["interval"]?.intValue, i > 0, let d = v["duration"]?.intValue,
      let t = v["timeout"]?.intValue, t > 0
    else { return nil }
    self.init(
      primary: NodeID(Int(p)), nodes: (v["nodes"]?.listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } },
      readAny: v["read_any"] == .bool(true), keys: Int(v["keys"]?.intValue ?? 1), interval: Nanoseconds(i),
      duration: Nanoseconds(d), timeout: Nanoseconds(t))
    quorum = v["quorum"] == .bool(true)
    cas = v["cas"] == .bool(true)
    via = v["via"]?.intValue.map { NodeID(Int($0)) }
  }
}
