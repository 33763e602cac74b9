import Foundation

/// Turns bench figures into text for people or JSON for scripts.
enum BenchRendering {
  static let labelWidth = 34
  static let valueWidth = 24

  static func header(cores: Int, quick: Bool) -> String {
    "distlab bench — \(cores) core\(cores == 1 ? "" : "s"), \(quick ? "quick run (figures are rough)" : "full run")"
  }

  /// One aligned line: label, value with unit, target and ✓/✗.
  static func line(_ f: BenchFigure) -> String {
    let value = f.value.map { number($0) + " " + f.unit } ?? "—"
    var s = pad(f.label, labelWidth) + leftPad(value, valueWidth)
    if let target = f.target {
      s += "   " + pad(describe(target, unit: f.unit), 22) + ((f.met ?? false) ? "✓" : "✗")
    }
    if let note = f.note { s += "   (" + note + ")" }
    return s
  }

  static func footer(_ report: BenchReport) -> String {
    "\(report.targetsMet) of \(report.targetsTotal) targets met."
  }

  static func text(_ report: BenchReport) -> String {
    ([header(cores: report.cores, quick: report.quick)] + report.figures.map(line) + [footer(report)])
      .joined(separator: "\n")
  }

  static func json(_ report: BenchReport) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(report) else { return "{}" }
    return String(decoding: data, as: UTF8.self)
  }

  static func describe(_ t: BenchTarget, unit: String) -> String {
    (t.comparison == .atLeast ? "≥ " : "≤ ") + number(t.limit) + " " + unit
  }

  /// A figure with sensible precision: thousands grouped, decimals only for small values.
  static func number(_ v: Double) -> String {
    let a = abs(v)
    if a >= 1000 { return grouped(Int64(v.rounded())) }
    if a >= 100 || a == a.rounded() { return String(Int64(v.rounded())) }
    return String(format: a >= 10 ? "%.1f" : "%.2f", v)
  }

  static func grouped(_ n: Int64) -> String { Grouped.number(n) }

  static func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
  }

  static func leftPad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
  }
}
