import DistLab

/// A Paxos learner: acceptors tell it of every acceptance, and it has learned a value once a
/// majority of acceptors accepted it in the same ballot.
public final class PaxosLearner: StartingService {
  var acceptors = 0
  var votes: [Ballot: (value: Value, from: Set<NodeID>)] = [:]
  var learned: Value?

  public init() {}

  public static let methods: [ServiceMethod<PaxosLearner>] = [
    ServiceMethod("paxos.size", [ArgumentSpec("ACCEPTORS", .int)], "how many acceptors there are") { l, r, _ in
      l.acceptors = Int(r.args[0].intValue ?? 0)
      return .value([])
    },
    ServiceMethod(
      "paxos.learn", [ArgumentSpec("BALLOT", .list), ArgumentSpec("VALUE", .value)], "an acceptor accepted this"
    ) { l, r, node in
      guard let b = Ballot(r.args[0]) else { return .error("not a ballot") }
      var entry = l.votes[b] ?? (r.args[1], [])
      entry.from.insert(r.caller)
      l.votes[b] = entry
      if l.learned == nil, entry.from.count >= l.acceptors / 2 + 1 {
        l.learned = entry.value
        node.event("paxos.learned", [b.value, entry.value])
      }
      return .value([])
    },
    ServiceMethod("paxos.learned", [], "the value learned, or null") { l, _, _ in .value([l.learned ?? .null]) },
  ]

  public func start(_ node: ProgramNode) {}
  public func metrics() -> [(String, Double)] { [("learned", learned == nil ? 0 : 1)] }
}
