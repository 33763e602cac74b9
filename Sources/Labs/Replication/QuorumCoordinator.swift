import DistLab

/// The coordinator's side of the quorum store: choosing replicas, counting acknowledgements,
/// read repair.
extension QuorumService {
  /// The replicas a request for `key` goes to, each with the home node it stands in for (sloppy
  /// quorums only). Replicas the coordinator suspects are left out; the coordinator never
  /// suspects itself.
  func targets(for key: String, _ s: QuorumSettings, now: Nanoseconds) -> [(node: NodeID, standsFor: NodeID?)] {
    if !suspects.isEmpty { suspects = suspects.filter { $0.value > now } }
    let up = { (n: NodeID) in n == s.me || self.suspects[n] == nil }
    let order = order(key, s)
    let homes = Array(order.prefix(s.n))
    guard s.sloppy else { return homes.filter(up).map { ($0, nil) } }
    let chosen = order.filter(up).prefix(s.n)
    var missing = homes.filter { !up($0) }.makeIterator()
    return chosen.map { n in (n, homes.contains(n) ? nil : missing.next()) }
  }

  /// The first node in `key`'s preference order that is neither suspected nor already asked.
  func standIn(for key: String, _ s: QuorumSettings, excluding used: Set<NodeID>, now: Nanoseconds) -> NodeID? {
    order(key, s).first { !used.contains($0) && (suspects[$0] ?? .zero) <= now }
  }

  func suspect(_ n: NodeID, _ s: QuorumSettings, node: ProgramNode) {
    guard n != node.me else { return }
    suspects[n] = node.now + s.suspectFor
  }

  /// A request from a node that is not one of the key's replicas goes on, as Dynamo's does, to
  /// the first replica the node believes up, whose own copy then gives the write its context.
  /// When that replica does not answer, a sloppy quorum's node coordinates the request itself;
  /// a strict one's tries the next replica, and gives up when none is left.
  func coordinate(_ r: Request, node: ProgramNode) -> Answer {
    guard let s = settings else { return .error("not configured") }
    let key = r.key(0)
    guard !homes(key, s).contains(node.me) else { return coordinateHere(r, s, node: node) }
    forward(r, s, tried: [], node: node)
    return .later
  }

  func coordinateHere(_ r: Request, _ s: QuorumSettings, node: ProgramNode) -> Answer {
    r.method == "store.qput" ? coordinatePut(r, s, node: node) : coordinateGet(r, s, node: node)
  }

  func forward(_ r: Request, _ s: QuorumSettings, tried: Set<NodeID>, node: ProgramNode) {
    let now = node.now
    guard let home = homes(r.key(0), s).first(where: { !tried.contains($0) && (suspects[$0] ?? .zero) <= now })
    else {
      guard s.sloppy else {
        counts.refused += 1
        return node.answer(r, .error("unavailable: no replica of '\(r.key(0))' is believed up"))
      }
      let answer = coordinateHere(r, s, node: node)
      if case .later = answer { return }
      return node.answer(r, answer)
    }
    node.call(home, r.method, r.args, options: CallOptions(timeout: s.replicaTimeout.times(3))) {
      [unowned self] node, result in
      switch result {
      case .value(let v): node.answer(r, .value(v))
      case .error(let e): node.answer(r, .error(e))
      case .timeout:
        self.suspect(home, s, node: node)
        guard s.sloppy else { return self.forward(r, s, tried: tried.union([home]), node: node) }
        let answer = self.coordinateHere(r, s, node: node)
        if case .later = answer { return }
        node.answer(r, answer)
      }
    }
  }

  func coordinatePut(_ r: Request, _ s: QuorumSettings, node: ProgramNode) -> Answer {
    let key = r.key(0)
    let targets = targets(for: key, s, now: node.now)
    guard targets.count >= s.w else {
      counts.refused += 1
      return .error(Self.unavailable(targets.count, s.w))
    }
    let context = Version.clock(r.args[2]) ?? [:]
    counter += 1
    node.disk["counter"] = .int(Int64(counter))
    var clock = Version.merged([context] + (versions[key] ?? []).map(\.clock))
    clock[node.me.number] = counter
    lastStamp = max(lastStamp + 1, node.now.value)
    let version = Version(value: r.args[1], clock: clock, stamp: lastStamp, coordinator: node.me.number)
    let tally = Tally(needed: s.w, asked: targets.count)
    fanOut(
      key, targets, s, tally, node: node, method: "store.qwrite",
      args: { t in [.string(key), version.encoded, .int(Int64(t.standsFor?.number ?? 0))] },
      local: { [unowned self] t, node in
        self.store(key, [version], node: node)
        if let home = t.standsFor { self.hold(home, key, version, node: node) }
      },
      reply: { _, _ in },
      finish: { [unowned self] outcome, node in
        switch outcome {
        case .enough:
          self.counts.written += 1
          self.acknowledged.insert(version.write)
          node.disk[version.write.diskKey] = .bool(true)
          node.answer(r, .value([.list(tally.answered.map { .int(Int64($0.number)) })]))
        case .tooFew:
          self.counts.timedOut += 1
          node.answer(r, .error(Self.timeout(tally.answered.count, s.w, "acknowledged")))
        }
      })
    return .later
  }

  func coordinateGet(_ r: Request, _ s: QuorumSettings, node: ProgramNode) -> Answer {
    let key = r.key(0)
    let targets = targets(for: key, s, now: node.now)
    guard targets.count >= s.r else {
      counts.refused += 1
      return .error(Self.unavailable(targets.count, s.r))
    }
    let tally = Tally(needed: s.r, asked: targets.count)
    var replies: [(NodeID, [Version])] = []
    fanOut(
      key, targets, s, tally, node: node, method: "store.qread", args: { _ in [.string(key)] },
      local: { [unowned self] _, node in replies.append((node.me, self.versions[key] ?? [])) },
      reply: { n, v in replies.append((n, (v.first?.listValue ?? []).compactMap(Version.init))) },
      finish: { [unowned self] outcome, node in
        guard outcome == .enough else {
          self.counts.timedOut += 1
          node.answer(r, .error(Self.timeout(tally.answered.count, s.r, "answered")))
          return
        }
        self.counts.read += 1
        self.repairThenAnswer(r, key: key, replies: replies, s, node: node)
      })
    return .later
  }

  typealias Target = (node: NodeID, standsFor: NodeID?)

  /// A refusal: too few replicas believed up, so nothing was sent. Clients read the
  /// `unavailable:` and `timeout:` prefixes.
  static func unavailable(_ up: Int, _ needed: Int) -> String {
    "unavailable: \(up) replica\(up == 1 ? "" : "s") believed up, \(needed) needed"
  }

  /// Giving up: too few replicas answered in time; what was sent stays where it arrived.
  static func timeout(_ answered: Int, _ needed: Int, _ verb: String) -> String {
    "timeout: \(answered) replica\(answered == 1 ? "" : "s") \(verb), \(needed) needed"
  }

  /// Sends one request to each target (or handles it here, for this node) and settles the
  /// tally. A sloppy quorum sends a failed target's request on to the next node in the
  /// preference list in its place, standing in for the same home replica.
  func fanOut(
    _ key: String, _ targets: [Target], _ s: QuorumSettings, _ tally: Tally, node: ProgramNode, method: String,
    args: @escaping (Target) -> [Value], local: @escaping (Target, ProgramNode) -> Void,
    reply: @escaping (NodeID, [Value]) -> Void, finish: @escaping (Tally.Outcome, ProgramNode) -> Void
  ) {
    var used = Set(targets.map(\.node))
    let settle = { (node: ProgramNode) in if let o = tally.outcome() { finish(o, node) } }
    func send(_ t: Target, _ node: ProgramNode) {
      if t.node == node.me {
        local(t, node)
        tally.answer(node.me)
        return
      }
      node.call(t.node, method, args(t), options: CallOptions(timeout: s.replicaTimeout)) {
        [unowned self] node, result in
        switch result {
        case .value(let v):
          if !tally.isSettled { reply(t.node, v) }
          tally.answer(t.node)
        case .error, .timeout:
          self.suspect(t.node, s, node: node)
          if s.sloppy, !tally.isSettled, let next = self.standIn(for: key, s, excluding: used, now: node.now) {
            used.insert(next)
            send((next, t.standsFor ?? t.node), node)
          } else {
            tally.fail()
          }
        }
        settle(node)
      }
    }
    for t in targets { send(t, node) }
    settle(node)
  }

  /// Read repair, blocking as Cassandra's is: the replicas that answered with less than the
  /// merged versions are sent what they lack, and the client hears the answer once they have
  /// acknowledged it (or timed out), so a later read cannot see less than this one did.
  func repairThenAnswer(
    _ r: Request, key: String, replies: [(NodeID, [Version])], _ s: QuorumSettings, node: ProgramNode
  ) {
    let merged = s.resolution.merge(replies.flatMap(\.1), into: []).versions
    var repairs: [(NodeID, Version)] = []
    for (n, vs) in replies where vs != merged && Set(vs) != Set(merged) {
      for v in merged where !vs.contains(v) { repairs.append((n, v)) }
    }
    let answer = Answer.value([
      .list(merged.map(\.value)), Version.encode(Version.merged(merged.map(\.clock))),
      .list(replies.map { .int(Int64($0.0.number)) }), .int(Int64(repairs.count)),
    ])
    counts.readRepairs += repairs.count
    var waiting = repairs.count
    guard waiting > 0 else { return node.answer(r, answer) }
    for (n, v) in repairs {
      if n == node.me {
        store(key, [v], node: node)
        waiting -= 1
        if waiting == 0 { node.answer(r, answer) }
        continue
      }
      node.call(n, "store.qwrite", [.string(key), v.encoded, .int(0)], options: CallOptions(timeout: s.replicaTimeout))
      {
        node, _ in
        waiting -= 1
        if waiting == 0 { node.answer(r, answer) }
      }
    }
  }
}

/// A coordinator's count of one request's replies: settled once `needed` replicas answered, or
/// once so many failed that `needed` can no longer answer.
final class Tally {
  enum Outcome { case enough, tooFew }
  let needed: Int
  let asked: Int
  private(set) var answered: [NodeID] = []
  private var failed = 0
  private var settled = false

  init(needed: Int, asked: Int) {
    self.needed = needed
    self.asked = asked
  }

  var isSettled: Bool { settled }
  func answer(_ n: NodeID) { if !settled { answered.append(n) } }
  func fail() { if !settled { failed += 1 } }

  func peek() -> Outcome? {
    if answered.count >= needed { return .enough }
    if asked - failed < needed { return .tooFew }
    return nil
  }

  /// The outcome the first time there is one; nil before and after.
  func outcome() -> Outcome? {
    guard !settled, let o = peek() else { return nil }
    settled = true
    return o
  }
}
