import Foundation

/// Fits text to a width: a line of prose wider than the width is broken at spaces, its
/// continuation indented two more than the line itself. Lines that are laid out in columns
/// (tables, diagrams, bars) are left whole: their views have narrow forms of their own.
public enum Fit {
  public static func text(_ text: String, columns: Int) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).flatMap { line -> [String] in
      let l = String(line)
      return TextWidth.of(l) <= columns || isLaidOut(l) ? [l] : wrap(l, columns: columns)
    }.joined(separator: "\n")
  }

  /// Whether a line is part of a layout: aligned columns (two spaces between words after the
  /// indent), box drawing, bars or a diagram's arrows.
  static func isLaidOut(_ line: String) -> Bool {
    let body = line.drop { $0 == " " }
    if body.components(separatedBy: "  ").filter({ !$0.isEmpty }).count > 2 { return true }
    return line.unicodeScalars.contains { (0x2500...0x259F).contains($0.value) }
  }

  /// Breaks `line` at spaces into lines of at most `columns` (a word longer than that stays
  /// whole); continuation lines start with `continuation` (by default the line's own indent
  /// and two more).
  static func wrap(_ line: String, columns: Int, continuation: String? = nil) -> [String] {
    let lead = String(line.prefix { $0 == " " })
    let indent = continuation ?? lead + "  "
    var lines: [String] = []
    var current = lead
    // Words of the body only, keeping a double space inside it (`after:  3000`).
    for word in line.dropFirst(lead.count).split(separator: " ", omittingEmptySubsequences: false) {
      let candidate = current.trimmingCharacters(in: .whitespaces).isEmpty ? current + word : current + " " + word
      if TextWidth.of(candidate) > columns && !current.trimmingCharacters(in: .whitespaces).isEmpty {
        lines.append(current)
        current = indent + word
      } else {
        current = candidate
      }
    }
    lines.append(current)
    return lines
  }
}
