import DistLab
import DistLabReplication

/// `distlab check FILE`: the shell's `check linearizable`, as a command-line tool whose exit
/// status is the verdict (0 linearizable, 1 not, 2 bad input).
public enum CheckFile {
  public static func run(_ file: String, model: String) -> Int32 {
    let session = ShellSession()
    let out = session.run(
      "check linearizable \"\(TextEscape.escaped(file, quotes: true))\" --model \"\(TextEscape.escaped(model, quotes: true))\""
    )
    guard out.status != .error, let verdict = session.replication.lastVerdict else {
      Output.error(out.text)
      return 2
    }
    Output.line(out.text)
    return verdict.linearizable ? 0 : 1
  }
}
