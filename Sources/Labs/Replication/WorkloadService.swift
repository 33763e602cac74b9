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

  func record(_ node: ProgramNode, _ type: String, _ f: String, _ key: String, _ value: Value) {
    events.append(.list([.int(node.now.value), .string(type), .string(f), .string(key), value]))
  }

  func operate(_ node: ProgramNode) {
    guard let plan, !busy, !plan.nodes.isEmpty else { return }
    busy = true
    let key = "k\(node.random() % UInt64(max(1, plan.keys)))"
    let write = node.random() % 2 == 0
    let options = CallOptions(timeout: plan.timeout)
    if write {
      written += 1
      // Values are unique per process, so every write can be told apart.
      let value = Value.int(Int64(node.me.number) * 1_000_000 + Int64(written))
      record(node, "invoke", "put", key, value)
      node.call(plan.primary, "store.put", [.string(key), value], options: options) { [unowned self] node, result in
        switch result {
        case .value: self.record(node, "ok", "put", key, value)
        case .error: self.record(node, "fail", "put", key, value)
        case .timeout: self.record(node, "info", "put", key, value)
        }
        self.busy = false
      }
    } else {
      let target = plan.readAny ? plan.nodes[Int(node.random() % UInt64(plan.nodes.count))] : plan.primary
      record(node, "invoke", "get", key, .null)
      node.call(target, "store.get", [.string(key)], options: options) { [unowned self] node, result in
        switch result {
        case .value(let v): self.record(node, "ok", "get", key, v.first ?? .null)
        case .error: self.record(node, "fail", "get", key, .null)
        case .timeout: self.record(node, "info", "get", key, .null)
        }
        self.busy = false
      }
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
      "duration": .int(duration.value), "timeout": .int(timeout.value),
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
  }
}
