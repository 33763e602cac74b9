import Dispatch

/// The world: nodes on their own threads, the network between them, the clock and the trace.
///
/// The shell drives it from one thread. It never prints; every operation returns a typed
/// outcome or throws a `WorldError` after changing nothing.
public final class World {
  public private(set) var config: WorldConfig
  public internal(set) var network = NetworkConfig()
  var simTrace: TraceLog
  let programFactory: @Sendable () -> NodeProgram

  var nodes: [NodeRecord] = []
  var byName: [String: NodeID] = [:]

  var simNow: Nanoseconds = .zero
  var queue = EventQueue()
  /// Sim mode's per-node batch slots and scratch lists, reused from batch to batch.
  let simBatch = SimBatchState()
  var seq: UInt64 = 0
  var netRNG: SeededRandom
  var nextMessageID = 1
  var nextCallID: UInt32 = 1
  var calls: [UInt32: PendingCall] = [:]
  var watched: [Int: MessageOutcome] = [:]
  var arrivals: [Int] = []
  var held: [NodeID: [SimEvent]] = [:]
  var live: LiveEngine?
  /// The sharding lab, once a scheme is chosen.
  var shards: ShardLab?
  /// Draws for faults the user asks to happen by chance (`kill --chance`).
  var faultRNG: SeededRandom

  struct NodeRecord {
    var info: NodeInfo
    let thread: NodeThread
    var context: SimContext
  }

  public init(config: WorldConfig = WorldConfig(), program: @escaping @Sendable () -> NodeProgram = { StandardNode() })
  {
    self.config = config
    self.programFactory = program
    simTrace = TraceLog(limit: config.traceLimit)
    netRNG = SeededRandom(seed: config.seed, stream: 1)
    faultRNG = SeededRandom(seed: config.seed, stream: 3)
    if config.mode == .live { live = LiveEngine(world: self) }
  }

  deinit { stopThreads() }

  func stopThreads() {
    live?.shutdown()
    for n in nodes { n.thread.submit(.stop) }
  }

  /// The current time: virtual in sim mode, wall time since the world began in live mode.
  public var now: Nanoseconds { live?.elapsed() ?? simNow }
  public var mode: WorldMode { config.mode }
  public var seed: UInt64 { config.seed }

  /// Starts over: no nodes, time zero, a default network, an empty trace; seed and mode kept.
  public func reset() {
    stopThreads()
    nodes = []
    byName = [:]
    network = NetworkConfig()
    simTrace = TraceLog(limit: config.traceLimit)
    simNow = .zero
    queue.removeAll()
    seq = 0
    netRNG = SeededRandom(seed: config.seed, stream: 1)
    faultRNG = SeededRandom(seed: config.seed, stream: 3)
    nextMessageID = 1
    nextCallID = 1
    calls = [:]
    watched = [:]
    arrivals = []
    held = [:]
    shards = nil
    live = config.mode == .live ? LiveEngine(world: self) : nil
  }

  /// Sets the seed and starts over, so everything after it follows from the new seed.
  public func reseed(_ seed: UInt64) {
    config.seed = seed
    reset()
  }

  /// Switches between sim and live mode; the world starts over in the new mode.
  public func switchMode(_ mode: WorldMode) {
    config.mode = mode
    reset()
  }

  public func setMaxNodes(_ n: Int) throws(WorldError) {
    guard n >= 1 else { throw WorldError("the node cap must be at least 1") }
    guard n >= nodes.count else {
      throw WorldError("there are already \(nodes.count) nodes; the cap cannot go below that")
    }
    config.maxNodes = n
  }

  // MARK: Nodes

  public var allNodes: [NodeInfo] { nodes.map(\.info) }

  public func node(named name: String) -> NodeInfo? {
    byName[name].map { nodes[$0.index - 1].info }
  }

  public func info(_ id: NodeID) -> NodeInfo? {
    id.index >= 1 && id.index <= nodes.count ? nodes[id.index - 1].info : nil
  }

  public func name(of id: NodeID) -> String {
    id.isClient ? "cli" : (info(id)?.name ?? id.description)
  }

  /// Whether `name` could name a new node: letters, digits, `-` and `_`, starting with a letter.
  public static func isValidName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, first.properties.isAlphabetic, name.count <= 32 else { return false }
    return name.unicodeScalars.allSatisfy {
      $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
    }
      && !Self.reservedNames.contains(name)
  }

  public static let reservedNames: Set<String> = ["all", "cli", "none", "up", "down", "paused"]

  /// Spawns `count` nodes (or one per given name) with the given roles and region.
  public func spawn(count: Int, names: [String] = [], roles: [String] = [], region: String? = nil) throws(WorldError)
    -> [NodeInfo]
  {
    let n = names.isEmpty ? count : names.count
    guard n >= 1 else { throw WorldError("spawn needs at least one node") }
    guard nodes.count + n <= config.maxNodes else {
      throw WorldError(
        "spawning \(n) would make \(nodes.count + n) nodes, over the cap of \(config.maxNodes) (raise it with 'set max-nodes N')"
      )
    }
    var seen = Set<String>()
    for name in names {
      guard Self.isValidName(name) else {
        throw WorldError("'\(name)' is not a usable node name (letters, digits, - and _, starting with a letter)")
      }
      guard byName[name] == nil, seen.insert(name).inserted else {
        throw WorldError("a node named '\(name)' already exists")
      }
    }
    if let region, network.regions[region] == nil {
      throw WorldError("unknown region '\(region)' (regions: \(network.regions.keys.sorted().joined(separator: ", ")))")
    }
    var made: [NodeInfo] = []
    for i in 0..<n {
      let id = NodeID(nodes.count + 1)
      var name = names.isEmpty ? "n\(id.index)" : names[i]
      var suffix = 1
      while names.isEmpty && byName[name] != nil {
        name = "n\(id.index)-\(suffix)"
        suffix += 1
      }
      let thread = NodeThread(id: id, factory: programFactory)
      guard thread.start() else {
        throw WorldError(
          "the system refused to start a thread for node \(id.index); \(made.count) of \(n) were spawned")
      }
      let info = NodeInfo(id: id, name: name, status: .up, roles: roles, region: region, incarnation: 1)
      nodes.append(NodeRecord(info: info, thread: thread, context: makeContext(id, incarnation: 1)))
      byName[name] = id
      if let region { network.placement[id] = region }
      record(TraceEvent(time: now, kind: .spawn, node: id, detail: region ?? ""))
      live?.nodeAdded(nodes[id.index - 1])
      made.append(info)
    }
    return made
  }

  func makeContext(_ id: NodeID, incarnation: Int) -> SimContext {
    SimContext(
      me: id, rng: SeededRandom(seed: config.seed, stream: UInt64(id.index) << 16 | UInt64(incarnation & 0xffff) + 2))
  }

  func requireNode(_ id: NodeID) throws(WorldError) -> NodeInfo {
    guard let info = info(id) else { throw WorldError("no node \(id)") }
    return info
  }

  /// Kills nodes: their memory is gone and whatever reaches them is dropped.
  public func kill(_ ids: [NodeID]) throws(WorldError) -> [NodeInfo] {
    for id in ids {
      let info = try requireNode(id)
      guard info.status != .down else { throw WorldError("\(info.name) is already down") }
    }
    for id in ids {
      nodes[id.index - 1].info.status = .down
      nodes[id.index - 1].thread.reset(fresh: false)
      record(TraceEvent(time: now, kind: .kill, node: id))
      for e in held.removeValue(forKey: id) ?? [] {
        if case .deliver(let env) = e.kind {
          record(
            TraceEvent(
              time: now, kind: .drop, node: id, peer: env.from, messageID: env.id, bytes: env.bytes, detail: "node down"
            ))
          settleWatched(env.id, .dropped(reason: "node down"))
        }
      }
      live?.statusChanged(id, .down)
    }
    return ids.compactMap(info)
  }

  /// Kills each of the given up nodes independently with probability `p`, drawn from the
  /// seed: how failures pile up as a system grows. Returns the nodes killed.
  public func kill(_ ids: [NodeID], chance p: Double) throws(WorldError) -> [NodeInfo] {
    guard p >= 0, p <= 1 else { throw WorldError("the chance is a probability between 0 and 1 (or 0% and 100%)") }
    for id in ids { _ = try requireNode(id) }
    let victims = ids.filter { id in info(id)?.status != .down && faultRNG.chance(p) }
    return victims.isEmpty ? [] : try kill(victims)
  }

  /// Starts nodes afresh: a new incarnation with empty memory. An up node is killed first.
  public func restart(_ ids: [NodeID]) throws(WorldError) -> [NodeInfo] {
    for id in ids { _ = try requireNode(id) }
    for id in ids {
      if nodes[id.index - 1].info.status != .down { _ = try kill([id]) }
      var r = nodes[id.index - 1]
      r.info.status = .up
      r.info.incarnation += 1
      r.context = makeContext(id, incarnation: r.info.incarnation)
      nodes[id.index - 1] = r
      r.thread.reset(fresh: true)
      record(TraceEvent(time: now, kind: .restart, node: id, detail: "incarnation \(r.info.incarnation)"))
      live?.statusChanged(id, .up)
    }
    return ids.compactMap(info)
  }

  /// Pauses nodes: alive, memory kept, but nothing is handled until they resume.
  public func pause(_ ids: [NodeID]) throws(WorldError) -> [NodeInfo] {
    for id in ids {
      let info = try requireNode(id)
      guard info.status == .up else {
        throw WorldError("\(info.name) is \(info.status.rawValue); only an up node can be paused")
      }
    }
    for id in ids {
      nodes[id.index - 1].info.status = .paused
      record(TraceEvent(time: now, kind: .pause, node: id))
      live?.statusChanged(id, .paused)
    }
    return ids.compactMap(info)
  }

  /// Resumes paused nodes; what waited for them is handled now, in arrival order.
  public func resume(_ ids: [NodeID]) throws(WorldError) -> [NodeInfo] {
    for id in ids {
      let info = try requireNode(id)
      guard info.status == .paused else { throw WorldError("\(info.name) is \(info.status.rawValue), not paused") }
    }
    for id in ids {
      nodes[id.index - 1].info.status = .up
      record(TraceEvent(time: now, kind: .resume, node: id))
      for var e in held.removeValue(forKey: id) ?? [] {
        e.time = simNow
        e.seq = nextSeq()
        queue.insert(e)
      }
      live?.statusChanged(id, .up)
    }
    return ids.compactMap(info)
  }

  /// What a node's program reports about itself, asked on the node's own thread.
  public func summary(of id: NodeID) throws(WorldError) -> NodeSummary? {
    let info = try requireNode(id)
    guard info.status != .down else { return nil }
    return nodes[id.index - 1].thread.query { $0?.summary() ?? NodeSummary() }
  }

  // MARK: Trace

  /// Everything recorded so far (up to the trace limit) and the totals over all of it.
  public var trace: TraceLog { live?.router.trace.withLock { $0 } ?? simTrace }

  func record(_ e: TraceEvent) {
    if let live { live.router.record(e) } else { simTrace.record(e) }
  }

  public func clearStats() {
    if let live { live.router.trace.withLock { $0.clearStats() } } else { simTrace.clearStats() }
  }

  public func setTraceLimit(_ n: Int) throws(WorldError) {
    guard n >= 10 else { throw WorldError("the trace must keep at least 10 events") }
    config.traceLimit = n
    if let live { live.router.trace.withLock { $0.resize(limit: n) } } else { simTrace.resize(limit: n) }
  }

  func nextSeq() -> UInt64 {
    seq &+= 1
    return seq
  }
}
