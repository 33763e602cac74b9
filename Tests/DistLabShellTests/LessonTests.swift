import DistLab
import Foundation
import XCTest

@testable import DistLabShell

/// Lessons load, their worked examples replay, a broken example is caught with file and
/// line, and the shell's lesson commands work with saved progress.
final class LessonTests: XCTestCase {
  let lessons = repositoryRoot.appendingPathComponent("Lessons").path

  func testEveryLessonLoadsAndItsExamplesReplay() throws {
    let library = LessonLibrary.load(lessons)
    XCTAssertEqual(library.problems, [])
    XCTAssertGreaterThanOrEqual(library.lessons.count, 1)
    for lesson in library.lessons {
      XCTAssertFalse(lesson.examples.isEmpty, "\(lesson.file) has no worked example")
      XCTAssertGreaterThanOrEqual(lesson.exercises.count, 2, "\(lesson.file) needs at least two exercises")
      for ex in lesson.exercises {
        XCTAssertGreaterThanOrEqual(ex.hints.count, 2, "\(lesson.file): \(ex.id) needs a hint ladder")
      }
    }
    // Each lesson replays in a world of its own: half of them on each of two threads.
    let lessons = library.lessons
    let failed = Locked<[String]>([])
    let done = DispatchGroup()
    for half in 0..<2 {
      done.enter()
      let thread = Thread {
        for i in stride(from: half, to: lessons.count, by: 2) {
          let result = LessonReplayer.replay(lessons[i])
          if !result.passed { failed.withLock { $0.append(result.report) } }
        }
        done.leave()
      }
      thread.stackSize = 16 << 20
      thread.start()
    }
    done.wait()
    for report in failed.withLock({ $0 }) { XCTFail(report) }
  }

  /// Every exercise is solved by its reference solution, and no exercise passes in an empty world.
  /// A lesson never promises a lesson that does not ship: every "lesson NN" a lesson, the
  /// README or the docs mention names a file in Lessons/.
  func testEveryLessonReferredToShips() throws {
    let shipped = Set(
      try FileManager.default.contentsOfDirectory(atPath: lessons).filter { $0.hasSuffix(".md") }.map {
        String($0.prefix(2))
      })
    XCTAssertGreaterThanOrEqual(shipped.count, 4)
    let docs = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("docs").path)
    let files =
      try FileManager.default.contentsOfDirectory(atPath: lessons).map { "Lessons/" + $0 } + ["README.md"]
      + docs.map { "docs/" + $0 }
    let reference = try NSRegularExpression(pattern: #"\b[Ll]essons? ([0-9]{2})\b"#)
    for file in files where file.hasSuffix(".md") {
      let text = try String(contentsOf: repositoryRoot.appendingPathComponent(file), encoding: .utf8)
      for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let l = String(line)
        for m in reference.matches(in: l, range: NSRange(l.startIndex..., in: l)) {
          guard let r = Range(m.range(at: 1), in: l) else { continue }
          XCTAssertTrue(
            shipped.contains(String(l[r])), "\(file):\(n + 1) refers to lesson \(l[r]), which does not ship")
        }
      }
    }
  }

  func testReferenceSolutionsPassAndEmptyWorldsFail() throws {
    let library = LessonLibrary.load(lessons)
    let solutions = repositoryRoot.appendingPathComponent("Tests/Fixtures/solutions").path
    let results = Grader.grade(library, solutions: solutions, limits: GradeLimits())
    for r in results { XCTAssertEqual(r.status, .passed, "\(r.lesson)/\(r.exercise): \(r.message)") }
    let empty = FileManager.default.temporaryDirectory.appendingPathComponent("distlab-empty-\(UUID().uuidString)")
    for lesson in library.lessons {
      let dir = empty.appendingPathComponent(lesson.id)
      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
      for ex in lesson.exercises {
        try "# nothing\n".write(to: dir.appendingPathComponent("\(ex.id).distlab"), atomically: true, encoding: .utf8)
      }
    }
    defer { try? FileManager.default.removeItem(at: empty) }
    for r in Grader.grade(library, solutions: empty.path, limits: GradeLimits()) {
      XCTAssertNotEqual(r.status, .passed, "\(r.lesson)/\(r.exercise) passes in an empty world")
    }
  }

  /// The two-down exercise is graded on the world's truth: a solution that kills the nodes but
  /// never repairs fails, even though its client, never having asked, believes all is well.
  func testTwoDownFailsWithoutARepair() throws {
    let library = LessonLibrary.load(lessons)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("distlab-norepair-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder.appendingPathComponent("06"), withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try "spawn 6\nshard use ring --replicas 3\nshard load 3000\nkill n2,n5\n".write(
      to: folder.appendingPathComponent("06/two-down.distlab"), atomically: true, encoding: .utf8)
    let results = Grader.grade(library, solutions: folder.path, limits: GradeLimits())
    let twoDown = try XCTUnwrap(results.first { $0.exercise == "two-down" })
    XCTAssertEqual(twoDown.status, .failed, twoDown.message)
    XCTAssertTrue(twoDown.message.contains("shard.under"), twoDown.message)
  }

  /// Lesson 04's exercises refuse the answers that miss the point: round robin where the
  /// balancer matters, a fourth server where three were allowed, restarting the lost server,
  /// and a throttle that starves the noisy tenant.
  func testServiceExercisesRefuseTheNaiveAnswers() throws {
    let attempts: [(String, String)] = [
      ("meet-an-sla", "service start --servers 3 --service-time 10ms\nservice load --rate 180 --for 30s\n"),
      (
        "meet-an-sla",
        "service start --servers 4 --service-time 10ms\nservice load --rate 180 --for 30s --balancer least-outstanding\n"
      ),
      (
        "crash-behind-the-balancer",
        "service start --servers 2 --service-time 10ms\nkill srv2\nrestart srv2\nservice load --rate 120 --for 30s\n"
      ),
      (
        "noisy-neighbour",
        "service start --servers 2 --service-time 5ms --gateway\nservice tenant alice\nservice tenant bob\n"
          + "service quota bob --rate 50\nservice load --mix alice:20,bob:370 --for 20s\n"
      ),
    ]
    try assertFail("04", attempts)
  }

  /// Lesson 10's exercises refuse the answers that miss the point: one rack, two DataNodes lost
  /// at once with two replicas, a checkpoint taken before the last write, a lost TaskTracker
  /// left for the default ten minutes, a text in one 128 MB block, a job of sizes instead of a
  /// word count, speculation turned off, and a straggler resumed instead of rescued.
  func testHDFSExercisesRefuseTheNaiveAnswers() throws {
    try assertFail(
      "10",
      [
        ("lose-a-rack", "hdfs start --datanodes 6\nhdfs put /big 1GB\nkill dn1,dn3,dn5\nhdfs cat /big\n"),
        (
          "two-in-a-row",
          "hdfs start --datanodes 4 --heartbeat 1s --recheck 15s\nhdfs put /important 1GB --replication 2\n"
            + "kill dn1,dn2\nadvance 140s\n"
        ),
        (
          "keep-the-namespace",
          "hdfs start\nhdfs put /a 200MB\nhdfs checkpoint\nhdfs put /b 100MB\nkill nn --wipe\nrestart nn\n"
            + "hdfs recover\nadvance 45s\n"
        ),
        (
          "job-survives",
          "hdfs start --mapreduce\nhdfs put /in 1GB\nmr run /in --output /out\nadvance 3s\nkill dn1\nadvance 2m\n"
        ),
        (
          "count-the-fallacies",
          "hdfs start --mapreduce\nhdfs put /f --from texts/fallacies.txt\n"
            + "mr run /f --output /w --program wordcount --reducers 3\nadvance 10s\n"
        ),
        (
          "count-the-fallacies",
          "hdfs start --mapreduce --block-size 1KB\nhdfs put /f 9KB\nmr run /f --output /w --reducers 3\nadvance 10s\n"
        ),
        (
          "rescue-a-straggler",
          "hdfs start --mapreduce\nhdfs put /in 1GB\nmr run /in --output /out --no-speculative\nadvance 2s\n"
            + "pause dn1\nadvance 2m\n"
        ),
        (
          "rescue-a-straggler",
          "hdfs start --mapreduce\nhdfs put /in 1GB\nmr run /in --output /out\nadvance 2s\npause dn1\nadvance 30s\n"
            + "resume dn1\nadvance 1m\n"
        ),
      ])
  }

  /// Grades each attempt alone and requires that it does not pass.
  func assertFail(_ lessonID: String, _ attempts: [(String, String)]) throws {
    let library = LessonLibrary.load(lessons)
    for (exercise, text) in attempts {
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "distlab-\(lessonID)-\(UUID().uuidString)")
      try FileManager.default.createDirectory(
        at: folder.appendingPathComponent(lessonID), withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: folder) }
      try text.write(
        to: folder.appendingPathComponent("\(lessonID)/\(exercise).distlab"), atomically: true, encoding: .utf8)
      let results = Grader.grade(library, solutions: folder.path, limits: GradeLimits())
      let r = try XCTUnwrap(results.first { $0.exercise == exercise })
      XCTAssertEqual(r.status, .failed, "\(exercise) passes with: \(text)")
    }
  }

  /// A lesson whose example was deliberately broken fails with a diff naming its file and line.
  func testABrokenExampleIsReportedWithFileAndLine() throws {
    let file = repositoryRoot.appendingPathComponent("Lessons/01-nodes-and-messages.md").path
    var lines = try ScriptFile.lines(file)
    guard let i = lines.firstIndex(of: "spawned n1..n3") else { return XCTFail("the lesson changed: update this test") }
    lines[i] = "spawned n1..n4"
    let broken = FileManager.default.temporaryDirectory.appendingPathComponent("01-broken-\(UUID().uuidString).md").path
    try lines.joined(separator: "\n").write(toFile: broken, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: broken) }
    let result = LessonReplayer.replay(try LessonParser.load(broken))
    XCTAssertFalse(result.passed)
    let fence = (lines[..<i].lastIndex { $0 == "```distlab" } ?? 0) + 1
    XCTAssertTrue(result.report.hasPrefix("\(broken):\(fence): the worked example differs\n"), result.report)
    XCTAssertTrue(result.report.contains("-spawned n1..n4\n+spawned n1..n3"), result.report)
  }

  /// A lesson id names a solutions folder, so it cannot climb out of one; two lessons with
  /// one id are an error, not double points; a lesson saved with CRLF and a BOM loads.
  func testLessonIdsAreCheckedAndCRLFAndABOMAreAccepted() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ids-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let source = try String(contentsOfFile: lessons + "/01-nodes-and-messages.md", encoding: .utf8)
    func lesson(_ name: String, _ text: String) throws {
      try text.write(toFile: folder + "/" + name, atomically: false, encoding: .utf8)
    }
    try lesson("a.md", source)
    try lesson("b.md", source)
    try lesson("c.md", source.replacingOccurrences(of: "\nid: 01\n", with: "\nid: ../../etc\n"))
    try lesson(
      "d.md",
      "\u{FEFF}"
        + source.replacingOccurrences(of: "\nid: 01\n", with: "\nid: crlf\n")
        .replacingOccurrences(of: "\n", with: "\r\n"))
    let library = LessonLibrary.load(folder)
    XCTAssertEqual(library.lessons.map(\.id), ["01", "crlf"])
    XCTAssertEqual(library.lessons.last?.exercises.count, library.lessons.first?.exercises.count)
    XCTAssertEqual(library.problems.count, 2, library.problems.joined(separator: "\n"))
    XCTAssertTrue(library.problems.contains { $0.hasPrefix(folder + "/b.md: lesson id '01' is already ") })
    XCTAssertTrue(
      library.problems.contains {
        $0.hasPrefix(folder + "/c.md:") && $0.contains("'../../etc' is not a usable lesson id")
      })
  }

  func testMalformedLessonsNameTheLine() {
    func problem(_ text: String) -> String {
      do {
        _ = try LessonParser.parse(text.components(separatedBy: "\n"), file: "x.md")
        return "parsed"
      } catch {
        return error.reason
      }
    }
    let head = "---\nid: 9\ntitle: T\nobjectives:\n  - o\ntime: 1 min\n---\n"
    XCTAssertEqual(problem("# no front matter"), "x.md:1: a lesson starts with front matter: a line '---'")
    XCTAssertEqual(problem("---\nid: 9\n"), "x.md:1: the front matter has no closing '---'")
    XCTAssertEqual(
      problem("---\nid: 9\ntitle: T\ntime: 1\n---\n"),
      "x.md:1: the front matter needs 'objectives:' with at least one '- item'")
    XCTAssertEqual(
      problem(head + "## A\n```distlab\nspawn 1\n```\n"),
      "x.md:9: worked example: line 1: output before the first 'distlab> ' line (count from the fence)")
    XCTAssertEqual(problem(head + "## A\n```distlab\ndistlab> spawn 1\n"), "x.md:9: the ``` block is never closed")
    XCTAssertEqual(problem(head + "## A\n<!-- exercise points=2 -->\n"), "x.md:9: the exercise marker needs id=ID")
    XCTAssertEqual(
      problem(head + "## A\n<!-- exercise id=a -->\n```check\nexpect value = 3\n```\n"),
      "x.md:11: unknown operator '=' (use == != < <= > >=)")
    XCTAssertEqual(
      problem(head + "## A\n<!-- exercise id=a -->\n```check\nrpc n1 add\n```\n"),
      "x.md:11: a check line starts with 'expect', not 'rpc n1 add'")
    XCTAssertEqual(
      problem(head + "## A\n<!-- exercise id=a -->\n```check\nexpect nodes == 1\n```\n"),
      "x.md:9: exercise 'a' has no hint (<details><summary>Hint</summary>)")
    XCTAssertEqual(
      problem(head + "## A\n```distlab\ndistlab> x\n{any order}\n```\n"), "x.md:11: {any order} without {end}")
  }

  func testLessonCommandsInTheShellSaveProgress() throws {
    let progress = FileManager.default.temporaryDirectory.appendingPathComponent(
      "distlab-progress-\(UUID().uuidString).json"
    ).path
    defer { try? FileManager.default.removeItem(atPath: progress) }
    let s = ShellSession()
    s.lessonDirectory = lessons
    s.progressPath = progress
    XCTAssertTrue(s.run("lesson list").text.contains("Nodes and messages"))
    XCTAssertEqual(s.run("lesson hint").status, .error)
    let opened = s.run("lesson start 01")
    XCTAssertEqual(opened.status, .ok, opened.text)
    XCTAssertTrue(opened.text.hasPrefix("Lesson 01: Nodes and messages"), opened.text)
    XCTAssertEqual(s.run("lesson prev").status, .error)
    var section = 0
    while !s.run("lesson show").text.contains("exercise reorder") {
      XCTAssertEqual(s.run("lesson next").status, .ok)
      section += 1
      XCTAssertLessThan(section, 20)
    }
    let first = s.run("lesson hint").text
    XCTAssertTrue(first.hasPrefix("Hint 1 of 3 for reorder"), first)
    XCTAssertTrue(s.run("lesson hint").text.hasPrefix("Hint 2 of 3"))
    XCTAssertTrue(s.run("lesson check").text.contains("do not hold yet"))
    runOK(s, ["spawn 2", "net latency uniform 10ms 9ms", "send n1 n2 a b c d e f"])
    let checked = s.run("lesson check")
    XCTAssertTrue(checked.text.contains("reorder: every check holds."), checked.text)
    XCTAssertTrue(checked.text.contains("(1 more check is kept for grading.)"), checked.text)
    let saved = LessonProgress.load(progress).progress
    XCTAssertEqual(saved.current, "01")
    XCTAssertEqual(saved.lessons["01"]?.completed, ["reorder"])
    XCTAssertEqual(saved.lessons["01"]?.hintsShown["reorder"], 2)
    let again = ShellSession()
    again.lessonDirectory = lessons
    again.progressPath = progress
    XCTAssertTrue(again.run("lesson status").text.contains("✓  reorder"), again.run("lesson status").text)
    let list = again.run("lesson list").text
    XCTAssertTrue(list.split(separator: "\n").contains { $0.hasPrefix("▶") && $0.contains("01 ") }, list)
  }

  /// The lesson you are in and a lesson whose exercises are all done are told apart, and a
  /// lesson can be both.
  func testLessonListMarksTheCurrentAndTheFinishedLessons() {
    let rows = [
      LessonRow(id: "01", title: "one", time: "15 min", exercises: 2, completed: 2, current: true),
      LessonRow(id: "02", title: "two", time: "20 min", exercises: 3, completed: 3, current: false),
      LessonRow(id: "03", title: "three", time: "20 min", exercises: 3, completed: 1, current: false),
    ]
    let lines = LessonRenderer(style: .plain).render(.list(rows, problems: [])).split(separator: "\n").map(String.init)
    XCTAssertTrue(lines[1].hasPrefix("▶  ✓  01"), lines[1])
    XCTAssertTrue(lines[2].hasPrefix("   ✓  02"), lines[2])
    XCTAssertTrue(lines[3].hasPrefix("      03"), lines[3])
  }

  func testLessonRunStepsThroughTheExample() {
    let s = ShellSession()
    s.lessonDirectory = lessons
    runOK(s, ["lesson start 01", "lesson next"])
    let step = s.run("lesson run").text
    XCTAssertTrue(
      step.hasPrefix("(the world starts over with the lesson's seed)\n[1/2] distlab> spawn 3\nspawned n1..n3"), step)
    runOK(s, ["lesson next"])
    let later = s.run("lesson run").text
    XCTAssertTrue(
      later.hasPrefix(
        "(the world starts over with the lesson's seed and the 2 commands of the earlier examples)\n[1/3] distlab> send n1 n2 hello\nm1 n1 → n2 hello  arrived at 0.001s after 1ms"
      ), later)
    runOK(s, ["lesson prev"])
    _ = s.run("lesson run")
    XCTAssertTrue(s.run("lesson run").text.contains("end of the worked example"))
    XCTAssertEqual(s.run("lesson run").status, .error)
  }
}

/// Starting or resetting a lesson starts the world over, and with it what `expect` reads.
final class LessonResetTests: XCTestCase {
  func testLessonStartAndResetForgetTheLastResult() throws {
    for command in ["lesson start 01", "lesson reset"] {
      let s = ShellSession()
      s.lessonDirectory = repositoryRoot.appendingPathComponent("Lessons").path
      if command == "lesson reset" { runOK(s, ["lesson start 01"]) }
      runOK(s, ["spawn 2", "rpc n1 add 1 2", "send n1 n2 hi"])
      XCTAssertEqual(s.run("expect value == 3").status, .ok, "the control")
      runOK(s, [command])
      let out = s.run("expect value == 3")
      XCTAssertEqual(out.status, .error, command)
      XCTAssertEqual(out.text, "error: 'value' reads the last 'rpc' or 'kv', and there has been none", command)
      XCTAssertEqual(s.run("expect delivered == 1").status, .error, command)
    }
  }
}

/// Lesson prose is reflowed; tables and formulas set as indented blocks keep their lines.
final class LessonTextTests: XCTestCase {
  func testIndentedBlocksKeepTheirLines() throws {
    let lines = try ScriptFile.lines(repositoryRoot.appendingPathComponent("Lessons/03-physics.md").path)
    let out = MarkdownText(style: .plain).render(lines)
    for row in [
      "    P(at least one of N nodes is down) = 1 − (1 − p)^N",
      "      N   1 − 0.95^N   held in 1,000 seeds",
      "     10      40.1%           38.5%",
      "        N   messages in one round",
      "    1,000                 999,000",
    ] {
      XCTAssertTrue(out.contains(row), "'\(row)' was reflowed")
    }
  }

  /// Numbers a student copies from a lesson are typed as the shell reads them, and a number
  /// set with the typographic minus is read as a number too.
  func testNumbersInLessonsAndTheTypographicMinus() throws {
    for name in try FileManager.default.contentsOfDirectory(
      atPath: repositoryRoot.appendingPathComponent("Lessons").path) where name.hasSuffix(".md")
    {
      let text = try String(
        contentsOf: repositoryRoot.appendingPathComponent("Lessons/\(name)"), encoding: .utf8)
      for line in text.split(separator: "\n") where line.contains("net region") || line.contains("longitude") {
        XCTAssertNil(line.range(of: #"−[0-9]"#, options: .regularExpression), "\(name): \(line)")
      }
    }
    let s = ShellSession()
    runOK(s, ["net region antipode \u{2212}53.35 173.74"])
    XCTAssertEqual(try Lexer.tokenize("net region x \u{2212}6.26 1").map(\.text)[3], "-6.26")
  }
}

/// A student reads every section of every lesson in the shell: at 80 and at 120 columns, no
/// line of it is wider than the terminal.
final class LessonWidthTests: XCTestCase {
  func testEverySectionFitsTheTerminal() throws {
    let library = LessonLibrary.load(repositoryRoot.appendingPathComponent("Lessons").path)
    XCTAssertGreaterThanOrEqual(library.lessons.count, 4)
    for columns in [80, 120] {
      let style = Style(colour: false, columns: columns)
      for lesson in library.lessons {
        for (i, section) in lesson.sections.enumerated() {
          let view = LessonSectionView(
            lessonID: lesson.id, lessonTitle: lesson.title, objectives: lesson.objectives, time: lesson.time, index: i,
            count: lesson.sections.count, section: section, hintsShown: 0, completed: false,
            seed: i == 0 ? lesson.seed : nil)
          let text = Fit.text(LessonRenderer(style: style).render(.section(view)), columns: columns)
          for line in text.split(separator: "\n") {
            XCTAssertLessThanOrEqual(
              TextWidth.of(String(line)), columns, "\(lesson.id) section \(i + 1) at \(columns): \(line)")
          }
        }
      }
    }
  }
}
