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
    switch (self, v) {
    case (.value, _), (.key, _): true
    case (.int, .int), (.duration, .int), (.string, .string), (.bool, .bool), (.double, .double): true
    case (.double, .int), (.list, .list), (.map, .map), (.bytes, .bytes): true
    default: false
    }
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
    let required = arguments.filter { !$0.optional && !$0.repeated }.count
    let open = arguments.contains { $0.repeated }
    if args.count < required || (!open && args.count > arguments.count) {
      return .count(given: args.count)
    }
    for (i, v) in args.enumerated() {
      let spec = i < arguments.count ? arguments[i] : arguments[arguments.count - 1]
      if !spec.type.accepts(v) { return .type(position: i + 1, expected: spec, given: v) }
    }
    return nil
  }
}

/// How a call's arguments miss their method's declaration.
public enum ArgumentMismatch: Sendable, Hashable {
  case count(given: Int)
  case type(position: Int, expected: ArgumentSpec, given: Value)
}
