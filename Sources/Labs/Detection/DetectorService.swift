import DistLab

/// A node of the failure-detection lab: it tells the others it is alive (heartbeats) or asks
/// them (probes), keeps its own view of each peer — when it last heard it, the history of
/// arrivals, φ — and suspects or trusts it again, recording each change as a trace event. It
/// knows nothing but what reaches it: a peer that is slow, paused or cut off looks exactly like
/// one that is dead.
public final class DetectorService: StartingService {
  struct Peer {
    var last: Nanoseconds
    var history: HeartbeatHistory
    var suspected = false
    var since = Nanoseconds.zero
  }

  var settings: DetectorSettings?
  var peers: [NodeID: Peer] = [:]
  var suspicions = 0
  var trusts = 0
  var timers: [TimerHandle] = []

  public init() {}

  public static let methods: [ServiceMethod<DetectorService>] = [
    ServiceMethod("fd.configure", [ArgumentSpec("SETTINGS", .map)], "starts watching the other members") {
      s, r, node in
      guard let settings = DetectorSettings(r.args[0]) else { return .error("not detector settings") }
      node.disk["settings"] = settings.value
      s.adopt(settings, node: node)
      return .value([])
    },
    ServiceMethod("fd.beat", [], "a heartbeat from the caller") { s, r, node in
      s.heard(r.caller, node: node)
      return .value([])
    },
    ServiceMethod("fd.ping", [], "a probe: answers at once") { _, _, _ in .value([]) },
    ServiceMethod(
      "fd.pingreq", [ArgumentSpec("TARGET", .int)], "probes TARGET for the caller and answers when it acknowledges"
    ) { s, r, node in
      s.probe(forOther: r, node: node)
    },
    ServiceMethod("fd.view", [], "each peer: [node, suspected, ms since last heard, φ×100 or -1, samples]") {
      s, _, node in
      .value([.list(s.view(node))])
    },
  ]

  public func start(_ node: ProgramNode) {
    peers = [:]
    timers = []
    if let s = node.disk["settings"].flatMap(DetectorSettings.init) { adopt(s, node: node) }
  }

  public func metrics() -> [(String, Double)] {
    guard settings != nil else { return [] }
    return [
      ("suspects", Double(peers.values.filter(\.suspected).count)), ("suspicions", Double(suspicions)),
      ("trusts", Double(trusts)),
    ]
  }

  func adopt(_ s: DetectorSettings, node: ProgramNode) {
    settings = s
    for t in timers { node.cancel(t) }
    peers = [:]
    for m in s.members where m != node.me {
      peers[m] = Peer(last: node.now, history: HeartbeatHistory(capacity: s.maxSamples, firstEstimate: s.interval))
    }
    if s.indirect == nil {
      timers = [
        node.every(s.interval) { [unowned self] node in self.beat(node) },
        node.every(s.checkEvery) { [unowned self] node in self.check(node) },
      ]
    } else {
      timers = [node.every(s.interval) { [unowned self] node in self.probeRound(node) }]
    }
  }

  func beat(_ node: ProgramNode) {
    for m in peers.keys.sorted() { node.tell(m, "fd.beat") }
  }

  /// An arrival from `peer`: its interval joins the history unless the peer was suspected (a
  /// long silence would skew the statistics, as Akka leaves it out), and a suspected peer is
  /// trusted again.
  func heard(_ peer: NodeID, node: ProgramNode) {
    guard var p = peers[peer] else { return }
    if p.suspected {
      p.suspected = false
      trusts += 1
      node.event("fd.trust", [.int(Int64(peer.number)), .int((node.now - p.since).value)])
    } else {
      p.history.add((node.now - p.last).milliseconds)
    }
    p.last = node.now
    peers[peer] = p
  }

  func phi(_ p: Peer, _ s: DetectorSettings, now: Nanoseconds) -> Double {
    p.history.phi(
      sinceMillis: (now - p.last).milliseconds, acceptablePauseMillis: s.acceptablePause.milliseconds,
      minStdMillis: s.minStdDeviation.milliseconds)
  }

  /// Heartbeat mode, twice an interval: suspect each peer the detector now gives up on.
  func check(_ node: ProgramNode) {
    guard let s = settings else { return }
    for m in peers.keys.sorted() {
      guard var p = peers[m], !p.suspected else { continue }
      let silence = node.now - p.last
      let level: Double
      switch s.kind {
      case .timeout(let t):
        guard silence > t else { continue }
        level = -1
      case .phi(let threshold):
        level = phi(p, s, now: node.now)
        guard level > threshold else { continue }
      }
      p.suspected = true
      p.since = node.now
      peers[m] = p
      suspicions += 1
      node.event(
        "fd.suspect",
        [.int(Int64(m.number)), .int(silence.value), .int(level < 0 ? -1 : Int64((level * 100).rounded()))])
    }
  }

  /// Probe mode, every interval: suspect each peer not heard for an interval and a half (its
  /// last round's probes, direct and indirect, all went unanswered), then probe every peer.
  func probeRound(_ node: ProgramNode) {
    guard let s = settings, let k = s.indirect else { return }
    for m in peers.keys.sorted() {
      guard var p = peers[m], !p.suspected else { continue }
      let silence = node.now - p.last
      guard silence > s.interval + Nanoseconds(s.interval.value / 2) else { continue }
      p.suspected = true
      p.since = node.now
      peers[m] = p
      suspicions += 1
      node.event("fd.suspect", [.int(Int64(m.number)), .int(silence.value), .int(-1)])
    }
    let others = peers.keys.sorted()
    for m in others {
      node.call(m, "fd.ping", [], options: CallOptions(timeout: s.probeTimeout)) { [unowned self] node, result in
        if case .value = result { return self.heard(m, node: node) }
        // No answer: ask k others, chosen at random, to probe it for us.
        var helpers = others.filter { $0 != m }
        var chosen: [NodeID] = []
        while chosen.count < k && !helpers.isEmpty {
          chosen.append(helpers.remove(at: Int(node.random() % UInt64(helpers.count))))
        }
        let wait = s.interval - s.probeTimeout
        for h in chosen {
          node.call(h, "fd.pingreq", [.int(Int64(m.number))], options: CallOptions(timeout: wait)) {
            [unowned self] node, result in
            if case .value = result { self.heard(m, node: node) }
          }
        }
      }
    }
  }

  /// Probes a target for another node (SWIM's ping-req), answering once the target has.
  func probe(forOther r: Request, node: ProgramNode) -> Answer {
    guard let s = settings, let t = r.args[0].intValue else { return .error("not configured") }
    let wait = Nanoseconds((s.interval - s.probeTimeout).value * 4 / 5)
    node.call(NodeID(Int(t)), "fd.ping", [], options: CallOptions(timeout: wait)) { node, result in
      if case .value = result { node.answer(r, .value([])) } else { node.answer(r, .error("no answer")) }
    }
    return .later
  }

  func view(_ node: ProgramNode) -> [Value] {
    guard let s = settings else { return [] }
    return peers.keys.sorted().map { m in
      let p = peers[m]!
      var level: Int64 = -1
      if case .phi = s.kind { level = Int64((phi(p, s, now: node.now) * 100).rounded()) }
      return .list([
        .int(Int64(m.number)), .bool(p.suspected), .int((node.now - p.last).value), .int(level),
        .int(Int64(p.history.count)),
      ])
    }
  }
}
