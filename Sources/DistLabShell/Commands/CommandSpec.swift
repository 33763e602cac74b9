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
  case lesson
  /// A subcommand of the command named just before it (`help shard use`).
  case subcommand
  /// A role the world can spawn.
  case role
}

/// One positional word (or run of words) of a command: its name as usage shows it, what
/// kind of word it is, and how many times it comes.
public struct Positional: Sendable {
  public enum Count: Sendable {
    case one, optional
    /// One or more; zero or more.
    case many, any
  }
  public var name: String
  public var kind: WordKind
  public var count: Count

  public init(_ name: String, _ kind: WordKind, _ count: Count = .one) {
    self.name = name
    self.kind = kind
    self.count = count
  }

  /// A choice among words, named by them (`sim|live`).
  public static func choice(_ options: [String], _ count: Count = .one) -> Positional {
    Positional(options.joined(separator: "|"), .choice(options), count)
  }

  /// How usage shows it: `NODE`, `[N]`, `TEXT…`, `[and|or …]`.
  public var usage: String {
    let repeated = name.hasSuffix("…") ? name : name + "…"
    switch count {
    case .one: return name
    case .optional: return "[\(name)]"
    case .many: return repeated
    case .any: return "[\(repeated)]"
    }
  }
}

/// A `--flag`, with or without a value.
public struct FlagSpec: Sendable {
  public var name: String
  /// Nil for a switch that takes no value.
  public var value: WordKind?
  public var placeholder: String
  public var help: String
  /// The values of the command's first word this flag goes with (`shard use ring` takes
  /// `--vnodes`, not `--splits`); nil when it goes with every one.
  public var only: Set<String>?

  public init(
    _ name: String, _ value: WordKind? = nil, placeholder: String = "", help: String, only: Set<String>? = nil
  ) {
    self.name = name
    self.value = value
    self.placeholder = placeholder
    self.help = help
    self.only = only
  }

  /// How usage shows it: `[--retries N]`, `[--verbose]`.
  public var usage: String { "[" + name + (placeholder.isEmpty ? "" : " " + placeholder) + "]" }

  /// Whether the flag goes with a command whose first word is `first`.
  public func applies(to first: String?) -> Bool {
    guard let only, let first else { return true }
    return only.contains(first)
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
  /// The words that call it: `spawn`, `net latency`.
  public private(set) var path: String
  public var family: Family
  public var summary: String
  /// Longer help text; lines.
  public var details: [String]
  /// Help lines read from the world, shown before `details` (the methods its roles serve).
  public var worldDetails: (@Sendable (World) -> [String])?
  /// A worked example: input lines as typed.
  public var example: [String]
  /// The positional words, in order: the single source of usage, the word count parsing
  /// checks, and what completion offers at each place.
  public var positionals: [Positional]
  public var flags: [FlagSpec]
  public var subcommands: [CommandSpec]
  public var action: CommandAction?

  public init(
    _ name: String, family: Family, summary: String, details: [String] = [], example: [String] = [],
    positionals: [Positional] = [], flags: [FlagSpec] = [], subcommands: [CommandSpec] = [],
    action: CommandAction? = nil, worldDetails: (@Sendable (World) -> [String])? = nil
  ) {
    self.worldDetails = worldDetails
    self.name = name
    self.path = name
    self.family = family
    self.summary = summary
    self.details = details
    self.example = example
    self.positionals = positionals
    self.flags = flags
    self.subcommands = subcommands.map { sub in
      var s = sub
      s.path = name + " " + sub.name
      return s
    }
    self.action = action
  }

  /// Usage, derived from the declarations: the words, then the flags while the line stays
  /// short (`[options]` past that: `help` lists them), or the subcommands.
  public var usage: String {
    var words = [path]
    if !subcommands.isEmpty {
      var subs = subcommands.map(\.name).joined(separator: "|")
      if subs.count + path.count > 64 { subs = "SUBCOMMAND" }
      words.append(action == nil ? subs + " …" : "[\(subs) …]")
      return words.joined(separator: " ")
    }
    words += positionals.map(\.usage)
    let withFlags = (words + flags.map(\.usage)).joined(separator: " ")
    if withFlags.count <= 72 || flags.isEmpty { return withFlags }
    return (words + ["[options]"]).joined(separator: " ")
  }

  /// How many positional words the command takes.
  public var wordCount: ClosedRange<Int> {
    var low = 0
    var high = 0
    for p in positionals {
      switch p.count {
      case .one:
        low += 1
        high += 1
      case .optional: high += 1
      case .many:
        low += 1
        high = Int.max / 2
      case .any: high = Int.max / 2
      }
    }
    return low...max(low, high)
  }

  /// The kind of the positional word at `index` (the last repeats).
  public func kind(at index: Int) -> WordKind? {
    guard !positionals.isEmpty else { return nil }
    var i = 0
    for p in positionals {
      switch p.count {
      case .one, .optional:
        if i == index { return p.kind }
        i += 1
      case .many, .any: return p.kind
      }
    }
    return positionals[positionals.count - 1].kind
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
    let range = wordCount
    if inv.positional.count > range.upperBound {
      throw ShellError(
        "too many words for '\(full)'; usage: \(usage)", column: inv.positional[range.upperBound].column)
    }
    if inv.positional.count < range.lowerBound {
      throw ShellError("'\(full)' needs more: usage: \(usage)", column: column)
    }
    // A flag's value from a fixed set of choices is one of them: the spec that lists them for help
    // and completion refuses the others too. (A positional choice may stand beside other words —
    // `net latency 5ms` — so its command checks it.)
    for f in flags {
      if case .choice(let options)? = f.value, let t = inv.flags[f.name], !options.contains(t.text) {
        throw ShellError(
          "\(f.name) is one of \(options.joined(separator: ", ")), not '\(t.text)'"
            + Suggest.hint(for: t.text, in: options),
          column: t.column)
      }
    }
    let first = inv.positional.first?.text
    for f in flags where inv.flags[f.name] != nil && !f.applies(to: first) {
      let with = (f.only ?? []).sorted().joined(separator: ", ")
      throw ShellError(
        "\(f.name) goes with \(with), not \(first ?? "")", column: inv.flags[f.name]?.column)
    }
    return inv
  }
}
