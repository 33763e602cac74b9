import DistLab

/// `lesson …`: working through the Markdown lessons in the shell.
enum LessonCommands {
  static let spec = CommandSpec(
    "lesson", family: .session, summary: "work through the lessons: read, try the examples, do the exercises",
    example: ["lesson list", "lesson start 01", "lesson next", "lesson run", "lesson show", "lesson status"],
    subcommands: [
      CommandSpec(
        "list", family: .session, summary: "the lessons and your progress", action: list),
      CommandSpec(
        "start", family: .session, summary: "open a lesson; the world starts over with its seed",
        example: ["lesson start 01"], positionals: [Positional("ID", .lesson)], action: start),
      CommandSpec(
        "next", family: .session, summary: "the next section",
        action: { (inv, s) throws(ShellError) in try move(inv, s, by: 1) }),
      CommandSpec(
        "prev", family: .session, summary: "the previous section",
        action: { (inv, s) throws(ShellError) in try move(inv, s, by: -1) }),
      CommandSpec(
        "show", family: .session, summary: "the current section again",
        action: { (inv, s) throws(ShellError) in try move(inv, s, by: 0) }),
      CommandSpec(
        "hint", family: .session, summary: "the next hint for this section's exercise",
        action: hint),
      CommandSpec(
        "check", family: .session, summary: "check this section's exercise against your world",
        action: check),
      CommandSpec(
        "run", family: .session, summary: "run the next command of this section's worked example",
        action: run),
      CommandSpec(
        "reset", family: .session, summary: "start the world over with the lesson's seed",
        action: reset),
      CommandSpec(
        "status", family: .session, summary: "where you are and what is done", action: status),
    ])

  static func library(_ s: ShellSession, _ column: Int) throws(ShellError) -> LessonLibrary {
    guard let lib = s.library else {
      throw ShellError("no lessons found: run distlab from the project folder or set DISTLAB_LESSONS", column: column)
    }
    return lib
  }

  static func current(_ s: ShellSession, _ column: Int) throws(ShellError) -> (Lesson, Int) {
    let lib = try library(s, column)
    guard let id = s.progress.current, let lesson = lib.lesson(id) else {
      throw ShellError("no lesson is open: 'lesson list' shows them, 'lesson start ID' opens one", column: column)
    }
    let index = min(max(0, s.progress.lessons[id]?.section ?? 0), max(0, lesson.sections.count - 1))
    return (lesson, index)
  }

  static func save(_ s: ShellSession, _ column: Int) throws(ShellError) {
    do {
      s.progress = try s.progress.save(s.progressPath)
    } catch {
      throw ShellError("progress not saved: \(error.reason)", column: column)
    }
  }

  static func list(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let lib = try library(s, inv.column)
    let rows = lib.lessons.map { l in
      LessonRow(
        id: l.id, title: l.title, time: l.time, exercises: l.exercises.count,
        completed: s.progress.lessons[l.id]?.completed.count ?? 0, current: s.progress.current == l.id)
    }
    return .lesson(.list(rows, problems: lib.problems))
  }

  static func view(_ s: ShellSession, _ lesson: Lesson, _ index: Int, opening: Bool) -> CommandResult {
    let entry = s.progress.lessons[lesson.id] ?? LessonProgress.Entry()
    let section = lesson.sections[index]
    return .lesson(
      .section(
        LessonSectionView(
          lessonID: lesson.id, lessonTitle: lesson.title, objectives: opening ? lesson.objectives : [],
          time: lesson.time,
          index: index, count: lesson.sections.count, section: section,
          hintsShown: section.exercise.map { min(entry.hintsShown[$0.id] ?? 0, $0.hints.count) } ?? 0,
          completed: section.exercise.map { entry.completed.contains($0.id) } ?? false,
          seed: opening ? lesson.seed : nil)))
  }

  static func start(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let lib = try library(s, inv.column)
    let t = inv.positional[0]
    guard let lesson = lib.lesson(t.text) ?? lib.lessons.first(where: { $0.file.hasSuffix("/\(t.text).md") }) else {
      let ids = lib.lessons.map(\.id)
      throw ShellError(
        "no lesson '\(t.text)'\(Suggest.hint(for: t.text, in: ids)) (lessons: \(ids.joined(separator: ", ")))",
        column: t.column)
    }
    guard !lesson.sections.isEmpty else { throw ShellError("lesson '\(lesson.id)' has no sections", column: t.column) }
    s.world.reseed(lesson.seed)
    s.progress.current = lesson.id
    if s.progress.lessons[lesson.id] == nil { s.progress.lessons[lesson.id] = LessonProgress.Entry() }
    s.progress.lessons[lesson.id]?.section = 0
    s.exampleCursor = ExampleCursor()
    try save(s, inv.column)
    return view(s, lesson, 0, opening: true)
  }

  static func move(_ inv: Invocation, _ s: ShellSession, by delta: Int) throws(ShellError) -> CommandResult {
    let (lesson, index) = try current(s, inv.column)
    let next = index + delta
    guard next >= 0 else { throw ShellError("this is the lesson's first section", column: inv.column) }
    guard next < lesson.sections.count else {
      throw ShellError("this is the lesson's last section; 'lesson list' shows what comes next", column: inv.column)
    }
    if delta != 0 {
      s.progress.lessons[lesson.id, default: LessonProgress.Entry()].section = next
      try save(s, inv.column)
    }
    return view(s, lesson, next, opening: false)
  }

  static func exercise(_ s: ShellSession, _ column: Int) throws(ShellError) -> (Lesson, Exercise) {
    let (lesson, index) = try current(s, column)
    guard let ex = lesson.sections[index].exercise else {
      let later = lesson.sections[index...].firstIndex { $0.exercise != nil }
      let place = later.map { " (the next one is in section \($0 + 1): 'lesson next')" } ?? ""
      throw ShellError("this section has no exercise\(place)", column: column)
    }
    return (lesson, ex)
  }

  static func hint(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let (lesson, ex) = try exercise(s, inv.column)
    let shown = min(max(0, s.progress.lessons[lesson.id]?.hintsShown[ex.id] ?? 0), ex.hints.count)
    let rung = max(1, min(shown + 1, ex.hints.count))
    s.progress.lessons[lesson.id, default: LessonProgress.Entry()].hintsShown[ex.id] = rung
    try save(s, inv.column)
    return .lesson(.hint(exercise: ex.id, text: ex.hints[rung - 1], rung: rung, of: ex.hints.count))
  }

  static func check(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let (lesson, ex) = try exercise(s, inv.column)
    let results = CheckRunner.evaluate(ex.visibleChecks, in: s)
    let passed = results.allSatisfy(\.held)
    if passed, !(s.progress.lessons[lesson.id]?.completed.contains(ex.id) ?? false) {
      s.progress.lessons[lesson.id, default: LessonProgress.Entry()].completed.append(ex.id)
      try save(s, inv.column)
    }
    return .lesson(.check(exercise: ex.id, results: results, hidden: ex.checks.count - ex.visibleChecks.count))
  }

  static func run(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let (lesson, index) = try current(s, inv.column)
    let steps = lesson.sections[index].examples.flatMap { ex in
      ex.transcript.entries.compactMap { e -> (String, [String])? in
        if case .command(let input, let output, _) = e { return (input, output) }
        return nil
      }
    }
    guard !steps.isEmpty else {
      throw ShellError("this section has no worked example to run", column: inv.column)
    }
    var prepared = 0
    if s.exampleCursor.lesson != lesson.id || s.exampleCursor.section != index {
      s.exampleCursor = ExampleCursor(lesson: lesson.id, section: index, step: 0)
      prepared = prepare(s, lesson, upTo: index)
    }
    guard s.exampleCursor.step < steps.count else {
      throw ShellError("the worked example is done; go on with your own commands or 'lesson next'", column: inv.column)
    }
    let (input, expected) = steps[s.exampleCursor.step]
    s.exampleCursor.step += 1
    let outcome = s.run(input)
    let actual = outcome.text.strippingANSI.isEmpty ? [] : outcome.text.strippingANSI.components(separatedBy: "\n")
    return .lesson(
      .ran(
        input: input, output: outcome.text, matched: OutputMatcher.matches(expected: expected, actual: actual),
        expected: expected,
        step: s.exampleCursor.step, of: steps.count, prepared: prepared))
  }

  /// Sets the world to where the lesson stands before section `index`: the lesson's seed and
  /// every earlier worked example's commands, run quietly. Returns how many commands ran.
  static func prepare(_ s: ShellSession, _ lesson: Lesson, upTo index: Int) -> Int {
    s.world.reseed(lesson.seed)
    var count = 0
    for section in lesson.sections[..<index] {
      for example in section.examples {
        for case .command(let input, _, _) in example.transcript.entries {
          _ = s.run(input)
          count += 1
        }
      }
    }
    return count
  }

  static func reset(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let (lesson, _) = try current(s, inv.column)
    s.world.reseed(lesson.seed)
    s.exampleCursor = ExampleCursor()
    return .lesson(.reset(lesson: lesson.id, seed: lesson.seed))
  }

  static func status(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let (lesson, index) = try current(s, inv.column)
    let entry = s.progress.lessons[lesson.id] ?? LessonProgress.Entry()
    let rows = lesson.exercises.map { ex in
      ExerciseStatus(
        id: ex.id, title: ex.title, points: ex.points, done: entry.completed.contains(ex.id),
        hintsShown: min(entry.hintsShown[ex.id] ?? 0, ex.hints.count), hints: ex.hints.count)
    }
    return .lesson(
      .status(lesson: lesson.id, title: lesson.title, section: index, sections: lesson.sections.count, exercises: rows))
  }
}

/// Evaluates check lines against a session, each on its own.
enum CheckRunner {
  static func evaluate(_ checks: [Check], in s: ShellSession) -> [CheckResult] {
    checks.map { c in
      do throws(ShellError) {
        let tokens = try Lexer.tokenize(c.expectation)
        let e = try ExpectationParser.parse(Array(tokens.dropFirst()))
        let o = try ExpectationEvaluator(session: s).evaluate(
          e, text: c.expectation.dropFirst("expect ".count).trimmed(" "))
        return CheckResult(check: c, held: o.held, found: o.found, unanswerable: false)
      } catch {
        return CheckResult(check: c, held: false, found: error.message, unanswerable: true)
      }
    }
  }
}
