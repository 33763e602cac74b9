import DistLab

/// Something `expect` can read: its name as typed (a `KEY` or `NODE` part stands for any
/// word), a few words of help, and how to read it from the session through typed results.
struct Subject: Sendable {
  let name: String
  let help: String
  let read: @Sendable (ShellSession, Token) throws(ShellError) -> Observed

  init(
    _ name: String, _ help: String = "", read: @escaping @Sendable (ShellSession, Token) throws(ShellError) -> Observed
  ) {
    self.name = name
    self.help = help
    self.read = read
  }

  /// A name ending in `.KEY` matches any word in that place.
  func matches(_ text: String) -> Bool {
    guard name.hasSuffix(".KEY") else { return text == name }
    let prefix = String(name.dropLast(3))
    return text.hasPrefix(prefix) && text.count > prefix.count
  }

  /// What the `.KEY` part of `text` says.
  func key(in text: String) -> String { String(text.dropFirst(name.count - 3)) }
}

/// Subjects that belong together (a lab's, the last call's), listed together by `help expect`.
struct SubjectGroup: Sendable {
  let title: String
  /// A common first part (`shard.`): a subject starting with it that matches none of the
  /// group's is refused with the group's names as suggestions.
  let namespace: String?
  let subjects: [Subject]
}

/// Every subject `expect` knows: the shell's own, then each lab's (from `Labs.all`), then a
/// node's, which any node name begins.
enum SubjectRegistry {
  static let groups: [SubjectGroup] =
    CoreSubjects.groups + Labs.all.flatMap { [$0.subjects].compactMap { $0 } + $0.moreSubjects }

  static var names: [String] { groups.flatMap { $0.subjects.map(\.name) } }

  /// The subject `t` names, or the group whose namespace it starts with, if any.
  static func find(_ text: String) -> (Subject?, SubjectGroup?) {
    for g in groups {
      if let s = g.subjects.first(where: { $0.matches(text) }) { return (s, g) }
    }
    return (nil, groups.first { g in g.namespace.map { text.hasPrefix($0) } ?? false })
  }

  /// `help expect`'s paragraphs: each group's subjects, a node's after the shell's own.
  static func helpLines() -> [String] {
    var listed = groups.map { g in (g.title, g.subjects.map { $0.help.isEmpty ? $0.name : "\($0.name) (\($0.help))" }) }
    listed.insert((CoreSubjects.nodeHelp.title, CoreSubjects.nodeHelp.words), at: CoreSubjects.groups.count)
    return listed.flatMap { title, words in ["\(title): " + words.joined(separator: ", ") + ".", ""] }
  }
}

/// A lab's shell side, listed once in `Labs.all`: its commands and expectation subjects (its
/// roles are added in `RoleCatalog.builtIn`).
struct LabShellSide: Sendable {
  let commands: [CommandSpec]
  let subjects: SubjectGroup?
  /// Further groups, for a lab with more than one family of subjects.
  var moreSubjects: [SubjectGroup] = []
  /// How the lab's programs' trace events read (nil for a topic that is not the lab's).
  var events: (@Sendable (String, [Value]) -> String?)? = nil
  /// What one node believes about the others, for `nodes --view NODE` (nil when the node keeps
  /// no view this lab knows of).
  var nodeView: (@Sendable (ShellSession, NodeID, Int) throws(ShellError) -> CommandResult?)? = nil
}
