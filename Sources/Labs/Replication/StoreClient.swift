import DistLab

/// The replicated store's client: it starts the nodes, writes to the node it believes is
/// the primary, reads from any node, and promotes a replica — learning of failures only from
/// calls that go unanswered.
public final class StoreClient {
  public let world: World
  public internal(set) var nodes: [NodeID] = []
  public private(set) var primary: NodeID?
  /// Every write the store acknowledged, in order: what a failover may lose.
  public internal(set) var acknowledged: [(key: String, value: Value)] = []
  var sync = false
  var syncAcks = Int.max
  var shipInterval = Nanoseconds.milliseconds(100)
  var failoverTimeout: Nanoseconds?
  var fencing = false
  /// The epoch the operator last assigned; each manual assignment starts a newer one.
  var epoch = 0
  /// In quorum mode, the store's settings (with `me` unset); nil in primary/replica mode.
  public internal(set) var quorum: QuorumSettings?

  public static let role = Role(
    "store", summary: "a replicated key/value store node: primary or replica, or a quorum replica",
    services: { [StoreService(), QuorumService()] })
  public static let workloadRole = Role(
    "workload", summary: "a client process reading and writing the store at a set rate",
    services: {
      [WorkloadService()]
    })

  /// The history the last workload recorded.
  public private(set) var lastHistory: History?
  /// The workload clients this lab started.
  public private(set) var clients: [NodeID] = []

  let generation: Int

  public required init(world: World) {
    self.world = world
    generation = world.generation
  }

  public var isStale: Bool { world.generation != generation }

  /// Whether a store was started, in either mode.
  public var isStarted: Bool { primary != nil || quorum != nil }

  /// Spawns a primary `s1` and `replicas` replicas `s2`…, and gives each its part.
  public func start(
    replicas: Int, sync: Bool, syncAcks: Int = Int.max, shipInterval: Nanoseconds = .milliseconds(100),
    failoverTimeout: Nanoseconds? = nil, fencing: Bool = false
  ) throws(WorldError) -> [NodeInfo] {
    self.sync = sync
    self.syncAcks = syncAcks
    self.shipInterval = shipInterval
    self.failoverTimeout = failoverTimeout
    self.fencing = fencing
    let made = try world.spawn(
      count: replicas + 1, names: (1...(replicas + 1)).map { "s\($0)" }, roles: ["store"])
    nodes = made.map(\.id)
    try assign(primary: nodes[0])
    return made
  }

  /// Makes `node` the primary and every other node a replica of it (a failover when the old
  /// primary is gone: a node that does not answer keeps its old part until it is told again).
  public func assign(primary node: NodeID) throws(WorldError) {
    primary = node
    epoch += 1
    let replicas = nodes.filter { $0 != node }
    let requests = nodes.map { n in
      var s = StoreSettings(
        me: n, primary: node, replicas: replicas, sync: sync, syncAcks: syncAcks, shipInterval: shipInterval)
      s.epoch = epoch
      s.failoverTimeout = failoverTimeout
      s.fencing = fencing
      return CallRequest(to: n, method: "store.configure", args: [s.value])
    }
    _ = try world.callAll(requests, options: CallOptions())
  }

  /// Writes through the primary (or `to` a node of the user's choosing); the outcome as the
  /// client saw it.
  public func put(_ key: String, _ value: Value, to target: NodeID? = nil) throws(WorldError) -> CallOutcome.Result {
    guard let node = target ?? primary else { return .error("no primary") }
    let outcome = try world.call(to: node, method: "store.put", args: [.string(key), value], options: CallOptions())
    if case .value = outcome.result { acknowledged.append((key, value)) }
    return outcome.result
  }

  /// A node's value for `key`, or nil when it does not answer.
  public func get(_ key: String, from node: NodeID) throws(WorldError) -> Value? {
    let outcome = try world.call(to: node, method: "store.get", args: [.string(key)], options: CallOptions())
    guard case .value(let v) = outcome.result else { return nil }
    return v.first
  }

  /// Every store node's answer to `store.part` (or `method`), asked at once; nil for a node
  /// that is silent.
  public func parts(method: String = "store.part") throws(WorldError) -> [(NodeID, Value?)] {
    let outcomes = try world.callAll(
      nodes.map { CallRequest(to: $0, method: method, args: []) }, options: CallOptions())
    return zip(nodes, outcomes).map { n, o in
      guard case .value(let v) = o.result else { return (n, nil) }
      return (n, v.first)
    }
  }

  /// Runs `count` client processes against the store for `duration`, each making one
  /// operation at a time at most every `interval`, then gathers what they recorded into one
  /// history (the world's clock orders it: an invocation and a completion at the same instant
  /// count as overlapping). In quorum mode client i sends everything to store node i (mod the
  /// store's size), its coordinator. With `nemesis`, as Jepsen's partition nemesis does, the
  /// network is cut in two for the middle third of the run — a majority of the store nodes
  /// and a minority, each client with its coordinator — and healed after.
  public func workload(
    clients count: Int, interval: Nanoseconds, duration: Nanoseconds, readAny: Bool, keys: Int, nemesis: Bool = false,
    cas: Bool = false, cancel: () -> Bool
  ) throws(WorldError) -> History {
    guard let head = primary ?? nodes.first else { throw .callNotMade }
    let first = clients.count + 1
    let made = try world.spawn(
      count: count, names: (first..<(first + count)).map { "c\($0)" }, roles: ["workload"])
    clients += made.map(\.id)
    let plans = made.indices.map { i in
      var plan = WorkloadPlan(
        primary: head, nodes: nodes, readAny: readAny, keys: keys, interval: interval, duration: duration,
        timeout: .seconds(quorum == nil ? 1 : 2))
      plan.quorum = quorum != nil
      plan.cas = cas
      if quorum != nil { plan.via = nodes[i % nodes.count] }
      return plan
    }
    _ = try world.callAll(
      zip(made, plans).map { CallRequest(to: $0.id, method: "workload.run", args: [$1.value]) },
      options: CallOptions(), cancel: cancel)
    if nemesis {
      let third = Nanoseconds(duration.value / 3)
      let majority = Set(nodes.prefix(nodes.count / 2 + 1))
      var sides: [[NodeID]] = [Array(majority.sorted()), nodes.filter { !majority.contains($0) }]
      for (c, plan) in zip(made, plans) { sides[majority.contains(plan.via ?? head) ? 0 : 1].append(c.id) }
      _ = try world.advance(by: third, cancel: cancel)
      try world.partition(sides)
      _ = try world.advance(by: third, cancel: cancel)
      world.heal()
      _ = try world.advance(by: duration - third.times(2) + plans[0].timeout + .milliseconds(10), cancel: cancel)
    } else {
      _ = try world.advance(by: duration + plans[0].timeout + .milliseconds(10), cancel: cancel)
    }
    let outcomes = try world.callAll(
      made.map { CallRequest(to: $0.id, method: "workload.history", args: []) }, options: CallOptions(), cancel: cancel)
    var events: [(time: Int64, invoke: Bool, process: Int, seq: Int, e: [Value])] = []
    for (p, o) in outcomes.enumerated() {
      guard case .value(let v) = o.result, let list = v.first?.listValue else { continue }
      for (k, e) in list.enumerated() {
        guard let fields = e.listValue, fields.count >= 5, let t = fields[0].intValue else { continue }
        events.append((t, fields[1] == .string("invoke"), p, k, fields))
      }
    }
    events.sort { ($0.time, $0.invoke ? 0 : 1, $0.process, $0.seq) < ($1.time, $1.invoke ? 0 : 1, $1.process, $1.seq) }
    var builder = HistoryBuilder()
    for e in events {
      guard let type = e.e[1].stringValue.flatMap(HistoryBuilder.EventType.init(rawValue:)),
        let f = e.e[2].stringValue.flatMap(HistoryOperation.Function.init(rawValue:))
      else { continue }
      // Each process records its own events in order, so they always pair up.
      try? builder.add(
        process: e.process, type: type, function: f, key: e.e[3].stringValue, value: e.e[4],
        expected: e.e.count > 5 ? e.e[5] : .null)
    }
    let history = builder.build()
    lastHistory = history
    return history
  }

  /// The keys whose last acknowledged value differs from `holding` (a node's data).
  public func lostWrites(holding: [String: Value]) -> [String] {
    var last: [String: Value] = [:]
    for w in acknowledged { last[w.key] = w.value }
    return last.keys.sorted().filter { holding[$0] != last[$0] }
  }

  /// The acknowledged writes the current primary no longer shows (the last acknowledged value
  /// of each key compared with what it answers): the writes a failover lost.
  public func lostWrites() throws(WorldError) -> [String] {
    guard let primary else { return [] }
    var last: [String: Value] = [:]
    for w in acknowledged { last[w.key] = w.value }
    var lost: [String] = []
    for key in last.keys.sorted() where try get(key, from: primary) != last[key] { lost.append(key) }
    return lost
  }
}
