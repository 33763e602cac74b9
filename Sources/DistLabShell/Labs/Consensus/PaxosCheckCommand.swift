import DistLab
import DistLabConsensus

/// `paxos check`: the model checker, refusing a configuration too large to finish.
extension PaxosCommands {
  /// The most states a check may explore: about ten minutes at this machine's rate.
  static let stateLimit = 50_000_000

  static func check(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let config = PaxosModel.Configuration(
      acceptors: try inv.flagInt("--acceptors", range: 1...7) ?? 3,
      proposers: try inv.flagInt("--proposers", range: 1...4) ?? 2,
      rounds: try inv.flagInt("--rounds", range: 1...5) ?? 2,
      crashes: try inv.flagInt("--crashes", range: 0...3) ?? 0, duplication: inv.has("--duplication"),
      forgetful: inv.has("--forgetful"))
    let estimate = PaxosModel.estimate(config)
    guard estimate <= Double(stateLimit) else {
      throw ShellError(
        "about \(Grouped.number(Int64(min(estimate, 1e15)))) states, past the limit of \(Grouped.number(Int64(stateLimit))): "
          + "fewer --rounds, --crashes or nodes", column: inv.column)
    }
    let model = PaxosModel(config)
    if inv.has("--duel") { return .consensus(.dueled(config, model.duel(bound: stateLimit, cancel: s.cancel))) }
    return .consensus(.checked(config, model.check(bound: stateLimit, cancel: s.cancel)))
  }
}
