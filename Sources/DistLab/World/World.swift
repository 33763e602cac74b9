import Dispatch

/// The world: nodes on their own threads, the network between them, the clock and the trace.
///
/// The shell drives it from one thread. It never prints; every operation returns a typed
/// outcome or throws a `WorldError` after changing nothing. Events are run by an engine
/// (`Engine`): sim, live, or the single-threaded reference.
public final class World {
  public private(set) var config: WorldConfig
  public internal(set) var network = NetworkConfig()
  /// The roles nodes can be spawned with; the first is what a node without a role runs.
  public let roles: RoleCatalog
  let table = NodeTable()
  var engine: any Engine
  var nextCallID: UInt32 = 1
  /// How many times the world has started over: a client of the world (a lab) compares it
  /// with the one it began in to know that what it knew is gone.
  public private(set) var generation = 0
  /// Draws for faults the user asks to happen by chance (`kill --chance`).
  var faultRNG: SeededRandom

  public init(config: WorldConfig = WorldConfig(), roles: RoleCatalog = .standard) {
    self.config = config
    self.roles = roles
    faultRNG = SeededRandom(seed: config.seed, stream: 3)
    engine = Self.makeEngine(config, table: table, network: network)
  }

  /// A world whose nodes all run `program` (benchmarks and tests of the engines).
  public convenience init(config: WorldConfig = WorldConfig(), program: @escaping @Sendable () -> NodeProgram) {
    self.init(config: config, roles: RoleCatalog([Role("standard", summary: "a given program", program: program)]))
  }

  deinit { engine.shutdown() }

  static func makeEngine(_ config: WorldConfig, table: NodeTable, network: NetworkConfig) -> any Engine {
    switch config.mode {
    case .live: return LiveEngine(seed: config.seed, network: network, traceLimit: config.traceLimit)
    case .process:
      // safe: `switchMode` refuses process mode without a maker, and `init` falls back below
      guard let make = config.processEngine else {
        return LiveEngine(seed: config.seed, network: network, traceLimit: config.traceLimit)
      }
      return make(config.seed, network, config.traceLimit)
    case .sim where config.singleThreaded:
      return ReferenceEngine(table: table, seed: config.seed, network: network, traceLimit: config.traceLimit)
    case .sim:
      return SimEngine(
        table: table, seed: config.seed, network: network, traceLimit: config.traceLimit, handOff: config.simHandOff)
    }
  }

  /// The current time: virtual in sim mode, wall time since the world began in live mode.
  public var now: Nanoseconds { engine.now }
  public var mode: WorldMode { config.mode }
  public var seed: UInt64 { config.seed }

  /// Starts over: no nodes, time zero, a default network, an empty trace; seed and mode kept.
  public func reset() {
    engine.shutdown()
    table.removeAll()
    network = NetworkConfig()
    faultRNG = SeededRandom(seed: config.seed, stream: 3)
    nextCallID = 1
    generation += 1
    engine = Self.makeEngine(config, table: table, network: network)
  }

  /// Sets the seed and starts over, so everything after it follows from the new seed.
  public func reseed(_ seed: UInt64) {
    config.seed = seed
    reset()
  }

  /// Switches between sim, live and process mode; the world starts over in the new mode.
  public func switchMode(_ mode: WorldMode) throws(WorldError) {
    guard mode != .process || config.processEngine != nil else { throw .noProcessEngine }
    config.mode = mode
    reset()
  }

  public func setMaxNodes(_ n: Int) throws(WorldError) {
    guard WorldConfig.maxNodesRange.contains(n) else { throw .capOutOfRange(WorldConfig.maxNodesRange) }
    guard n >= table.count else {
      throw .capBelowExisting(nodes: table.count)
    }
    config.maxNodes = n
  }

  // MARK: Nodes

  public var allNodes: [NodeInfo] { table.all.map(\.info) }

  public func node(named name: String) -> NodeInfo? {
    table.id(named: name).flatMap { table[$0]?.info }
  }

  public func info(_ id: NodeID) -> NodeInfo? { table[id]?.info }

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

  /// Spawns several groups of named nodes, each with its role, all or none: every name, role
  /// and the cap are checked for the whole set before the first node is made.
  public func spawn(groups: [(names: [String], role: String)]) throws(WorldError) -> [NodeInfo] {
    let total = groups.reduce(0) { $0 + $1.names.count }
    guard total >= 1 else { throw .spawnNothing }
    guard table.count + total <= config.maxNodes else {
      throw .overCap(spawning: total, total: table.count + total, cap: config.maxNodes)
    }
    var seen = Set<String>()
    for g in groups {
      guard roles.role(named: g.role) != nil else { throw .unknownRole(g.role, known: roles.names) }
      for name in g.names {
        guard Self.isValidName(name) else { throw .badNodeName(name) }
        guard table.id(named: name) == nil, seen.insert(name).inserted else { throw .nameTaken(name) }
      }
    }
    var made: [NodeInfo] = []
    for g in groups where !g.names.isEmpty { made += try spawn(count: g.names.count, names: g.names, roles: [g.role]) }
    return made
  }

  /// Spawns `count` nodes (or one per given name) with the given roles and region.
  public func spawn(count: Int, names: [String] = [], roles: [String] = [], region: String? = nil) throws(WorldError)
    -> [NodeInfo]
  {
    let n = names.isEmpty ? count : names.count
    guard n >= 1 else { throw .spawnNothing }
    guard table.count + n <= config.maxNodes else {
      throw .overCap(spawning: n, total: table.count + n, cap: config.maxNodes)
    }
    var seen = Set<String>()
    for name in names {
      guard Self.isValidName(name) else {
        throw .badNodeName(name)
      }
      guard table.id(named: name) == nil, seen.insert(name).inserted else {
        throw .nameTaken(name)
      }
    }
    let role: Role
    if let name = roles.first {
      guard let found = self.roles.role(named: name) else {
        throw .unknownRole(name, known: self.roles.names)
      }
      role = found
    } else {
      role = self.roles.defaultRole
    }
    if let region, network.regions[region] == nil {
      throw .unknownRegion(region, known: network.regions.keys.sorted())
    }
    var made: [NodeInfo] = []
    var records: [NodeRecord] = []
    defer { if role.startsItself { engine.start(records) } }
    for i in 0..<n {
      let id = table.freshID()
      var name = names.isEmpty ? "n\(id.number)" : names[i]
      var suffix = 1
      while names.isEmpty && table.id(named: name) != nil {
        name = "n\(id.number)-\(suffix)"
        suffix += 1
      }
      let host: any NodeHost
      do {
        host = try engine.host(id, name: name, role: role)
      } catch .threadRefused {
        throw .threadRefused(node: id.number, spawned: made.count, of: n)
      }
      let info = NodeInfo(id: id, name: name, status: .up, roles: roles, region: region, incarnation: 1)
      let record = NodeRecord(info: info, role: role, host: host)
      table.add(record)
      if let region { network.placement[id] = region }
      engine.record(TraceEvent(time: now, kind: .spawn, node: id, detail: region.map { .region($0) } ?? .none))
      engine.nodeAdded(record)
      records.append(record)
      made.append(info)
    }
    if region != nil { engine.networkChanged(network) }
    return made
  }

  /// Joins a node someone else started, listening at `address` (process mode only): it keeps
  /// its own name unless given `name`, and must run a role this world knows.
  public func connect(_ address: String, name: String? = nil) throws(WorldError) -> NodeInfo {
    guard table.count + 1 <= config.maxNodes else {
      throw .overCap(spawning: 1, total: table.count + 1, cap: config.maxNodes)
    }
    if let name {
      guard Self.isValidName(name) else { throw .badNodeName(name) }
      guard table.id(named: name) == nil else { throw .nameTaken(name) }
    }
    let id = table.freshID()
    let joined = try engine.connect(address, id: id)
    let chosen = name ?? joined.name
    func refuse(_ e: WorldError) -> WorldError {
      joined.host.stop()
      return e
    }
    guard let role = roles.role(named: joined.role) else { throw refuse(.unknownRole(joined.role, known: roles.names)) }
    guard Self.isValidName(chosen) else { throw refuse(.badNodeName(chosen)) }
    guard table.id(named: chosen) == nil else { throw refuse(.nameTaken(chosen)) }
    let info = NodeInfo(id: id, name: chosen, status: .up, roles: [role.name], region: nil, incarnation: 1)
    let record = NodeRecord(info: info, role: role, host: joined.host)
    table.add(record)
    engine.record(TraceEvent(time: now, kind: .spawn, node: id))
    engine.nodeAdded(record)
    return info
  }

  @discardableResult
  func requireNode(_ id: NodeID) throws(WorldError) -> NodeRecord {
    guard let record = table[id] else { throw .noNode(id) }
    return record
  }

  /// Kills nodes: their memory is gone and whatever reaches them is dropped. With `wipe`,
  /// their disks are cleared too, as if the machine were replaced.
  public func kill(_ ids: [NodeID], wipe: Bool = false) throws(WorldError) -> [NodeInfo] {
    for id in ids {
      let record = try requireNode(id)
      guard record.info.status != .down else { throw .alreadyDown(name: record.info.name) }
    }
    for id in ids {
      let record = table[id]!  // safe: checked above
      let old = record.info.status
      record.info.status = .down
      engine.record(TraceEvent(time: now, kind: .kill, node: id))
      engine.statusChanged(record, from: old)
      record.host.reset(fresh: false, wipeDisk: wipe)
    }
    return ids.compactMap(info)
  }

  /// Kills each of the given up nodes independently with probability `p`, drawn from the
  /// seed: how failures pile up as a system grows. Returns the nodes killed.
  public func kill(_ ids: [NodeID], chance p: Double, wipe: Bool = false) throws(WorldError) -> [NodeInfo] {
    guard p >= 0, p <= 1 else { throw .badProbability(.chance) }
    for id in ids { _ = try requireNode(id) }
    let victims = ids.filter { id in info(id)?.status != .down && faultRNG.chance(p) }
    return victims.isEmpty ? [] : try kill(victims, wipe: wipe)
  }

  /// Starts nodes afresh: a new incarnation with empty memory and the disk as it was. An
  /// up node is killed first.
  public func restart(_ ids: [NodeID]) throws(WorldError) -> [NodeInfo] {
    for id in ids { try requireNode(id) }
    for id in ids {
      let record = table[id]!  // safe: checked above
      if record.info.status != .down { _ = try kill([id]) }
      record.info.status = .up
      record.info.incarnation += 1
      record.host.reset(fresh: true, wipeDisk: false)
      engine.record(
        TraceEvent(time: now, kind: .restart, node: id, detail: .incarnation(record.info.incarnation)))
      engine.statusChanged(record, from: .down)
      if record.role.startsItself { engine.start([record]) }
    }
    return ids.compactMap(info)
  }

  /// Pauses nodes: alive, memory kept, but nothing is handled until they resume.
  public func pause(_ ids: [NodeID]) throws(WorldError) -> [NodeInfo] {
    for id in ids {
      let info = try requireNode(id).info
      guard info.status == .up else {
        throw .cannotPause(name: info.name, status: info.status)
      }
    }
    for id in ids { setStatus(id, .paused, trace: .pause) }
    return ids.compactMap(info)
  }

  /// Resumes paused nodes; what waited for them is handled now, in arrival order.
  public func resume(_ ids: [NodeID]) throws(WorldError) -> [NodeInfo] {
    for id in ids {
      let info = try requireNode(id).info
      guard info.status == .paused else { throw .notPaused(name: info.name, status: info.status) }
    }
    for id in ids { setStatus(id, .up, trace: .resume) }
    return ids.compactMap(info)
  }

  private func setStatus(_ id: NodeID, _ status: NodeStatus, trace kind: TraceEvent.Kind) {
    guard let record = table[id] else { return }
    let old = record.info.status
    record.info.status = status
    engine.record(TraceEvent(time: now, kind: kind, node: id))
    engine.statusChanged(record, from: old)
  }

  /// Where a node runs, when it is a process of its own (process mode).
  public func location(of id: NodeID) -> NodeLocation? { table[id]?.host.location }

  /// The methods a node serves, from its role's declarations.
  public func methods(of id: NodeID) -> [MethodSpec] { table[id]?.role.methods ?? [] }

  /// The role a node runs.
  public func role(of id: NodeID) -> Role? { table[id]?.role }

  /// What a node's program reports about itself, asked where the program runs.
  public func summary(of id: NodeID) throws(WorldError) -> NodeSummary? {
    let record = try requireNode(id)
    guard record.info.status != .down else { return nil }
    return record.host.summary()
  }

  /// One figure a node's program reports (`received`, a lab's counters), asked where it runs:
  /// for polling, as it carries nothing else back.
  public func metric(_ name: String, of id: NodeID) throws(WorldError) -> Double? {
    let record = try requireNode(id)
    guard record.info.status != .down else { return nil }
    return record.host.metric(name)
  }

  // MARK: Trace

  /// Everything recorded so far (up to the trace limit) and the totals over all of it.
  public var trace: TraceLog { engine.trace }

  public func clearStats() { engine.clearStats() }

  public func setTraceLimit(_ n: Int) throws(WorldError) {
    guard WorldConfig.traceLimitRange.contains(n) else { throw .traceLimitOutOfRange(WorldConfig.traceLimitRange) }
    config.traceLimit = n
    engine.resizeTrace(limit: n)
  }
}
