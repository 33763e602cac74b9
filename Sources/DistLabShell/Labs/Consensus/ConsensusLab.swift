import DistLab
import DistLabConsensus

extension PaxosClient: LabClient {}
extension VoteClient: LabClient {}

extension ShellSession {
  /// The Paxos lab's client for the current world.
  var paxos: PaxosClient { labs.client(PaxosClient.self, world: world) }
  /// The naive agreement lab's client for the current world.
  var vote: VoteClient { labs.client(VoteClient.self, world: world) }
}

/// What a `paxos` command did.
public enum ConsensusResult: Sendable {
  case paxosStarted([NodeInfo], randomBackoff: Bool, forgetful: Bool)
  case proposed(NodeID, Value, CallOutcome.Result)
  /// Each proposer's answer to `paxos.outcome` (nil: silent), and what the trace shows chosen.
  case paxosStatus([(NodeID, [Value]?)], PaxosLedger)
  case checked(PaxosModel.Configuration, PaxosModel.Result)
  /// A search for the schedule in which every ballot is pre-empted and nothing is chosen.
  case dueled(PaxosModel.Configuration, PaxosModel.Result)
  /// A schedule from a file, followed through the model.
  case followed(String, PaxosModel.Configuration, PaxosModel.Followed)
  case voteStarted([NodeInfo], [Value], timeout: Nanoseconds?)
  case voteBegun
  /// The voters, and each decision in the trace: who, what, from how many values.
  case voteStatus([NodeID], [(NodeID, Value, Int)])
  case twins(VoteTwins)
}

/// The consensus lab's shell side, as `Labs.all` lists it.
enum ConsensusLab {
  static let shell = LabShellSide(
    commands: [PaxosCommands.spec, VoteCommands.spec], subjects: subjects, events: event)

  static func followed(_ s: ShellSession, _ t: Token) throws(ShellError) -> PaxosModel.Followed {
    guard let f = s.paxos.lastFollowed else {
      throw ShellError("'\(t.text)' reads the last 'paxos follow', and there has been none", column: t.column)
    }
    return f
  }

  static let subjects = SubjectGroup(
    title: "Paxos and naive agreement (the world's truth, from the trace)", namespace: nil,
    subjects: [
      Subject("paxos.chosen", "how many different values were chosen: at most 1 if Paxos held") {
        s, t throws(ShellError) in .number(Double(try ledger(s, t).values.count))
      },
      Subject("paxos.safe", "true when at most one value was chosen") { s, t throws(ShellError) in
        .text(String(try ledger(s, t).isSafe))
      },
      Subject("paxos.ballots", "ballots in which some acceptor accepted") { s, t throws(ShellError) in
        .number(Double(try ledger(s, t).ballots))
      },
      Subject("paxos.follow.unaccepted", "ballots of the last 'paxos follow' that reached phase 2 unaccepted") {
        s, t throws(ShellError) in .number(Double(try followed(s, t).unaccepted.count))
      },
      Subject("paxos.follow.chosen", "values chosen at the end of the last 'paxos follow'") {
        s, t throws(ShellError) in .number(Double(try followed(s, t).chosen.count))
      },
      Subject("vote.decided", "voters that have decided") { s, t throws(ShellError) in
        .number(Double(try decisions(s, t).count))
      },
      Subject("vote.agreement", "true when every decision so far is the same value") { s, t throws(ShellError) in
        .text(String(Set(try decisions(s, t).map(\.value)).count <= 1))
      },
    ])

  static func decisions(_ s: ShellSession, _ t: Token) throws(ShellError) -> [(voter: NodeID, value: Value, known: Int)]
  {
    guard !s.vote.voters.isEmpty else {
      throw ShellError("'\(t.text)' is about the voters, and there are none: 'vote start'", column: t.column)
    }
    return s.vote.decisions
  }

  static func ledger(_ s: ShellSession, _ t: Token) throws(ShellError) -> PaxosLedger {
    guard s.paxos.isStarted else {
      throw ShellError("'\(t.text)' is about Paxos, and there is none: 'paxos start'", column: t.column)
    }
    return s.paxos.ledger
  }

  static func ballot(_ v: Value) -> String {
    guard case .list(let l) = v, l.count == 2 else { return v.description }
    return "\(l[0]).\(l[1])"
  }

  /// How the Paxos roles' trace events read.
  @Sendable static func event(_ topic: String, _ values: [Value]) -> String? {
    if topic == "vote.decided", values.count == 2 { return "decides \(values[0]) (knowing \(values[1]) values)" }
    guard topic.hasPrefix("paxos."), let b = values.first.map(ballot) else { return nil }
    let v = values.count > 1 ? values[1].description : ""
    switch topic {
    case "paxos.promise": return "promises ballot \(b)"
    case "paxos.accepted": return "accepts \(v) in ballot \(b)"
    case "paxos.phase2": return "ballot \(b): a majority promised; proposes \(v)"
    case "paxos.decided": return "ballot \(b): a majority accepted \(v): decided"
    case "paxos.learned": return "learns \(v) (ballot \(b))"
    case "paxos.preempted": return "gives up ballot \(b)"
    case "paxos.gave-up": return "gives up proposing after ballot \(b)"
    default: return nil
    }
  }
}
