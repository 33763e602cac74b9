import DistLab

/// A node of the replicated key/value store, in primary/replica mode (the primer's
/// master-slave). The primary numbers every write, applies it, and replicates it to the
/// replicas: synchronously (it answers the client once `syncAcks` replicas have it) or
/// asynchronously (it answers at once and ships what each replica lacks every
/// `shipInterval`). A replica applies writes in order and serves reads, possibly stale. Data,
/// the write log and the node's part live on its disk, so a restart keeps them.
public final class StoreService: StartingService {
  var settings: StoreSettings?
  var values: [String: Value] = [:]
  /// The primary's log of writes, by sequence number (1…).
  var log: [(key: String, value: Value)] = []
  var applied = 0
  /// For the primary: the highest sequence number each replica has confirmed.
  var confirmed: [NodeID: Int] = [:]
  /// Writes waiting for enough confirmations before the client hears ok.
  var waiting: [(seq: Int, request: Request)] = []
  var shipTimer: TimerHandle?
  var beatTimer: TimerHandle?
  /// For a replica: when it last heard its primary.
  var lastHeard = Nanoseconds.zero

  public init() {}

  public static let methods: [ServiceMethod<StoreService>] = [
    ServiceMethod("store.configure", [ArgumentSpec("SETTINGS", .map)], "takes a part: primary or replica") {
      s, r, node in
      guard let settings = StoreSettings(r.args[0]) else { return .error("not store settings") }
      s.adopt(settings, node: node)
      return .value([])
    },
    ServiceMethod("store.put", [ArgumentSpec("KEY", .key), ArgumentSpec("VALUE", .value)], "writes, on the primary") {
      s, r, node in
      s.put(r.key(0), r.args[1], answering: r, node: node)
    },
    ServiceMethod(
      "store.cas", [ArgumentSpec("KEY", .key), ArgumentSpec("OLD", .value), ArgumentSpec("NEW", .value)],
      "on the primary: writes NEW if the value is OLD, else refuses"
    ) { s, r, node in
      guard s.settings?.isPrimary(node.me) != true || s.values[r.key(0)] ?? .null == r.args[1] else {
        return .error("cas refused: the value is \(s.values[r.key(0)] ?? .null)")
      }
      return s.put(r.key(0), r.args[2], answering: r, node: node)
    },
    ServiceMethod("store.get", [ArgumentSpec("KEY", .key)], "this node's value, null when it has none") {
      s, r, _ in
      .value([s.values[r.key(0)] ?? .null])
    },
    ServiceMethod(
      "store.apply", [ArgumentSpec("FROM", .int), ArgumentSpec("WRITES", .list), ArgumentSpec("EPOCH", .int)],
      "a replica applies the primary's writes from sequence number FROM on; answers how far it is"
    ) { s, r, node in
      let epoch = Int(r.args[2].intValue ?? 0)
      if let mine = s.settings, mine.fencing, epoch < mine.epoch {
        return .error("fenced: epoch \(epoch) is older than \(mine.epoch)")
      }
      s.apply(from: Int(r.args[0].intValue ?? 0), (r.args[1].listValue ?? []), node: node)
      return .value([.int(Int64(s.applied))])
    },
    ServiceMethod(
      "store.beat", [ArgumentSpec("EPOCH", .int), ArgumentSpec("PRIMARY", .int)],
      "a heartbeat: PRIMARY leads in EPOCH"
    ) { s, r, node in
      s.heard(
        epoch: Int(r.args[0].intValue ?? 0), primary: NodeID(Int(r.args[1].intValue ?? 0)), from: r.caller, node: node)
      return .value([])
    },
    ServiceMethod("store.part", [], "part, primary, applied sequence number, and each replica's lag") {
      s, _, _ in
      .value([s.part])
    },
  ]

  public func start(_ node: ProgramNode) {
    values = [:]
    for key in node.disk.keys where key.hasPrefix("d:") { values[String(key.dropFirst(2))] = node.disk[key] }
    applied = Int(node.disk["applied"]?.intValue ?? 0)
    log = (node.disk["log"]?.listValue ?? []).compactMap { e in
      e["key"]?.stringValue.map { ($0, e["value"] ?? .null) }
    }
    if let s = node.disk["settings"].flatMap(StoreSettings.init) { adopt(s, node: node) }
  }

  public func metrics() -> [(String, Double)] {
    guard settings != nil else { return [] }
    return [
      ("applied", Double(applied)), ("keys", Double(values.count)),
      ("primary", settings.map { $0.primary == $0.me ? 1 : 0 } ?? 0), ("epoch", Double(settings?.epoch ?? 0)),
    ]
  }

  /// The node's key/value data, as `nodes` and `expect n1.kv.KEY` read it.
  public func data() -> [String: Value]? { settings == nil ? nil : values }

  func adopt(_ s: StoreSettings, node: ProgramNode) {
    settings = s
    node.disk["settings"] = s.value
    for t in [shipTimer, beatTimer].compactMap({ $0 }) { node.cancel(t) }
    shipTimer = nil
    beatTimer = nil
    lastHeard = node.now
    guard s.failoverTimeout != nil else {
      if s.isPrimary(node.me) { lead(s, node: node) }
      return
    }
    // With automatic failover, a primary beats and a replica watches for the beats.
    beatTimer = node.every(s.heartbeat) { [unowned self] node in self.tick(node) }
    if s.isPrimary(node.me) { lead(s, node: node) }
  }

  func lead(_ s: StoreSettings, node: ProgramNode) {
    for r in s.replicas where confirmed[r] == nil { confirmed[r] = 0 }
    if !s.sync {
      shipTimer = node.every(s.shipInterval) { [unowned self] node in self.ship(node) }
    }
  }

  /// Every heartbeat interval: a primary tells the others it leads; a replica that has not
  /// heard its primary for the failover timeout (plus a step per place in line, so that the
  /// first in line goes first) takes over in the next epoch.
  func tick(_ node: ProgramNode) {
    guard let s = settings, let timeout = s.failoverTimeout else { return }
    if s.isPrimary(node.me) {
      for r in s.members where r != node.me {
        node.tell(r, "store.beat", [.int(Int64(s.epoch)), .int(Int64(node.me.number))])
      }
      return
    }
    let place = s.members.filter { $0 != s.primary }.firstIndex(of: node.me) ?? 0
    guard node.now - lastHeard > timeout + s.heartbeat.times(2 * place) else { return }
    var next = s
    next.epoch += 1
    next.primary = node.me
    next.replicas = s.members.filter { $0 != node.me }
    node.event("store.promoted", [.int(Int64(next.epoch))])
    adopt(next, node: node)
    tick(node)
  }

  /// A heartbeat. Without fencing epochs mean nothing: a primary ignores other primaries (so
  /// two can lead at once) and a replica follows whoever beats. With fencing, a newer epoch's
  /// primary is followed (a primary steps down), this epoch's primary is noted, and an older
  /// one is told who leads now.
  func heard(epoch: Int, primary: NodeID, from sender: NodeID, node: ProgramNode) {
    guard let s = settings else { return }
    guard s.fencing else {
      if s.isPrimary(node.me) { return }
      if primary != s.primary {
        var next = s
        next.primary = primary
        next.replicas = s.members.filter { $0 != primary }
        adopt(next, node: node)
      }
      lastHeard = node.now
      return
    }
    if epoch > s.epoch {
      var next = s
      next.epoch = epoch
      next.primary = primary
      next.replicas = s.members.filter { $0 != primary }
      if s.isPrimary(node.me) { node.event("store.stepped-down", [.int(Int64(epoch))]) }
      adopt(next, node: node)
    } else if epoch == s.epoch && primary == s.primary {
      lastHeard = node.now
    } else if epoch < s.epoch && s.fencing {
      node.tell(sender, "store.beat", [.int(Int64(s.epoch)), .int(Int64(s.primary.number))])
    }
  }

  /// Writes `value` under `key` on the primary and answers `r` when the write is acknowledged.
  func put(_ key: String, _ value: Value, answering r: Request, node: ProgramNode) -> Answer {
    guard let s = settings else { return .error("not configured") }
    guard s.isPrimary(node.me) else {
      return .error("not the primary (the primary is node \(s.primary.number))")
    }
    log.append((key, value))
    node.disk["log"] = .list(log.map { .map(["key": .string($0.key), "value": $0.value]) })
    write(key, value, node: node)
    applied = log.count
    node.disk["applied"] = .int(Int64(applied))
    guard s.sync, !s.replicas.isEmpty else { return .value([.int(Int64(applied))]) }
    waiting.append((applied, r))
    ship(node)
    return .later
  }

  func write(_ key: String, _ value: Value, node: ProgramNode) {
    values[key] = value
    node.disk["d:" + key] = value
  }

  /// Sends each replica the writes it has not confirmed.
  func ship(_ node: ProgramNode) {
    guard let s = settings else { return }
    for r in s.replicas {
      let from = (confirmed[r] ?? 0) + 1
      guard from <= log.count else { continue }
      let writes = log[(from - 1)...].map { Value.map(["key": .string($0.key), "value": $0.value]) }
      node.call(
        r, "store.apply", [.int(Int64(from)), .list(Array(writes)), .int(Int64(s.epoch))], options: CallOptions()
      ) {
        [unowned self] node, result in
        guard case .value(let v) = result, let upTo = v.first?.intValue else { return }
        self.confirmed[r] = max(self.confirmed[r] ?? 0, Int(upTo))
        self.release(node)
      }
    }
  }

  /// Answers the writes that enough replicas now hold.
  func release(_ node: ProgramNode) {
    guard let s = settings else { return }
    let needed = min(s.syncAcks, s.replicas.count)
    while let first = waiting.first {
      let holding = s.replicas.filter { (confirmed[$0] ?? 0) >= first.seq }.count
      guard holding >= needed else { break }
      waiting.removeFirst()
      node.answer(first.request, .value([.int(Int64(first.seq))]))
    }
  }

  func apply(from: Int, _ writes: [Value], node: ProgramNode) {
    for (k, w) in writes.enumerated() where from + k == applied + 1 {
      guard let key = w["key"]?.stringValue else { continue }
      write(key, w["value"] ?? .null, node: node)
      log.append((key, w["value"] ?? .null))
      applied += 1
    }
    node.disk["applied"] = .int(Int64(applied))
    node.disk["log"] = .list(log.map { .map(["key": .string($0.key), "value": $0.value]) })
  }

  var part: Value {
    guard let s = settings else { return .map(["part": .string("unconfigured")]) }
    var entries: [MapEntry] = [
      MapEntry(.string("part"), .string(s.primary == s.me ? "primary" : "replica")),
      MapEntry(.string("primary"), .int(Int64(s.primary.number))), MapEntry(.string("applied"), .int(Int64(applied))),
    ]
    if s.primary == s.me {
      entries.append(
        MapEntry(
          .string("lag"),
          .map(s.replicas.map { MapEntry(.int(Int64($0.number)), .int(Int64(applied - (confirmed[$0] ?? 0)))) })))
    }
    return .map(entries)
  }
}

/// A store node's part and how the primary replicates.
public struct StoreSettings: Hashable, Sendable {
  public var me: NodeID
  public var primary: NodeID
  public var replicas: [NodeID]
  /// Synchronous: the client hears ok once `syncAcks` replicas hold the write.
  public var sync: Bool
  public var syncAcks: Int
  /// Asynchronous: how often the primary ships what replicas lack.
  public var shipInterval: Nanoseconds
  /// Every store node, in order: who may take over, and in which order.
  public var members: [NodeID]
  /// The primary's term: a newer epoch's primary replaces an older one.
  public var epoch = 1
  /// A replica that has not heard the primary for this long takes over; nil: no automatic
  /// failover (promote by hand).
  public var failoverTimeout: Nanoseconds?
  public var heartbeat = Nanoseconds.milliseconds(100)
  /// Epochs are compared: a newer epoch's primary replaces an older one, which steps down, and
  /// replicas refuse the older one's writes and tell it who leads. Without it, a primary
  /// never steps down and replicas take writes from any primary.
  public var fencing = false

  public init(
    me: NodeID, primary: NodeID, replicas: [NodeID], sync: Bool, syncAcks: Int = Int.max,
    shipInterval: Nanoseconds = .milliseconds(100)
  ) {
    self.me = me
    self.primary = primary
    self.replicas = replicas
    self.sync = sync
    self.syncAcks = syncAcks
    self.shipInterval = shipInterval
    members = ([primary] + replicas).sorted()
  }

  func isPrimary(_ node: NodeID) -> Bool { primary == node }

  var value: Value {
    .map([
      "me": .int(Int64(me.number)), "primary": .int(Int64(primary.number)),
      "replicas": .list(replicas.map { .int(Int64($0.number)) }), "sync": .bool(sync),
      "sync_acks": .int(Int64(min(syncAcks, 1 << 30))), "ship": .int(shipInterval.value),
      "members": .list(members.map { .int(Int64($0.number)) }), "epoch": .int(Int64(epoch)),
      "failover": failoverTimeout.map { .int($0.value) } ?? .null, "heartbeat": .int(heartbeat.value),
      "fencing": .bool(fencing),
    ])
  }

  init?(_ v: Value) {
    guard let me = v["me"]?.intValue, let p = v["primary"]?.intValue else { return nil }
    self.init(
      me: NodeID(Int(me)), primary: NodeID(Int(p)),
      replicas: (v["replicas"]?.listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } },
      sync: v["sync"] == .bool(true), syncAcks: Int(v["sync_acks"]?.intValue ?? 1 << 30),
      shipInterval: Nanoseconds(max(1_000_000, v["ship"]?.intValue ?? 100_000_000)))
    let listed = (v["members"]?.listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } }
    if !listed.isEmpty { members = listed }
    epoch = Int(v["epoch"]?.intValue ?? 1)
    failoverTimeout = v["failover"]?.intValue.map(Nanoseconds.init)
    heartbeat = Nanoseconds(max(1_000_000, v["heartbeat"]?.intValue ?? 100_000_000))
    fencing = v["fencing"] == .bool(true)
  }
}
