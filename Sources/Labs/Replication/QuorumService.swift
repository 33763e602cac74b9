import DistLab

/// A node of the quorum store (Dynamo-style). Every node is a replica of the keys it is home
/// for and the coordinator of the requests it receives: a coordinator sends a write to the
/// key's replicas and answers once `w` hold it, asks them for a read and answers once `r`
/// have answered, bringing the stale ones among those up to date first (read repair). It
/// learns that a replica is down only when a call to it times out, and then leaves it out for
/// a while. Versions, hints and the record of lost writes live on the node's disk.
public final class QuorumService: StartingService {
  var settings: QuorumSettings?
  var versions: [String: [Version]] = [:]
  /// Writes this node holds for a home replica it stood in for, to hand over later.
  var hints: [(home: NodeID, key: String, version: Version)] = []
  /// Writes last-writer-wins dropped here although the winner had not seen them, with their
  /// keys. A dropped write that the key's surviving version has since seen (a later write on
  /// its own side superseded it) was not lost: `stillLost` leaves those out.
  var lost: [WriteID: String] = [:]
  /// The writes this node coordinated and acknowledged to their clients.
  var acknowledged: Set<WriteID> = []
  /// This node's count of the writes it has coordinated (its entry in every version vector).
  var counter = 0
  var lastStamp: Int64 = 0
  /// Replicas that did not answer, left out until the given time.
  var suspects: [NodeID: Nanoseconds] = [:]
  var counts = QuorumCounts()
  var antiEntropyTimer: TimerHandle?
  var hintTimer: TimerHandle?
  var nextPeer = 0
  /// Each key's preference order, worked out once (hashing is on every request's path).
  var orders: [String: [NodeID]] = [:]

  public init() {}

  public static let methods: [ServiceMethod<QuorumService>] = [
    ServiceMethod("store.qconfigure", [ArgumentSpec("SETTINGS", .map)], "joins a quorum store") { s, r, node in
      guard let settings = QuorumSettings(r.args[0]) else { return .error("not quorum settings") }
      node.disk["qsettings"] = settings.value
      s.adopt(settings, node: node)
      return .value([])
    },
    ServiceMethod(
      "store.qput", [ArgumentSpec("KEY", .key), ArgumentSpec("VALUE", .value), ArgumentSpec("CONTEXT", .value)],
      "coordinates a write: answers the replicas that acknowledged once W have"
    ) { s, r, node in
      s.coordinate(r, node: node)
    },
    ServiceMethod(
      "store.qget", [ArgumentSpec("KEY", .key)],
      "coordinates a read: answers [values, context, replicas that answered, repairs] once R have answered"
    ) { s, r, node in
      s.coordinate(r, node: node)
    },
    ServiceMethod(
      "store.qwrite", [ArgumentSpec("KEY", .key), ArgumentSpec("VERSION", .list), ArgumentSpec("HINT", .int)],
      "a replica merges a version; HINT is the home node it stands in for, 0 for none"
    ) { s, r, node in
      guard let v = Version(r.args[1]) else { return .error("not a version") }
      let hint = Int(r.args[2].intValue ?? 0)
      s.store(r.key(0), [v], node: node)
      if hint > 0 { s.hold(NodeID(hint), r.key(0), v, node: node) }
      return .value([])
    },
    ServiceMethod("store.qread", [ArgumentSpec("KEY", .key)], "this replica's versions of KEY") { s, r, _ in
      .value([.list((s.versions[r.key(0)] ?? []).map(\.encoded))])
    },
    ServiceMethod(
      "store.qsync", [ArgumentSpec("VERSIONS", .map)],
      "anti-entropy: merges the sender's versions and answers its own for the keys both keep"
    ) { s, r, node in
      .value([s.exchange(r.args[0], with: r.caller, node: node)])
    },
    ServiceMethod("store.qpart", [], "keys, hints, dropped and acknowledged writes, and this node's counts") {
      s, _, _ in
      .value([s.part])
    },
  ]

  public func start(_ node: ProgramNode) {
    versions = [:]
    for key in node.disk.keys where key.hasPrefix("q:") {
      versions[String(key.dropFirst(2))] = (node.disk[key]?.listValue ?? []).compactMap(Version.init)
    }
    hints = (node.disk["hints"]?.listValue ?? []).compactMap { h in
      guard let home = h["home"]?.intValue, let key = h["key"]?.stringValue,
        let v = h["version"].flatMap(Version.init)
      else { return nil }
      return (NodeID(Int(home)), key, v)
    }
    lost = [:]
    for e in node.disk["lost"]?.listValue ?? [] {
      guard let l = e.listValue, l.count == 2, let w = WriteID(l[0]), let key = l[1].stringValue else { continue }
      lost[w] = key
    }
    acknowledged = Set(node.disk.keys.filter { $0.hasPrefix("a:") }.compactMap { WriteID(diskKey: $0) })
    counter = Int(node.disk["counter"]?.intValue ?? 0)
    suspects = [:]
    antiEntropyTimer = nil
    hintTimer = nil
    if let s = node.disk["qsettings"].flatMap(QuorumSettings.init) { adopt(s, node: node) }
  }

  public func metrics() -> [(String, Double)] {
    guard settings != nil else { return [] }
    return [
      ("keys", Double(versions.count)), ("hints", Double(hints.count)), ("dropped", Double(stillLost.count)),
      ("repairs", Double(counts.readRepairs)), ("synced", Double(counts.synced)),
    ]
  }

  /// The node's keys: one value, or the list of siblings when there are several.
  public func data() -> [String: Value]? {
    guard settings != nil else { return nil }
    return versions.mapValues { $0.count == 1 ? $0[0].value : .list($0.map(\.value)) }
  }

  func adopt(_ s: QuorumSettings, node: ProgramNode) {
    settings = s
    orders = [:]
    for t in [antiEntropyTimer, hintTimer].compactMap({ $0 }) { node.cancel(t) }
    antiEntropyTimer = s.antiEntropy.map { d in node.every(d) { [unowned self] node in self.antiEntropy(node) } }
    hintTimer = nil
    watchHints(node)
  }

  /// Every store node in `key`'s preference order.
  func order(_ key: String, _ s: QuorumSettings) -> [NodeID] {
    if let known = orders[key] { return known }
    if orders.count >= 100_000 { orders = [:] }
    let order = QuorumSettings.preference(of: key, among: s.members)
    orders[key] = order
    return order
  }

  /// `key`'s home replicas: the first `n` of its preference order.
  func homes(_ key: String, _ s: QuorumSettings) -> ArraySlice<NodeID> { order(key, s).prefix(s.n) }

  // MARK: Replica

  /// Merges `incoming` into the key's versions and keeps the result on disk.
  @discardableResult
  func store(_ key: String, _ incoming: [Version], node: ProgramNode) -> Bool {
    guard let s = settings else { return false }
    let m = s.resolution.merge(incoming, into: versions[key] ?? [])
    let fresh = m.lost.filter { lost[$0] == nil }
    if !fresh.isEmpty {
      for w in fresh { lost[w] = key }
      node.disk["lost"] = .list(lost.keys.sorted().map { .list([$0.encoded, .string(lost[$0]!)]) })
      for w in fresh { node.event("quorum.dropped", [.string(key), .int(Int64(w.coordinator)), .int(Int64(w.count))]) }
    }
    guard m.changed else { return false }
    versions[key] = m.versions
    node.disk["q:" + key] = .list(m.versions.map(\.encoded))
    return true
  }

  func hold(_ home: NodeID, _ key: String, _ v: Version, node: ProgramNode) {
    hints.append((home, key, v))
    saveHints(node)
    watchHints(node)
  }

  func saveHints(_ node: ProgramNode) {
    node.disk["hints"] = .list(
      hints.map { .map(["home": .int(Int64($0.home.number)), "key": .string($0.key), "version": $0.version.encoded]) })
  }

  /// While it holds hints, a stand-in tries every `hintInterval` to hand them to their homes.
  func watchHints(_ node: ProgramNode) {
    guard let s = settings, !hints.isEmpty, hintTimer == nil else { return }
    hintTimer = node.every(s.hintInterval) { [unowned self] node in self.handOff(node) }
  }

  func handOff(_ node: ProgramNode) {
    guard let s = settings else { return }
    if hints.isEmpty, let t = hintTimer {
      node.cancel(t)
      hintTimer = nil
      return
    }
    for h in hints {
      node.call(
        h.home, "store.qwrite", [.string(h.key), h.version.encoded, .int(0)],
        options: CallOptions(timeout: s.replicaTimeout)
      ) { [unowned self] node, result in
        guard case .value = result else { return }
        let before = self.hints.count
        self.hints.removeAll { $0.home == h.home && $0.key == h.key && $0.version == h.version }
        guard self.hints.count < before else { return }
        self.counts.handedOff += 1
        if !self.homes(h.key, s).contains(node.me) && !self.hints.contains(where: { $0.key == h.key }) {
          self.versions[h.key] = nil
          node.disk["q:" + h.key] = nil
        }
        self.saveHints(node)
      }
    }
  }

  /// One round of anti-entropy with the next peer in turn: each sends the other its versions
  /// of the keys both are home for, and each merges what it lacks.
  func antiEntropy(_ node: ProgramNode) {
    guard let s = settings else { return }
    let peers = s.members.filter { $0 != node.me }
    guard !peers.isEmpty else { return }
    let peer = peers[nextPeer % peers.count]
    nextPeer += 1
    let mine = versions.keys.sorted().filter { homes($0, s).contains(peer) }
    let sent = Value.map(mine.map { MapEntry(.string($0), .list(versions[$0]!.map(\.encoded))) })
    node.call(peer, "store.qsync", [sent], options: CallOptions(timeout: s.replicaTimeout)) {
      [unowned self] node, result in
      guard case .value(let v) = result, case .map(let entries)? = v.first else { return }
      for e in entries {
        guard let key = e.key.stringValue else { continue }
        if self.store(key, (e.value.listValue ?? []).compactMap(Version.init), node: node) { self.counts.synced += 1 }
      }
    }
  }

  /// The receiving side of anti-entropy: merges what `peer` sent, answers what `peer` lacks.
  func exchange(_ sent: Value, with peer: NodeID, node: ProgramNode) -> Value {
    guard let s = settings, case .map(let entries) = sent else { return .map([]) }
    var theirs: [String: [Version]] = [:]
    for e in entries {
      guard let key = e.key.stringValue else { continue }
      let vs = (e.value.listValue ?? []).compactMap(Version.init)
      theirs[key] = vs
      if store(key, vs, node: node) { counts.synced += 1 }
    }
    let back = versions.keys.sorted().filter { key in
      homes(key, s).contains(peer) && Set(versions[key]!) != Set(theirs[key] ?? [])
    }
    return .map(back.map { MapEntry(.string($0), .list(versions[$0]!.map(\.encoded))) })
  }

  /// The dropped writes the key's surviving versions here have not seen.
  var stillLost: [WriteID] {
    lost.keys.sorted().filter { w in
      !(versions[lost[w]!] ?? []).contains { ($0.clock[w.coordinator] ?? 0) >= w.count }
    }
  }

  var part: Value {
    guard let s = settings else { return .map(["part": .string("unconfigured")]) }
    return .map([
      "part": .string("quorum"), "n": .int(Int64(s.n)), "w": .int(Int64(s.w)), "r": .int(Int64(s.r)),
      "keys": .int(Int64(versions.count)),
      "siblings": .int(Int64(versions.values.filter { $0.count > 1 }.count)), "hints": .int(Int64(hints.count)),
      "lost": .list(stillLost.map(\.encoded)), "acknowledged": .list(acknowledged.sorted().map(\.encoded)),
      "counts": counts.value,
    ])
  }
}

/// What a quorum node has done, as `store status` shows it.
struct QuorumCounts {
  var written = 0
  var refused = 0
  var timedOut = 0
  var read = 0
  var readRepairs = 0
  var synced = 0
  var handedOff = 0

  var value: Value {
    .map([
      "written": .int(Int64(written)), "refused": .int(Int64(refused)), "timed_out": .int(Int64(timedOut)),
      "read": .int(Int64(read)), "read_repairs": .int(Int64(readRepairs)), "synced": .int(Int64(synced)),
      "handed_off": .int(Int64(handedOff)),
    ])
  }
}
