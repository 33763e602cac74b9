import DistLab

/// What kind of word a position or flag takes; drives parsing errors and tab completion.
public enum WordKind: Hashable, Sendable {
  case node
  case nodeSet
  case count
  case duration
  case ratio
  case number
  case text
  case method
  case region
  case path
  case command
  case choice([String])
  case latencyShape
  case lesson
  /// A role the world can spawn.
  case role
}

/// A `--flag`, with or without a value.
public struct FlagSpec: Sendable {
  public var name: String
  /// Nil for a switch that takes no value.
  public var value: WordKind?
  public var placeholder: String
  public var help: String

  public init(_ name: String, _ value: WordKind? = nil, placeholder: String = "", help: String) {
    self.name = name
    self.value = value
    self.placeholder = placeholder
    self.help = help
  }
}

/// The parsed words of one command: positional words and flags, by name.
public struct Invocation: Sendable {
  public var command: String
  public var subcommand: String?
  public var positional: [Token]
  public var flags: [String: Token]
  /// Column of the command word, for errors about the line as a whole.
  public var column: Int

  public func has(_ flag: String) -> Bool { flags[flag] != nil }
}

/// How to run one command: parse the words, act on the session, return a typed result.
public typealias CommandAction = @Sendable (Invocation, ShellSession) throws(ShellError) -> CommandResult

/// A command's name, usage, help and example, in one place: parsing, `help` and completion
/// all read it.
public struct CommandSpec: Sendable {
  public enum Family: String, Sendable, CaseIterable {
    case nodes = "Nodes"
    case messages = "Messages and calls"
    case data = "Data across nodes"
    case network = "Network"
    case time = "Time and the world"
    case observe = "Observing"
    case session = "Scripts and the session"
  }

  public var name: String
  public var family: Family
  public var usage: String
  public var summary: String
  /// Longer help text; lines.
  public var details: [String]
  /// Help lines read from the world, shown before `details` (the methods its roles serve).
  public var worldDetails: (@Sendable (World) -> [String])?
  /// A worked example: input lines as typed.
  public var example: [String]
  /// What each positional word is, in order; the last one repeats.
  public var positionals: [WordKind]
  public var flags: [FlagSpec]
  public var subcommands: [CommandSpec]
  public var action: CommandAction?

  public init(
    _ name: String, family: Family, usage: String, summary: String, details: [String] = [], example: [String] = [],
    positionals: [WordKind] = [], flags: [FlagSpec] = [], subcommands: [CommandSpec] = [], action: CommandAction? = nil,
    worldDetails: (@Sendable (World) -> [String])? = nil
  ) {
    self.worldDetails = worldDetails
    self.name = name
    self.family = family
    self.usage = usage
    self.summary = summary
    self.details = details
    self.example = example
    self.positionals = positionals
    self.flags = flags
    self.subcommands = subcommands
    self.action = action
  }

  public func subcommand(_ name: String) -> CommandSpec? { subcommands.first { $0.name == name } }

  /// Splits `tokens` (after the command and subcommand words) into positionals and flags,
  /// refusing unknown flags and flags without their value.
  func parse(_ tokens: [Token], command: String, subcommand: String?, column: Int) throws(ShellError) -> Invocation {
    var inv = Invocation(command: command, subcommand: subcommand, positional: [], flags: [:], column: column)
    var i = 0
    let full = subcommand.map { "\(command) \($0)" } ?? command
    while i < tokens.count {
      let t = tokens[i]
      if t.isFlag {
        let nameOnly = t.text.split(separator: "=", maxSplits: 1).first.map(String.init) ?? t.text
        guard let spec = flags.first(where: { $0.name == nameOnly }) else {
          let known = flags.map(\.name)
          let hint = known.isEmpty ? " ('\(full)' takes no flags)" : Suggest.hint(for: nameOnly, in: known)
          throw ShellError("unknown flag '\(nameOnly)' for '\(full)'\(hint)", column: t.column)
        }
        guard inv.flags[spec.name] == nil else { throw ShellError("\(spec.name) is given twice", column: t.column) }
        if spec.value == nil {
          guard !t.text.contains("=") else { throw ShellError("\(spec.name) takes no value", column: t.column) }
          inv.flags[spec.name] = t
        } else if let eq = t.text.firstIndex(of: "=") {
          let value = String(t.text[t.text.index(after: eq)...])
          guard !value.isEmpty else {
            throw ShellError("\(spec.name) needs a value: \(spec.name) \(spec.placeholder)", column: t.column)
          }
          inv.flags[spec.name] = Token(value, column: t.column + spec.name.count + 1)
        } else {
          guard i + 1 < tokens.count, !tokens[i + 1].isFlag else {
            throw ShellError("\(spec.name) needs a value: \(spec.name) \(spec.placeholder)", column: t.column)
          }
          inv.flags[spec.name] = tokens[i + 1]
          i += 1
        }
      } else {
        inv.positional.append(t)
      }
      i += 1
    }
    return inv
  }
}
