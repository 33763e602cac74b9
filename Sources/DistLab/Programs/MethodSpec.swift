/// What a declared argument holds, checked before a handler runs.
public enum ArgumentType: String, Sendable, Hashable {
  case int, string, bool, double, list, map
  /// Raw bytes (a block's contents).
  case bytes
  /// Any value at all.
  case value
  /// A key: text, or any other value read as its text.
  case key
  /// A length of time, in nanoseconds (the shell sends `250ms` as an int).
  case duration

  /// Whether `v` is acceptable here.
  public func accepts(_ v: Value) -> Bool {
    // Matched on the type first, so the value is only looked at, never copied.
    switch self {
    case .value, .key: return true
    case .int, .duration: if case .int = v { return true }
    case .string: if case .string = v { return true }
    case .bool: if case .bool = v { return true }
    case .double:
      if case .double = v { return true }
      if case .int = v { return true }
    case .list: if case .list = v { return true }
    case .map: if case .map = v { return true }
    case .bytes: if case .bytes = v { return true }
    }
    return false
  }
}

/// One argument of a method: the word shown in usage (`INT`, `KEY`, `[KEY, …]`), its type,
/// and whether it may be left out (`[INT]`) or repeated (`VALUE…`).
public struct ArgumentSpec: Sendable, Hashable {
  public var label: String
  public var type: ArgumentType
  public var optional: Bool
  public var repeated: Bool

  public init(_ label: String, _ type: ArgumentType, optional: Bool = false, repeated: Bool = false) {
    self.label = label
    self.type = type
    self.optional = optional
    self.repeated = repeated
  }

  /// How usage shows it: `INT`, `[INT]`, `VALUE…`.
  public var usage: String {
    optional ? "[\(label)]" : repeated ? "\(label)…" : label
  }
}

/// A method a service declares: its name, arguments and a one-line summary. The single
/// source for dispatch, argument checking, `help rpc`, completion and `--verbose` decoding.
public struct MethodSpec: Sendable, Hashable {
  public var name: String
  public var arguments: [ArgumentSpec]
  public var summary: String

  public init(_ name: String, _ arguments: [ArgumentSpec] = [], _ summary: String) {
    self.name = name
    self.arguments = arguments
    self.summary = summary
  }

  /// The arguments as usage shows them: `KEY [INT]`.
  public var usage: String { arguments.map(\.usage).joined(separator: " ") }

  /// Why `args` do not fit the declaration, or nil when they do.
  public func mismatch(_ args: [Value]) -> ArgumentMismatch? {
    // Checked for every request a node serves: counted in place, nothing copied or allocated.
    var required = 0
    var open = false
    for i in arguments.indices {
      if arguments[i].repeated {
        open = true
      } else if !arguments[i].optional {
        required += 1
      }
    }
    if args.count < required || (!open && args.count > arguments.count) {
      return .count(given: args.count)
    }
    for i in args.indices {
      let j = min(i, arguments.count - 1)
      if !arguments[j].type.accepts(args[i]) { return .type(position: i + 1, expected: arguments[j], given: args[i]) }
    }
    return nil
  }
}

/// How a call's arguments miss their method's declaration.
public enum ArgumentMismatch: Sendable, Hashable {
  case count(given: Int)
  case type(position: Int, expected: ArgumentSpec, given: Value)
}
