import DistLab
import DistLabReplication

/// `check linearizable`: is a history linearizable against a model?
enum CheckCommands {
  static let models = LinearizabilityModel.allCases.map(\.rawValue)

  static let spec = CommandSpec(
    "check", family: .observe, summary: "check a history of client operations",
    subcommands: [
      CommandSpec(
        "linearizable", family: .observe,
        summary: "is a Jepsen-format history linearizable? which operations cannot be ordered?",
        details: [
          "FILE holds one event a line, as Jepsen writes them: EDN maps ({:process 0, :type :invoke, :f :read,",
          ":value nil}, then :ok, :fail or :info) or jepsen.util log lines (3<TAB>:ok<TAB>:read<TAB>4).",
          "Models: register (read, write), cas-register (also cas [old new]) and kv (get, put, append",
          "per key, checked key by key). docs/history-format.md describes both forms. Without FILE, the",
          "history the last 'store workload' recorded is checked (model kv).",
        ],
        example: ["check linearizable history.edn --model cas-register"],
        positionals: [Positional("FILE", .path, .optional)],
        flags: [
          FlagSpec(
            "--model", .choice(models), placeholder: models.joined(separator: "|"),
            help: "what the history is checked against (default register)")
        ],
        action: linearizable)
    ])

  static func linearizable(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    guard let t = inv.word(0) else {
      guard let history = s.store.lastHistory else {
        throw ShellError(
          "no FILE, and no workload has recorded a history ('store workload' records one)", column: inv.column)
      }
      let verdict = s.replication.check(history, model: .kv, cancel: s.cancel)
      if verdict.interrupted { throw ShellError("the check was interrupted; no verdict", column: inv.column) }
      return .historyCheck(HistoryCheck(file: "the last workload", verdict: verdict, history: history))
    }
    var model = LinearizabilityModel.register
    if let m = inv.flags["--model"] {
      guard let chosen = LinearizabilityModel(rawValue: m.text) else {
        throw ShellError(
          "unknown model '\(m.text)'\(Suggest.hint(for: m.text, in: models)) (one of: \(models.joined(separator: ", ")))",
          column: m.column)
      }
      model = chosen
    }
    let path = ScriptFile.resolve(t.text, relativeTo: s.baseDirectory)
    if let sandbox = s.sandbox, !sandbox.allows(path) {
      throw ShellError(
        "a graded solution may read only files in its solutions folder; '\(t.text)' is outside it", column: t.column)
    }
    let text = try ScriptFile.readLines(path, column: t.column).joined(separator: "\n")
    let checked: (verdict: LinearizabilityVerdict, history: History)
    do throws(JepsenHistory.Problem) {
      checked = try s.replication.check(text, model: model, cancel: s.cancel)
    } catch {
      throw ShellError("\(t.text):\(error.line): \(error.message)", column: t.column)
    }
    if checked.verdict.interrupted { throw ShellError("the check was interrupted; no verdict", column: inv.column) }
    return .historyCheck(HistoryCheck(file: t.text, verdict: checked.verdict, history: checked.history))
  }
}

/// What `check linearizable` found.
public struct HistoryCheck: Sendable {
  public var file: String
  public var verdict: LinearizabilityVerdict
  public var history: History
}
