import DistLab
import DistLabHadoop

/// `mr timeline`: one lane per TaskTracker slot — map slots, then reduce slots — with each
/// attempt a bar over the job's time; a reduce's shuffle drawn apart from its reduce, re-runs
/// and speculative attempts in their own strokes, and how each attempt ended at its end.
struct JobTimelineRenderer {
  let style: Style
  let view: WorldView

  struct Lane: Hashable {
    var tracker: NodeID
    var kind: MapReduceJob.Attempt.Kind
    var slot: Int
  }

  func render(_ job: MapReduceJob, now: Nanoseconds) -> String {
    guard !job.local else {
      return "\(job.id) ran in the LocalJobRunner, its maps and then its reduce one after\n"
        + "another in the shell: no TaskTrackers, no slots to draw"
    }
    guard !job.attempts.isEmpty else { return "\(job.id): no attempt has started yet" }
    let first = job.submitted
    let last = max(job.finished ?? now, job.attempts.compactMap(\.end).max() ?? first)
    let (lanes, placed) = assign(job.attempts)
    let labels = lanes.map { "\(view.name($0.tracker)) \($0.kind == .map ? "m" : "r")\($0.slot + 1)" }
    let labelWidth = labels.map(TextWidth.of).max() ?? 0
    let columns = max(20, (style.columns ?? 100) - labelWidth - 2)
    let span = max(Nanoseconds(1), last - first)
    func column(_ time: Nanoseconds) -> Int {
      min(columns - 1, max(0, Int(Double((time - first).value) / Double(span.value) * Double(columns - 1))))
    }
    var lines = [
      style.dim(
        "\(job.id): \(first.clockReading) → \(last.clockReading), one column ≈ "
          + "\(Nanoseconds(span.value / Int64(columns)))")
    ]
    // A re-run is an attempt at a task that an earlier attempt, not a backup, already tried.
    var tried: Set<String> = []
    var rerun: [Bool] = []
    for a in job.attempts {
      let key = "\(a.kind.rawValue)\(a.task)"
      rerun.append(!a.speculative && tried.contains(key))
      tried.insert(key)
    }
    for l in lanes.indices {
      var cells = Array(repeating: " ", count: columns)
      for (i, a) in job.attempts.enumerated() where placed[i] == l {
        let from = column(a.start)
        let to = max(from, column(a.end ?? last))
        let stroke = a.speculative ? "┅" : rerun[i] ? "═" : "━"
        for c in from...to { cells[c] = stroke }
        if let sh = a.shuffled, a.kind == .reduce {
          for c in from...max(from, min(to, column(sh))) { cells[c] = "╌" }
        }
        let cap: String? =
          switch a.outcome {
          case .succeeded: nil
          case .failed: "✗"
          case .killed: "⊘"
          case .lost: "‖"
          case .running: "…"
          }
        if let cap { cells[to] = cap }
        let id = Array("\(a.kind == .map ? "m" : "r")\(a.task)").map(String.init)
        if to - from >= id.count + 1 { for (k, ch) in id.enumerated() { cells[from + 1 + k] = ch } }
      }
      lines.append(
        labels[l].padding(toLength: labelWidth, withPad: " ", startingAt: 0) + " │"
          + cells.joined().trimmingTrailingSpace)
    }
    lines.append(
      style.dim("━ ran  ═ re-run  ┅ backup  ╌ shuffle  ✗ failed  ⊘ lost the race  ‖ tracker lost"))
    let maps = job.attempts.filter { $0.kind == .map }
    let reduces = job.attempts.filter { $0.kind == .reduce }
    var summary =
      "\(maps.count) map attempt\(maps.count == 1 ? "" : "s") for \(job.maps.count) maps, "
      + "\(reduces.count) reduce attempt\(reduces.count == 1 ? "" : "s") for \(job.reduces.count)"
    let again = rerun.filter { $0 }.count
    let backups = job.attempts.filter(\.speculative).count
    if again > 0 { summary += ", " + style.warn("\(again) run again") }
    if backups > 0 { summary += ", \(backups) speculative" }
    lines.append(summary)
    return lines.joined(separator: "\n")
  }

  /// Puts each attempt in the first slot of its TaskTracker and kind that is free when it
  /// starts; lanes in tracker order, map slots before reduce slots. Answers the lanes and each
  /// attempt's lane.
  func assign(_ attempts: [MapReduceJob.Attempt]) -> ([Lane], [Int]) {
    var busyUntil: [Lane: Nanoseconds] = [:]
    var placed: [Lane] = []
    for a in attempts {
      var slot = 0
      while let until = busyUntil[Lane(tracker: a.tracker, kind: a.kind, slot: slot)], until > a.start { slot += 1 }
      let lane = Lane(tracker: a.tracker, kind: a.kind, slot: slot)
      busyUntil[lane] = a.end ?? Nanoseconds(Int64.max)
      placed.append(lane)
    }
    let lanes = Set(placed).sorted {
      ($0.tracker.number, $0.kind == .map ? 0 : 1, $0.slot) < ($1.tracker.number, $1.kind == .map ? 0 : 1, $1.slot)
    }
    let index = Dictionary(uniqueKeysWithValues: lanes.enumerated().map { ($0.element, $0.offset) })
    return (lanes, placed.map { index[$0]! })
  }
}
