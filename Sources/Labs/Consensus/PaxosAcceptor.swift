import DistLab

/// A Paxos acceptor: it promises to ignore ballots lower than the highest it has seen, and
/// accepts a value in a ballot it has not promised away. Its promise and what it accepted are
/// on its disk, so a restart keeps them — unless it is `forgetful` (the broken variant), whose
/// restart forgets both.
public final class PaxosAcceptor: StartingService {
  var promised = Ballot.zero
  var accepted: (ballot: Ballot, value: Value)?
  var forgetful = false
  /// Who hears of every acceptance.
  var learners: [NodeID] = []

  public init() {}

  public static let methods: [ServiceMethod<PaxosAcceptor>] = [
    ServiceMethod("paxos.forget", [ArgumentSpec("ON", .bool)], "keeps nothing on disk (the broken variant)") {
      a, r, node in
      a.forgetful = r.args[0] == .bool(true)
      node.disk["forgetful"] = .bool(a.forgetful)
      if a.forgetful {
        node.disk["promised"] = nil
        node.disk["accepted"] = nil
      }
      return .value([])
    },
    ServiceMethod("paxos.learners", [ArgumentSpec("NODES", .list)], "who hears of every acceptance") {
      a, r, node in
      a.learners = (r.args[0].listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } }
      node.disk["learners"] = r.args[0]
      return .value([])
    },
    ServiceMethod(
      "paxos.prepare", [ArgumentSpec("BALLOT", .list)],
      "phase 1: promises BALLOT and answers what it accepted, or refuses with its promise"
    ) { a, r, node in
      guard let b = Ballot(r.args[0]) else { return .error("not a ballot") }
      guard b > a.promised else { return .error("promised \(a.promised)") }
      a.promised = b
      a.save(node)
      node.event("paxos.promise", [b.value])
      return .value([a.accepted?.ballot.value ?? .null, a.accepted?.value ?? .null])
    },
    ServiceMethod(
      "paxos.accept", [ArgumentSpec("BALLOT", .list), ArgumentSpec("VALUE", .value)],
      "phase 2: accepts VALUE in BALLOT unless it promised a higher ballot"
    ) { a, r, node in
      guard let b = Ballot(r.args[0]) else { return .error("not a ballot") }
      guard b >= a.promised else { return .error("promised \(a.promised)") }
      a.promised = b
      a.accepted = (b, r.args[1])
      a.save(node)
      node.event("paxos.accepted", [b.value, r.args[1]])
      for l in a.learners { node.tell(l, "paxos.learn", [b.value, r.args[1]]) }
      return .value([])
    },
    ServiceMethod("paxos.state", [], "[promised, accepted ballot, accepted value]") { a, _, _ in
      .value([a.promised.value, a.accepted?.ballot.value ?? .null, a.accepted?.value ?? .null])
    },
  ]

  public func start(_ node: ProgramNode) {
    forgetful = node.disk["forgetful"] == .bool(true)
    learners = (node.disk["learners"]?.listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } }
    promised = node.disk["promised"].flatMap(Ballot.init) ?? .zero
    accepted = nil
    if let l = node.disk["accepted"]?.listValue, l.count == 2, let b = Ballot(l[0]) { accepted = (b, l[1]) }
  }

  func save(_ node: ProgramNode) {
    guard !forgetful else { return }
    node.disk["promised"] = promised.value
    node.disk["accepted"] = accepted.map { .list([$0.ballot.value, $0.value]) } ?? .null
  }

  public func metrics() -> [(String, Double)] { [("round", Double(promised.round))] }
}
