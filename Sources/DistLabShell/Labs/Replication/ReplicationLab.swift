import DistLab
import DistLabReplication

/// The replication lab's shell side, as `Labs.all` lists it.
enum ReplicationLab {
  static let shell = LabShellSide(commands: [CheckCommands.spec], subjects: subjects)

  static let subjects = SubjectGroup(
    title: "Histories (the last 'check linearizable')", namespace: "history.",
    subjects: [
      Subject("history.linearizable", "true or false") { s, t throws(ShellError) in
        .text(String(try verdict(s, t).linearizable))
      },
      Subject("history.operations") { s, t throws(ShellError) in .number(Double(try verdict(s, t).operations)) },
    ])

  static func verdict(_ s: ShellSession, _ t: Token) throws(ShellError) -> LinearizabilityVerdict {
    guard let v = s.replication.lastVerdict else {
      throw ShellError(
        "'\(t.text)' reads the last 'check linearizable', and there has been none", column: t.column)
    }
    return v
  }
}
