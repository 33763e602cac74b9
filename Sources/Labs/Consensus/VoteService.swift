import DistLab

/// The naive agreement protocol: every voter sends its value to every other and decides the
/// smallest value it knows once it knows them all — or, with a timeout, once the timeout has
/// passed, with whatever it has. Without a timeout one dead voter stops everyone for ever;
/// with one, a voter that is only slow makes the others decide differently.
public final class VoteService: StartingService {
  var members: [NodeID] = []
  var timeout: Nanoseconds?
  var own: Value = .null
  var known: [NodeID: Value] = [:]
  var decided: Value?

  public init() {}

  public static let methods: [ServiceMethod<VoteService>] = [
    ServiceMethod(
      "vote.setup", [ArgumentSpec("MEMBERS", .list), ArgumentSpec("VALUE", .value), ArgumentSpec("TIMEOUT", .int)],
      "the voters, this voter's value, and the timeout in nanoseconds (0: wait for every value)"
    ) { v, r, _ in
      v.members = (r.args[0].listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } }
      v.own = r.args[1]
      let t = r.args[2].intValue ?? 0
      v.timeout = t > 0 ? Nanoseconds(t) : nil
      return .value([])
    },
    ServiceMethod("vote.begin", [], "sends this voter's value to every other") { v, _, node in
      v.begin(node)
      return .value([])
    },
    ServiceMethod("vote.value", [ArgumentSpec("VALUE", .value)], "another voter's value") { v, r, node in
      v.known[r.caller] = r.args[0]
      v.decideIfComplete(node)
      return .value([])
    },
    ServiceMethod("vote.outcome", [], "[decided value or null, values known]") { v, _, _ in
      .value([v.decided ?? .null, .int(Int64(v.known.count))])
    },
  ]

  public func start(_ node: ProgramNode) {}

  public func metrics() -> [(String, Double)] { [("known", Double(known.count)), ("decided", decided == nil ? 0 : 1)] }

  func begin(_ node: ProgramNode) {
    known[node.me] = own
    for m in members where m != node.me { node.tell(m, "vote.value", [own]) }
    if let timeout { _ = node.after(timeout) { [unowned self] node in self.decide(node) } }
    decideIfComplete(node)
  }

  func decideIfComplete(_ node: ProgramNode) {
    if known.count == members.count { decide(node) }
  }

  /// Decides the smallest value known (values compare by their text).
  func decide(_ node: ProgramNode) {
    guard decided == nil, !known.isEmpty else { return }
    let v = known.values.min { $0.description < $1.description } ?? .null
    decided = v
    node.event("vote.decided", [v, .int(Int64(known.count))])
  }
}
