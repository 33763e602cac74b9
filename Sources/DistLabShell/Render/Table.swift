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

/// Display width of text in a terminal: one column per character (the symbols used here are
/// all single-width), ignoring ANSI escapes.
public enum TextWidth {
  public static func of(_ s: String) -> Int { s.strippingANSI.unicodeScalars.count }
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
