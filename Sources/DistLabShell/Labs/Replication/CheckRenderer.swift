import DistLab
import DistLabReplication

/// A verdict as text: a line when linearizable; otherwise the operations that cannot come
/// next, each on its process's lane over the history's events.
struct CheckRenderer {
  let style: Style

  func render(_ r: HistoryCheck) -> String {
    let v = r.verdict
    let processes = Set(r.history.operations.map(\.process)).count
    let ops = "\(Grouped.number(Int64(v.operations))) operation" + (v.operations == 1 ? "" : "s")
    let procs = "\(processes) process" + (processes == 1 ? "" : "es")
    let what = "\(ops) by \(procs), \(v.model.rawValue) model"
    guard !v.linearizable else { return style.ok("linearizable: ") + what }
    var lines = [style.error("not linearizable: ") + what]
    let key = v.key.map { " on key \($0)" } ?? ""
    lines.append(
      "after \(v.longest.count) operation\(v.longest.count == 1 ? "" : "s") in a valid order\(key), none of these can come next:"
    )
    // The last operations of the valid order (✓), then those that cannot follow them (✗).
    let context = Array(v.longest.suffix(2))
    let shown = context + v.stuck
    let first = shown.map { $0.invoke }.min() ?? 0
    let ends: [Int] = shown.map { $0.complete ?? r.history.events }
    let last = max(first + 1, ends.max() ?? first + 1)
    let labels = shown.enumerated().map { i, op in
      (i < context.count ? "✓ " : "✗ ") + "P\(op.process)  \(op.description)"
    }
    let labelWidth = labels.map(TextWidth.of).max() ?? 0
    let events = shown.map { "  events \($0.invoke)–\($0.complete.map(String.init) ?? "open")" }
    // The lanes take what the terminal leaves beside the labels: 40 columns without one.
    let width = style.columns.map { max(10, min(60, $0 - 4 - labelWidth - (events.map(\.count).max() ?? 0))) } ?? 40
    func column(_ e: Int) -> Int { min(width - 1, (e - first) * (width - 1) / max(1, last - first)) }
    for ((op, label), tail) in zip(zip(shown, labels), events) {
      var cells = Array(repeating: " ", count: width)
      let a = column(op.invoke)
      let b = op.complete.map(column) ?? width - 1
      for c in a...max(a, b) { cells[c] = "─" }
      cells[a] = "├"
      cells[max(a, b)] = op.complete == nil ? "…" : "┤"
      let line =
        "  " + label.padding(toLength: labelWidth, withPad: " ", startingAt: 0) + "  " + cells.joined() + tail
      lines.append(label.hasPrefix("✗") ? style.error(line) : line)
    }
    lines.append(style.dim("✓ the end of the longest valid order found; ✗ cannot come after it"))
    return lines.joined(separator: "\n")
  }
}
