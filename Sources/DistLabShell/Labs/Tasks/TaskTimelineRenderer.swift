import DistLab
import DistLabTasks

/// `task timeline`: one lane per worker slot, each run a bar from its start to its end on a
/// common time axis as wide as the terminal allows.
struct TaskTimelineRenderer {
  let style: Style
  let view: WorldView

  func render(_ t: TaskTimeline) -> String {
    guard let first = t.runs.map(\.start).min() else { return "(no task has run yet)" }
    let lanes = t.lanes
    let labels = lanes.map { "\(view.name($0.worker)).\($0.slot + 1)" }
    let labelWidth = labels.map(TextWidth.of).max() ?? 0
    let columns = max(20, (style.columns ?? 100) - labelWidth - 2)
    let last = max(t.now, t.runs.map(\.end).max() ?? t.now)
    let span = max(Nanoseconds(1), last - first)
    func column(_ time: Nanoseconds) -> Int {
      min(columns - 1, Int(Double((time - first).value) / Double(span.value) * Double(columns - 1)))
    }
    var lines = [
      style.dim(
        "\(first.clockReading) → \(last.clockReading), one column ≈ \(Nanoseconds(span.value / Int64(columns)))")
    ]
    for (lane, label) in zip(lanes, labels) {
      var cells = Array(repeating: " ", count: columns)
      for run in t.runs where run.worker == lane.worker && run.slot == lane.slot {
        let from = column(run.start)
        let to = max(from, column(run.end))
        for c in from...to { cells[c] = run.repeated ? "═" : "━" }
        let cap: String? =
          switch run.ending {
          case .succeeded: nil
          case .failed: "✗"
          case .retried: "↻"
          case .terminated: "⊘"
          case .killed: "‖"
          case .running: "…"
          }
        if let cap { cells[to] = cap }
        let id = Array(run.id).map(String.init)
        if to - from >= id.count { for (k, ch) in id.enumerated() { cells[from + k] = ch } }
      }
      let bar = cells.joined()
      lines.append(label.padding(toLength: labelWidth, withPad: " ", startingAt: 0) + " │" + bar.trimmingTrailingSpace)
    }
    lines.append(style.dim("━ ran  ═ ran again  ✗ failed  ↻ retry  ⊘ stopped  ‖ worker killed  … running"))
    let ids = Set(t.runs.map(\.id))
    let repeats = t.runs.filter(\.repeated).count
    let killed = t.runs.filter { $0.ending == .killed }.count
    var summary = "\(t.runs.count) run\(t.runs.count == 1 ? "" : "s") of \(ids.count) task\(ids.count == 1 ? "" : "s")"
    if repeats > 0 { summary += ", " + style.warn("\(repeats) repeated") }
    if killed > 0 { summary += ", " + style.error("\(killed) cut short by a killed worker") }
    lines.append(summary)
    return lines.joined(separator: "\n")
  }
}
