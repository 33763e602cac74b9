import DistLab
import DistLabConsensus

/// `paxos check` and `paxos follow`: the model checker, refusing a configuration too large to
/// finish, and a schedule the student wrote, followed through the model.
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

  /// `paxos follow FILE`: the student's schedule, through the model; a step that cannot happen
  /// is refused at its line, with the steps that could.
  static func follow(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let t = inv.positional[0]
    let config = PaxosModel.Configuration(
      acceptors: try inv.flagInt("--acceptors", range: 1...7) ?? 3,
      proposers: try inv.flagInt("--proposers", range: 1...4) ?? 2, rounds: 60, crashes: 60, duplication: true,
      forgetful: inv.has("--forgetful"))
    let path = ScriptFile.resolve(t.text, relativeTo: s.baseDirectory)
    if let sandbox = s.sandbox, !sandbox.allows(path) {
      throw ShellError(
        "a graded solution may read only files in its solutions folder; '\(t.text)' is outside it", column: t.column)
    }
    let lines = try ScriptFile.readLines(path, column: t.column)
    guard lines.count <= 10_000 else { throw ShellError("'\(t.text)' has more than 10,000 lines", column: t.column) }
    switch PaxosModel(config).follow(lines) {
    case .success(let f):
      s.paxos.lastFollowed = f
      return .consensus(.followed(t.text, config, f))
    case .failure(let e):
      let some = e.possible.prefix(4).map { "'\($0)'" }.joined(separator: ", ")
      throw ShellError(
        "\(t.text):\(e.line + 1): '\(e.text)' cannot happen here; possible: \(some)"
          + (e.possible.count > 4 ? ", … (\(e.possible.count) in all)" : ""), column: t.column)
    }
  }
}
