import DistLab

/// A Paxos proposer: to propose, it asks every acceptor to promise a ballot higher than any it
/// has used (phase 1), and once a majority has, asks them to accept the value — the one
/// accepted in the highest ballot any promise reported, else its own (phase 2). A refusal or a
/// silence past `timeout` starts a higher ballot, at once or after a random backoff.
public final class PaxosProposer: StartingService {
  struct Attempt {
    var ballot: Ballot
    var phase = 1
    var promises: Set<NodeID> = []
    var highest: (ballot: Ballot, value: Value)?
    var accepts: Set<NodeID> = []
    var value: Value
  }

  var me = 0
  var acceptors: [NodeID] = []
  var randomBackoff = false
  var timeout = Nanoseconds.milliseconds(50)
  var maxAttempts = 30
  var round = 0
  var attempts = 0
  var own: Value = .null
  var attempt: Attempt?
  var decided: Value?

  public init() {}

  public static let methods: [ServiceMethod<PaxosProposer>] = [
    ServiceMethod(
      "paxos.setup",
      [
        ArgumentSpec("NUMBER", .int), ArgumentSpec("ACCEPTORS", .list), ArgumentSpec("RANDOM", .bool),
        ArgumentSpec("TIMEOUT", .int),
      ],
      "this proposer's number, the acceptors, random backoff or none, the phase timeout"
    ) { p, r, node in
      p.me = Int(r.args[0].intValue ?? 0)
      p.acceptors = (r.args[1].listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } }
      p.randomBackoff = r.args[2] == .bool(true)
      p.timeout = Nanoseconds(max(1_000_000, r.args[3].intValue ?? 50_000_000))
      return .value([])
    },
    ServiceMethod("paxos.propose", [ArgumentSpec("VALUE", .value)], "starts proposing VALUE; answers its first ballot")
    {
      p, r, node in
      guard !p.acceptors.isEmpty else { return .error("not set up") }
      p.own = r.args[0]
      p.attempts = 0
      p.decided = nil
      return .value([p.begin(node).value])
    },
    ServiceMethod("paxos.outcome", [], "[decided value or null, ballots tried, current ballot]") { p, _, _ in
      .value([p.decided ?? .null, .int(Int64(p.attempts)), p.attempt?.ballot.value ?? .null])
    },
  ]

  public func start(_ node: ProgramNode) {}

  public func metrics() -> [(String, Double)] {
    [("ballots", Double(attempts)), ("decided", decided == nil ? 0 : 1)]
  }

  var majority: Int { acceptors.count / 2 + 1 }

  @discardableResult
  func begin(_ node: ProgramNode) -> Ballot {
    round += 1
    attempts += 1
    let b = Ballot(round: round, proposer: me)
    attempt = Attempt(ballot: b, value: own)
    for a in acceptors {
      node.call(a, "paxos.prepare", [b.value], options: CallOptions(timeout: timeout)) { [unowned self] node, result in
        self.promised(a, b, result, node: node)
      }
    }
    // A ballot that has not decided by its timeout (and a millisecond) is given up.
    _ = node.after(timeout + Nanoseconds(1_000_000)) { [unowned self] node in
      if self.attempt?.ballot == b && self.decided == nil { self.retry(after: nil, node: node) }
    }
    return b
  }

  func promised(_ a: NodeID, _ b: Ballot, _ result: CallResult, node: ProgramNode) {
    guard var at = attempt, at.ballot == b, at.phase == 1 else { return }
    switch result {
    case .value(let v):
      at.promises.insert(a)
      if v.count == 2, let ab = Ballot(v[0]), ab > (at.highest?.ballot ?? .zero) { at.highest = (ab, v[1]) }
      attempt = at
      guard at.promises.count >= majority else { return }
      at.phase = 2
      at.value = at.highest?.value ?? own
      attempt = at
      node.event("paxos.phase2", [b.value, at.value])
      for x in acceptors {
        node.call(x, "paxos.accept", [b.value, at.value], options: CallOptions(timeout: timeout)) {
          [unowned self] node, result in
          self.acceptedBy(x, b, result, node: node)
        }
      }
    case .error(let e): retry(after: Self.promisedRound(e), node: node)
    case .timeout: break
    }
  }

  func acceptedBy(_ a: NodeID, _ b: Ballot, _ result: CallResult, node: ProgramNode) {
    guard var at = attempt, at.ballot == b, at.phase == 2 else { return }
    switch result {
    case .value:
      at.accepts.insert(a)
      attempt = at
      guard at.accepts.count >= majority, decided == nil else { return }
      decided = at.value
      at.phase = 3
      attempt = at
      node.event("paxos.decided", [b.value, at.value])
    case .error(let e): retry(after: Self.promisedRound(e), node: node)
    case .timeout: break
    }
  }

  /// A refusal names the ballot promised instead: "promised 3.2".
  static func promisedRound(_ e: String) -> Int? {
    guard e.hasPrefix("promised ") else { return nil }
    return Int(e.dropFirst(9).split(separator: ".").first ?? "")
  }

  /// Gives up this ballot and starts a higher one — at once, or after a random wait that
  /// doubles its range with every attempt (randomized exponential backoff).
  func retry(after seen: Int?, node: ProgramNode) {
    guard let at = attempt, at.phase < 3, decided == nil else { return }
    attempt?.phase = 0
    if let seen { round = max(round, seen) }
    guard attempts < maxAttempts else {
      node.event("paxos.gave-up", [at.ballot.value])
      return
    }
    node.event("paxos.preempted", [at.ballot.value])
    guard randomBackoff else {
      begin(node)
      return
    }
    let range = timeout.value * Int64(1 << min(attempts, 6))
    let wait = Nanoseconds(Int64(node.random() % UInt64(max(1, range))))
    _ = node.after(wait) { [unowned self] node in self.begin(node) }
  }
}
