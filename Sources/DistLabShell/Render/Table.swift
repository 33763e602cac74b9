/// An aligned text table: a header and rows, columns padded to their widest cell.
public struct TextTable {
  public var header: [String]
  public var rows: [[String]] = []
  /// Columns whose cells are right-aligned (numbers).
  public var rightAligned: Set<Int> = []

  public init(_ header: [String], rightAligned: Set<Int> = []) {
    self.header = header
    self.rightAligned = rightAligned
  }

  public mutating func add(_ row: [String]) { rows.append(row) }

  public func render(style: Style = .plain) -> String {
    let all = [header] + rows
    var widths = Array(repeating: 0, count: header.count)
    for r in all { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], TextWidth.of(c)) } }
    func line(_ r: [String]) -> String {
      var out = ""
      for (i, c) in r.enumerated() where i < widths.count {
        let pad = String(repeating: " ", count: widths[i] - TextWidth.of(c))
        let cell = rightAligned.contains(i) ? pad + c : c + pad
        out += (i == 0 ? "" : "  ") + cell
      }
      return out.trimmingTrailingSpace
    }
    var lines = [style.bold(line(header))]
    for r in rows { lines.append(line(r)) }
    return lines.joined(separator: "\n")
  }
}

/// Display width of text in a terminal, ignoring ANSI escapes: East Asian wide and
/// fullwidth characters and emoji take two columns, combining marks and other zero-width
/// characters none, everything else one. So a node named `节点` lines up in a table.
public enum TextWidth {
  public static func of(_ s: String) -> Int {
    s.strippingANSI.unicodeScalars.reduce(0) { $0 + width($1) }
  }

  /// Columns one scalar takes.
  public static func width(_ u: Unicode.Scalar) -> Int {
    let v = u.value
    if v < 0x300 { return v < 0x20 || (0x7f..<0xa0).contains(v) ? 0 : 1 }
    switch u.properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format: return 0
    default: break
    }
    if (0xFE00...0xFE0F).contains(v) { return 0 }  // variation selectors
    if u.properties.isEmojiPresentation { return 2 }
    return wide.contains { $0.contains(v) } ? 2 : 1
  }

  /// The East Asian Wide (W) and Fullwidth (F) blocks of Unicode's EastAsianWidth.txt.
  static let wide: [ClosedRange<UInt32>] = [
    0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF,
    0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
    0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x18CFF, 0x1B000...0x1B2FF, 0x1F200...0x1F2FF,
    0x20000...0x2FFFD, 0x30000...0x3FFFD,
  ]

  /// `text` in at most `width` columns, ending in `…` when cut.
  public static func cut(_ text: String, to width: Int) -> String {
    guard of(text) > width else { return text }
    var out = ""
    for c in text {
      if of(out + String(c)) > width - 1 { break }
      out.append(c)
    }
    return out + "…"
  }

  /// `s` padded with spaces on the right to `columns` display columns.
  public static func pad(_ s: String, to columns: Int) -> String {
    s + String(repeating: " ", count: max(0, columns - of(s)))
  }
}

/// Horizontal bars from unicode eighth blocks, for charts.
public enum Bars {
  static let eighths = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]

  /// A bar `fraction` (0…1) of `width` columns long.
  public static func bar(_ fraction: Double, width: Int) -> String {
    let f = max(0, min(1, fraction.isFinite ? fraction : 0))
    let units = Int((f * Double(width) * 8).rounded())
    return String(repeating: "█", count: units / 8) + eighths[units % 8]
  }
}

/// Whole numbers with thousands separators: `5,000,000`.
public enum Grouped {
  public static func number(_ n: Int64) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
      if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
      out.append(c)
    }
    return (n < 0 ? "-" : "") + out
  }
}
