import DistLab
import DistLabDetection

/// A sweep as a table and a small plot: for each setting, the time to detect a kill (█) and
/// the false suspicions per run (░), each bar scaled to its column's largest figure.
struct DetectSweepRenderer {
  let style: Style

  func render(_ plan: DetectionSweep.Plan, _ points: [DetectionSweep.Point]) -> String {
    let label = { (v: Double) in
      plan.parameter == .timeout
        ? Nanoseconds.milliseconds(v).description : NodeTableRenderer.number((v * 100).rounded() / 100)
    }
    var lines = [
      "\(plan.parameter.rawValue) from \(label(plan.values.first ?? 0)) to \(label(plan.values.last ?? 0)), "
        + "\(plan.seeds) seed\(plan.seeds == 1 ? "" : "s") each, \(plan.nodes) monitors",
      "each run: " + (plan.pause.map { "the second monitor paused for \($0) at 10s, " } ?? "")
        + "the last killed at 20s",
    ]
    if points.count < plan.values.count { lines.append(style.warn("interrupted after \(points.count) values")) }
    let widest = points.compactMap { $0.detection?.value }.max() ?? 1
    let most = max(points.map(\.mistakes).max() ?? 0, 0.000_1)
    let bar = max(6, min(20, ((style.columns ?? 80) - 46) / 2))
    var table = TextTable(
      [plan.parameter.rawValue.uppercased(), "DETECTION", "", "FALSE/RUN", "", "MISSED"], rightAligned: [1, 3, 5])
    for p in points {
      let d = p.detection.map { Double($0.value) / Double(max(1, widest)) } ?? 0
      table.add([
        label(p.value), p.detection?.description ?? "never", Self.bar(d, width: bar, "█"),
        NodeTableRenderer.number((p.mistakes * 10).rounded() / 10), Self.bar(p.mistakes / most, width: bar, "░"),
        String(p.missed),
      ])
    }
    lines.append(table.render(style: style))
    lines.append(style.dim("█ mean time from the kill to a suspicion; ░ suspicions of live monitors per run"))
    return lines.joined(separator: "\n")
  }

  static func bar(_ fraction: Double, width: Int, _ glyph: String) -> String {
    let n = Int((max(0, min(1, fraction)) * Double(width)).rounded())
    return String(repeating: glyph, count: n) + String(repeating: " ", count: width - n)
  }
}
