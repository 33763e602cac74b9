import Foundation

/// Matches a command's output against what a transcript expects. Exact lines by default;
/// for output that is legitimately nondeterministic (live mode) a line may be written as
/// `{re} PATTERN` (a regular expression for the whole line), `{glob} PATTERN` (`*` and `?`),
/// or `{one of} A || B`, and lines between `{any order}` and `{end}` may come in any order.
public enum OutputMatcher {
  /// One expected line.
  enum Pattern: Equatable {
    case exact(String)
    case regex(String)
    case glob(String)
    case oneOf([String])

    func matches(_ line: String) -> Bool {
      switch self {
      case .exact(let s): return s == line
      case .regex(let p): return OutputMatcher.fullMatch(p, line)
      case .glob(let g): return OutputMatcher.fullMatch(OutputMatcher.globToRegex(g), line)
      case .oneOf(let options): return options.contains(line)
      }
    }
  }

  /// A run of expected lines: in order, or a group in any order.
  enum Piece: Equatable {
    case line(Pattern)
    case anyOrder([Pattern])
  }

  /// Whether expected lines use any marker (so they cannot be rewritten from one run).
  public static func hasMarkers(_ lines: [String]) -> Bool {
    lines.contains {
      $0.hasPrefix("{re} ") || $0.hasPrefix("{glob} ") || $0.hasPrefix("{one of} ") || $0 == "{any order}"
    }
  }

  /// An expected line as a reader sees it: a `{glob}` line without its marker (its `*` stands
  /// for what varies from run to run, a time say); any other line as written.
  public static func shown(_ line: String) -> String {
    line.hasPrefix("{glob} ") ? String(line.dropFirst(7)) : line
  }

  /// Checks the markers are well formed: returns a problem with its 0-based line, or nil.
  public static func problem(in lines: [String]) -> (line: Int, reason: String)? {
    var open: Int?
    for (i, l) in lines.enumerated() {
      if l == "{any order}" {
        if open != nil { return (i, "{any order} inside another {any order}") }
        open = i
      } else if l == "{end}" {
        if open == nil { return (i, "{end} without {any order}") }
        open = nil
      } else if l.hasPrefix("{re} ") {
        let p = String(l.dropFirst(5))
        if (try? NSRegularExpression(pattern: p)) == nil { return (i, "'\(p)' is not a valid regular expression") }
      }
    }
    if let open { return (open, "{any order} without {end}") }
    return nil
  }

  static func parse(_ lines: [String]) -> [Piece] {
    var pieces: [Piece] = []
    var group: [Pattern]?
    for l in lines {
      if l == "{any order}" {
        group = []
      } else if l == "{end}", let g = group {
        pieces.append(.anyOrder(g))
        group = nil
      } else {
        let p = pattern(l)
        if group != nil { group?.append(p) } else { pieces.append(.line(p)) }
      }
    }
    if let g = group { pieces.append(.anyOrder(g)) }
    return pieces
  }

  static func pattern(_ l: String) -> Pattern {
    if l.hasPrefix("{re} ") { return .regex(String(l.dropFirst(5))) }
    if l.hasPrefix("{glob} ") { return .glob(String(l.dropFirst(7))) }
    if l.hasPrefix("{one of} ") {
      return .oneOf(l.dropFirst(9).components(separatedBy: " || "))
    }
    return .exact(l)
  }

  /// Whether `actual` satisfies `expected`.
  public static func matches(expected: [String], actual: [String]) -> Bool {
    if !hasMarkers(expected) { return expected == actual }
    var i = 0
    for piece in parse(expected) {
      switch piece {
      case .line(let p):
        guard i < actual.count, p.matches(actual[i]) else { return false }
        i += 1
      case .anyOrder(let group):
        guard i + group.count <= actual.count else { return false }
        var remaining = Array(actual[i..<(i + group.count)])
        for p in group {
          guard let k = remaining.firstIndex(where: p.matches) else { return false }
          remaining.remove(at: k)
        }
        i += group.count
      }
    }
    return i == actual.count
  }

  static func fullMatch(_ pattern: String, _ line: String) -> Bool {
    guard let re = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$") else { return false }
    return re.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil
  }

  static func globToRegex(_ glob: String) -> String {
    var out = ""
    for c in glob {
      switch c {
      case "*": out += ".*"
      case "?": out += "."
      default: out += NSRegularExpression.escapedPattern(for: String(c))
      }
    }
    return out
  }
}
