import Foundation

/// A recorded session: commands typed after the prompt, each followed by the output it must
/// produce, with `#` comment lines kept in place.
public struct Transcript: Sendable, Equatable {
  public static let prompt = "distlab> "

  public enum Entry: Sendable, Equatable {
    case comment(String)
    /// `line` is where the command stands in the file (1-based).
    case command(input: String, output: [String], line: Int)
  }

  public var entries: [Entry]

  public init(entries: [Entry]) { self.entries = entries }

  /// A comment `# columns: N` says the output was fitted to N columns when it was recorded.
  public static let columnsDirective = "# columns:"

  /// The width the transcript's output was fitted to, if it says.
  public var columns: Int? {
    for case .comment(let c) in entries where c.hasPrefix(Self.columnsDirective) {
      return Int(c.dropFirst(Self.columnsDirective.count).trimmingCharacters(in: .whitespaces))
    }
    return nil
  }

  /// Reads transcript text. Lines before the first prompt must be comments or blank.
  public static func parse(_ lines: [String], file: String) throws(FileProblem) -> Transcript {
    var entries: [Entry] = []
    for (i, raw) in lines.enumerated() {
      if raw.hasPrefix(prompt) || raw == prompt.trimmingTrailingSpace {
        entries.append(.command(input: String(raw.dropFirst(min(raw.count, prompt.count))), output: [], line: i + 1))
      } else if raw.hasPrefix("#") {
        entries.append(.comment(raw))
      } else if case .command(let input, var output, let line)? = entries.last {
        output.append(raw)
        entries[entries.count - 1] = .command(input: input, output: output, line: line)
      } else if raw.trimmed(" \t").isEmpty {
        continue
      } else {
        throw FileProblem(reason: "line \(i + 1): output before the first '\(prompt)' line")
      }
    }
    let transcript = Transcript(entries: entries.map(\.trimmed))
    for case .command(_, let output, let line) in transcript.entries {
      if let p = OutputMatcher.problem(in: output) {
        throw FileProblem(reason: "line \(line + 1 + p.line): \(p.reason)")
      }
    }
    return transcript
  }

  /// The text of the transcript as a file holds it.
  public var text: String {
    var lines: [String] = []
    for e in entries {
      switch e {
      case .comment(let c): lines.append(c)
      case .command(let input, let output, _):
        lines.append(Self.prompt + input)
        lines += output
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  public var commandCount: Int {
    entries.reduce(0) { n, e in if case .command = e { return n + 1 } else { return n } }
  }
}

extension Transcript.Entry {
  /// Output without trailing blank lines, which carry no meaning.
  var trimmed: Transcript.Entry {
    guard case .command(let input, var output, let line) = self else { return self }
    while let last = output.last, last.trimmed(" \t").isEmpty { output.removeLast() }
    return .command(input: input, output: output, line: line)
  }
}

extension StringProtocol {
  /// The text without the given characters at either end.
  func trimmed(_ set: String) -> String {
    var s = Substring(self)
    while let f = s.first, set.contains(f) { s.removeFirst() }
    while let l = s.last, set.contains(l) { s.removeLast() }
    return String(s)
  }
}
