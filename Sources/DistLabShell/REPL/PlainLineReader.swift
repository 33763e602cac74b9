import CEditLine

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads lines from standard input when it is not a terminal (a pipe or a file).
///
/// It prints no prompt and no colour and keeps no history, so a script's output holds only
/// what its commands print.
public struct PlainLineReader: LineSource, Sendable {
  public init() {}

  public func readLine() -> LineInput {
    guard let line = Swift.readLine(strippingNewline: true) else {
      return .endOfInput
    }
    return .line(line)
  }

  /// Piped input keeps no history; this does nothing.
  public func addToHistory(_ line: String) {}
}

/// Facts about the process's terminal.
public enum Terminal {
  /// True when standard input is a terminal, so lines should be read with `LineEditor`.
  public static var stdinIsTTY: Bool {
    isatty(STDIN_FILENO) != 0
  }

  /// True when standard output is a terminal, so colour and redrawing make sense.
  public static var stdoutIsTTY: Bool {
    isatty(STDOUT_FILENO) != 0
  }

  /// The width to fit output to: the terminal's window, else `COLUMNS`, else nil (no limit,
  /// so piped output and recordings keep their lines whole).
  public static func columns(environment: [String: String]) -> Int? {
    let window = Int(cel_window_columns(STDOUT_FILENO))
    if window > 0 { return max(40, window) }
    if let c = environment["COLUMNS"].flatMap(Int.init), c > 0 { return max(40, c) }
    return nil
  }
}
