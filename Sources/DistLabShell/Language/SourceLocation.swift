/// Where a piece of input came from, so errors can say `file:line:col`.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
  /// The script's path, or nil for a line typed at the prompt.
  public var file: String?
  public var line: Int
  public var column: Int

  public init(file: String? = nil, line: Int = 1, column: Int = 1) {
    self.file = file
    self.line = line
    self.column = column
  }

  public var description: String { "\(file ?? "<input>"):\(line):\(column)" }
}

/// A command that could not run, with the place and, where it helps, how to fix it. The world
/// is unchanged when one is thrown.
public struct ShellError: Error, Hashable, Sendable {
  public var message: String
  /// Column within the line (1-based) of the offending word, when known.
  public var column: Int?

  public init(_ message: String, column: Int? = nil) {
    self.message = message
    self.column = column
  }
}
