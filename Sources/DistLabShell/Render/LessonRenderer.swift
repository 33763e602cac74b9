/// `lesson …` results as text.
struct LessonRenderer {
  let style: Style

  func render(_ r: LessonResult) -> String {
    switch r {
    case .list(let rows, let problems):
      var lines: [String] = []
      if rows.isEmpty {
        lines.append("no lessons found")
      } else {
        // ▶ marks the lesson you are in, ✓ one whose exercises are all done; a lesson can be both.
        var t = TextTable(["", "", "LESSON", "TITLE", "TIME", "EXERCISES"])
        for row in rows {
          let done = row.exercises > 0 && row.completed == row.exercises
          t.add([
            row.current ? "▶" : "", done ? "✓" : "", row.id, row.title, row.time,
            "\(row.completed)/\(row.exercises) done",
          ])
        }
        lines.append(t.render(style: style))
        lines.append("'lesson start ID' opens one.")
      }
      lines += problems.map { style.error("cannot load " + $0) }
      return lines.joined(separator: "\n")
    case .section(let v): return section(v)
    case .hint(let ex, let text, let rung, let of):
      let more = rung < of ? " — 'lesson hint' again for a more specific one" : " — the last one"
      return style.bold("Hint \(rung) of \(of)") + " for \(ex)\(more):\n"
        + MarkdownText(style: style, width: min(style.columns ?? 88, 100)).render(text.components(separatedBy: "\n"))
        .joined(
          separator: "\n")
    case .check(let ex, let results, let hidden):
      var lines = results.map { r in
        r.held
          ? style.ok("✓") + " " + r.check.expectation
          : style.error("✗") + " " + r.check.expectation + (r.unanswerable ? " — not yet: " : " — found ") + r.found
      }
      let passed = results.allSatisfy(\.held)
      lines.append(
        passed
          ? style.ok("\(ex): every check holds.")
            + (hidden > 0 ? " (\(hidden) more check\(hidden == 1 ? " is" : "s are") kept for grading.)" : "")
          : "\(ex): \(results.filter { !$0.held }.count) of \(results.count) checks \(results.filter { !$0.held }.count == 1 ? "does" : "do") not hold yet. 'lesson hint' helps."
      )
      return lines.joined(separator: "\n")
    case .ran(let input, let output, let matched, let expected, let step, let of, let prepared):
      var lines: [String] = []
      if step == 1 {
        lines.append(
          style.dim(
            "(the world starts over with the lesson's seed"
              + (prepared > 0 ? " and the \(prepared) commands of the earlier examples)" : ")")))
      }
      lines.append(style.dim("[\(step)/\(of)]") + " " + style.accent("distlab>") + " " + input)
      if !output.isEmpty { lines.append(output) }
      if !matched {
        lines.append(style.warn("(the lesson showed this instead — your world differs from the lesson's:)"))
        lines += expected.map { "  " + $0 }
      }
      if step == of { lines.append(style.dim("end of the worked example: now try your own commands")) }
      return lines.joined(separator: "\n")
    case .reset(let lesson, let seed):
      return "the world starts over for lesson \(lesson) (seed \(seed))"
    case .status(let lesson, let title, let section, let sections, let exercises):
      var lines = ["lesson \(lesson): \(title), section \(section + 1) of \(sections)"]
      if !exercises.isEmpty {
        var t = TextTable(["", "EXERCISE", "TITLE", "POINTS", "HINTS"], rightAligned: [3])
        for e in exercises {
          t.add([e.done ? "✓" : "·", e.id, e.title, String(e.points), "\(e.hintsShown)/\(e.hints)"])
        }
        lines.append(t.render(style: style))
      }
      return lines.joined(separator: "\n")
    }
  }

  func section(_ v: LessonSectionView) -> String {
    var lines: [String] = []
    if let seed = v.seed {
      lines.append(
        style.bold("Lesson \(v.lessonID): \(v.lessonTitle)") + " (\(v.time); the world starts over with seed \(seed))")
      if !v.objectives.isEmpty {
        lines.append("You will:")
        lines += v.objectives.map { "  • " + MarkdownText(style: style).inline($0) }
      }
      lines.append("")
    }
    lines.append(style.dim("[\(v.index + 1)/\(v.count)]"))
    lines += MarkdownText(style: style, width: min(style.columns ?? 88, 100)).render(v.section.body)
    var footer: [String] = []
    if !v.section.examples.isEmpty { footer.append("'lesson run' steps through the example") }
    if let ex = v.section.exercise {
      let state = v.completed ? style.ok("done") : "\(ex.points) point\(ex.points == 1 ? "" : "s")"
      footer.append(
        "exercise \(ex.id) (\(state)): 'lesson hint' (\(v.hintsShown)/\(ex.hints.count) shown), 'lesson check'")
    }
    footer.append(v.index + 1 < v.count ? "'lesson next' goes on" : "this is the last section")
    lines.append("")
    lines.append(style.dim("— " + footer.joined(separator: " · ")))
    return lines.joined(separator: "\n")
  }
}
