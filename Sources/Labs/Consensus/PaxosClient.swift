import DistLab

/// The Paxos lab's client: it starts acceptors, proposers and learners, asks a proposer to
/// propose, and reads what was chosen from the acceptors' trace events (the world's truth).
public final class PaxosClient {
  public let world: World
  let generation: Int
  public private(set) var acceptors: [NodeID] = []
  public private(set) var proposers: [NodeID] = []
  public private(set) var learners: [NodeID] = []
  /// Where the last schedule followed through the model (`paxos follow`) left it.
  public var lastFollowed: PaxosModel.Followed?

  public static let roles = [
    Role("acceptor", summary: "a Paxos acceptor: promises and accepts, on its disk", services: { [PaxosAcceptor()] }),
    Role(
      "proposer", summary: "a Paxos proposer: two phases, higher ballots on refusal", services: { [PaxosProposer()] }),
    Role("learner", summary: "a Paxos learner: learns what a majority accepted", services: { [PaxosLearner()] }),
  ]

  public required init(world: World) {
    self.world = world
    generation = world.generation
  }

  public var isStale: Bool { world.generation != generation }
  public var isStarted: Bool { !acceptors.isEmpty }

  /// Spawns acceptors `a1`…, proposers `p1`… and learners `l1`…, and tells each who the others are.
  public func start(
    acceptors a: Int, proposers p: Int, learners l: Int, randomBackoff: Bool, forgetful: Bool,
    timeout: Nanoseconds = .milliseconds(50)
  ) throws(WorldError) -> [NodeInfo] {
    let made = try world.spawn(groups: [
      ((1...a).map { "a\($0)" }, "acceptor"), ((1...p).map { "p\($0)" }, "proposer"),
      (l > 0 ? (1...l).map { "l\($0)" } : [], "learner"),
    ])
    acceptors = Array(made[0..<a].map(\.id))
    proposers = Array(made[a..<(a + p)].map(\.id))
    learners = Array(made[(a + p)...].map(\.id))
    let list = Value.list(acceptors.map { .int(Int64($0.number)) })
    var requests = acceptors.map {
      CallRequest(to: $0, method: "paxos.learners", args: [.list(learners.map { .int(Int64($0.number)) })])
    }
    if forgetful { requests += acceptors.map { CallRequest(to: $0, method: "paxos.forget", args: [.bool(true)]) } }
    requests += proposers.enumerated().map { i, n in
      CallRequest(
        to: n, method: "paxos.setup", args: [.int(Int64(i + 1)), list, .bool(randomBackoff), .int(timeout.value)])
    }
    requests += learners.map { CallRequest(to: $0, method: "paxos.size", args: [.int(Int64(a))]) }
    _ = try world.callAll(requests, options: CallOptions())
    return made
  }

  /// Asks proposer `p` to propose `value`; the ballot it starts with, or the call's failure.
  public func propose(_ value: Value, via p: NodeID) throws(WorldError) -> CallOutcome.Result {
    try world.call(to: p, method: "paxos.propose", args: [value], options: CallOptions()).result
  }

  /// Each proposer's outcome: decided value (or null), ballots tried; nil for a silent one.
  public func outcomes() throws(WorldError) -> [(NodeID, [Value]?)] {
    let o = try world.callAll(
      proposers.map { CallRequest(to: $0, method: "paxos.outcome", args: []) }, options: CallOptions())
    return zip(proposers, o).map { n, o in
      guard case .value(let v) = o.result else { return (n, nil) }
      return (n, v)
    }
  }

  public var ledger: PaxosLedger { PaxosLedger(world.trace, acceptors: acceptors.count) }
}

/// What was chosen, from the acceptors' `paxos.accepted` events: a value is chosen when a
/// majority of acceptors accepted it in the same ballot. Paxos's safety is that at most one
/// value is ever chosen.
public struct PaxosLedger: Sendable, Equatable {
  /// Each chosen value with the first ballot that chose it, in the order they were chosen.
  public var chosen: [(ballot: Ballot, value: Value)] = []
  public var ballots = 0
  public static func == (a: PaxosLedger, b: PaxosLedger) -> Bool {
    a.chosen.map(\.ballot) == b.chosen.map(\.ballot) && a.chosen.map(\.value) == b.chosen.map(\.value)
      && a.ballots == b.ballots
  }

  public init(_ trace: TraceLog, acceptors: Int) {
    var votes: [Ballot: Set<NodeID>] = [:]
    var done: Set<Ballot> = []
    for e in trace.ordered {
      guard case .event("paxos.accepted", let v) = e.detail, v.count == 2, let b = Ballot(v[0]) else { continue }
      if votes[b] == nil { ballots += 1 }
      votes[b, default: []].insert(e.node)
      if !done.contains(b), votes[b]!.count >= acceptors / 2 + 1 {
        done.insert(b)
        chosen.append((b, v[1]))
      }
    }
  }

  /// The distinct values chosen: one at most, if Paxos held.
  public var values: [Value] {
    var seen: [Value] = []
    for c in chosen where !seen.contains(c.value) { seen.append(c.value) }
    return seen
  }

  public var isSafe: Bool { values.count <= 1 }
}
