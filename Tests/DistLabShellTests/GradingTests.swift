import DistLab
import Foundation
import XCTest

@testable import DistLabShell

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Grading: solutions run in fresh worlds under limits; reports are well-formed.
final class GradingTests: XCTestCase {
  var dir: URL!

  override func setUpWithError() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("distlab-grade-\(UUID().uuidString)")
    try FileManager.default.createDirectory(
      at: dir.appendingPathComponent("lessons"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(
      at: dir.appendingPathComponent("solutions/90"), withIntermediateDirectories: true)
    try Self.lesson.write(to: dir.appendingPathComponent("lessons/90-test.md"), atomically: true, encoding: .utf8)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

  static let lesson = """
    ---
    id: 90
    title: A lesson for the grader
    objectives:
      - be graded
    time: 1 min
    seed: 4
    ---

    ## Sum
    <!-- exercise id=sum points=3 -->
    Ask n2 for 10 + 20.
    <details><summary>Hint</summary>
    Use rpc and add.
    </details>
    ```check
    expect value == 30
    ```
    ```check hidden
    expect nodes >= 2
    ```

    ## Kill
    <!-- exercise id=kill -->
    Kill a node.
    <details><summary>Hint</summary>
    kill
    </details>
    ```check
    expect nodes.down == 1
    ```

    ## Spin
    <!-- exercise id=spin -->
    Anything.
    <details><summary>Hint</summary>
    x
    </details>
    ```check
    expect nodes >= 1
    ```

    ## Many
    <!-- exercise id=many -->
    Anything.
    <details><summary>Hint</summary>
    y
    </details>
    ```check
    expect nodes >= 1
    ```

    ## Typo
    <!-- exercise id=typo -->
    Anything.
    <details><summary>Hint</summary>
    z
    </details>
    ```check
    expect nodes >= 1
    ```

    """

  func solve(_ id: String, _ text: String) throws {
    try text.write(to: dir.appendingPathComponent("solutions/90/\(id).distlab"), atomically: true, encoding: .utf8)
  }

  func grade(wall: Double = 2) -> [GradeResult] {
    var limits = GradeLimits()
    limits.wallSeconds = wall
    limits.virtualTime = .seconds(60)
    return Grader.grade(
      LessonLibrary.load(dir.appendingPathComponent("lessons").path),
      solutions: dir.appendingPathComponent("solutions").path, limits: limits)
  }

  /// A solution that runs forever, one that spawns past the cap and one with a syntax error
  /// each fail their own exercise within the limit; the others are still graded.
  func testBadSolutionsFailAloneAndQuickly() throws {
    try solve("sum", "spawn 2\nrpc n2 add 10 20\n")
    try solve("kill", "spawn 3\nkill n1\n")
    try solve("spin", "mode live\nspawn 1\nadvance 24h\n")
    try solve("many", "spawn 100000\n")
    try solve("typo", "spawn 2\nrpc n2 add 1 2 --timout 1s\n")
    let started = Date()
    let results = grade(wall: 1)
    XCTAssertLessThan(Date().timeIntervalSince(started), 8)
    let byID = Dictionary(uniqueKeysWithValues: results.map { ($0.exercise, $0) })
    XCTAssertEqual(byID["sum"]?.status, .passed)
    XCTAssertEqual(byID["sum"]?.points, 3)
    XCTAssertEqual(byID["kill"]?.status, .passed)
    XCTAssertEqual(byID["spin"]?.status, .timeout)
    XCTAssertEqual(byID["many"]?.status, .error)
    XCTAssertTrue(byID["many"]?.message.contains("over the cap") ?? false, byID["many"]?.message ?? "")
    XCTAssertEqual(byID["typo"]?.status, .error)
    XCTAssertTrue(byID["typo"]?.message.contains("90/typo.distlab:2:") ?? false, byID["typo"]?.message ?? "")
  }

  /// A prediction is part of the answer: a solution whose own `expect` does not hold fails,
  /// even when the exercise's checks hold; one whose expectations hold passes.
  func testASolutionsOwnFailingExpectationFailsIt() throws {
    try solve("sum", "spawn 2\nrpc n2 add 10 20\nexpect stats.sent == 1000\n")
    try solve("kill", "spawn 3\nkill n1\nexpect nodes.down == 1\n")
    let results = grade()
    let sum = try XCTUnwrap(results.first { $0.exercise == "sum" })
    XCTAssertEqual(sum.status, .failed)
    XCTAssertEqual(sum.points, 0)
    XCTAssertTrue(
      sum.message.contains("sum.distlab:3: ✗ expected stats.sent == 1000, found stats.sent = 2"), sum.message)
    XCTAssertEqual(results.first { $0.exercise == "kill" }?.status, .passed)
  }

  /// Solutions run sandboxed: `source` only inside the solutions folder (links followed), no
  /// `record` or `lesson`, and output is bounded; each breach is that exercise's error, naming
  /// the rule, and nothing of the host's files reaches the report.
  func testSolutionsRunSandboxed() throws {
    try "spawn 2\n".write(
      to: dir.appendingPathComponent("solutions/90/setup.distlab"), atomically: true, encoding: .utf8)
    try FileManager.default.createSymbolicLink(
      atPath: dir.appendingPathComponent("solutions/90/passwd.distlab").path, withDestinationPath: "/etc/passwd")
    try solve("sum", "source setup.distlab\nrpc n2 add 10 20\n")
    try solve("kill", "source /etc/passwd\n")
    try solve("spin", "source passwd.distlab\n")
    try solve("many", "spawn 1\nrecord \(dir.appendingPathComponent("out.transcript").path)\n")
    try solve("typo", String(repeating: "help\n", count: 600))
    let results = Dictionary(uniqueKeysWithValues: grade(wall: 5).map { ($0.exercise, $0) })
    XCTAssertEqual(results["sum"]?.status, .passed, "a file inside the folder may be sourced")
    for id in ["kill", "spin"] {
      XCTAssertEqual(results[id]?.status, .error, id)
      XCTAssertTrue(results[id]?.message.contains("may source only files in its solutions folder") ?? false, "\(id)")
      XCTAssertFalse(results[id]?.message.contains("root:") ?? true, "the host file leaked into the report")
    }
    XCTAssertEqual(results["many"]?.status, .error)
    XCTAssertTrue(results["many"]?.message.contains("may not use 'record'") ?? false, results["many"]?.message ?? "")
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.transcript").path))
    XCTAssertEqual(results["typo"]?.status, .error)
    XCTAssertTrue(results["typo"]?.message.contains("printed more than 1000000 characters") ?? false)
  }

  /// A misnamed solution is found and named; a file that matches no exercise is listed.
  func testMisnamedAndStrayFilesAreReported() throws {
    try "spawn 2\nrpc n2 add 10 20\n".write(
      to: dir.appendingPathComponent("solutions/90/Sum.distlab"), atomically: true, encoding: .utf8)
    try "spawn 3\nkill n1\n".write(
      to: dir.appendingPathComponent("solutions/90/kil_l.distlab"), atomically: true, encoding: .utf8)
    try "notes".write(to: dir.appendingPathComponent("solutions/90/notes.txt"), atomically: true, encoding: .utf8)
    let results = Dictionary(uniqueKeysWithValues: grade().map { ($0.exercise, $0) })
    XCTAssertEqual(results["sum"]?.status, .missing)
    XCTAssertTrue(
      results["sum"]?.message.hasSuffix("found Sum.distlab — did you mean it? (name it sum.distlab)") ?? false,
      results["sum"]?.message ?? "")
    XCTAssertTrue(results["kill"]?.message.contains("found kil_l.distlab — did you mean it?") ?? false)
    XCTAssertFalse(results["spin"]?.message.contains("did you mean") ?? true, "nothing close: no guess")
    let library = LessonLibrary.load(dir.appendingPathComponent("lessons").path)
    XCTAssertEqual(
      SolutionFiles.unmatched(library, solutions: dir.appendingPathComponent("solutions").path),
      ["90/Sum.distlab", "90/kil_l.distlab", "90/notes.txt"])
  }

  /// Graded checks can live in a checks file the students never see; a student's report
  /// counts hidden checks but never shows their text, while the teacher's shows everything.
  func testHiddenChecksFromAFileAndAStudentReport() throws {
    let checks = dir.appendingPathComponent("checks")
    try FileManager.default.createDirectory(at: checks, withIntermediateDirectories: true)
    try "# graded only\n[kill]\nexpect nodes.down == 2\n".write(
      to: checks.appendingPathComponent("90.checks"), atomically: true, encoding: .utf8)
    try solve("kill", "spawn 3\nkill n1\n")
    let library = try HiddenChecks.add(
      from: checks.path, to: LessonLibrary.load(dir.appendingPathComponent("lessons").path))
    let kill = Grader.grade(
      try XCTUnwrap(library.lesson("90")), try XCTUnwrap(library.lesson("90")?.exercise("kill")),
      solutions: dir.appendingPathComponent("solutions").path, limits: GradeLimits())
    XCTAssertEqual(kill.status, .failed, "the file's hidden check does not hold")
    XCTAssertEqual(kill.message, "1 hidden check failed")
    let teacher = GradeReports.json([kill])
    XCTAssertTrue(teacher.contains("expect nodes.down == 2"), teacher)
    let student = GradeReports.json([kill.forStudents])
    XCTAssertFalse(student.contains("nodes.down == 2"), student)
    XCTAssertTrue(student.contains("hidden check 1"), student)
    for (text, reason) in [
      ("[nope]\nexpect nodes == 1\n", "90.checks:1: lesson 90 has no exercise 'nope'"),
      ("expect nodes == 1\n", "90.checks:1: name the exercise first, as [exercise-id]"),
      ("[sum]\nspawn 3\n", "90.checks:2: a checks file holds only 'expect' lines"),
    ] {
      try text.write(to: checks.appendingPathComponent("90.checks"), atomically: true, encoding: .utf8)
      XCTAssertThrowsError(
        try HiddenChecks.add(from: checks.path, to: LessonLibrary.load(dir.appendingPathComponent("lessons").path))
      ) { error in
        XCTAssertTrue((error as? FileProblem)?.reason.hasSuffix(reason) ?? false, "\(error)")
      }
    }
  }

  /// `grade --time-limit` takes a duration like every other, or plain seconds.
  func testTheTimeLimitTakesUnits() {
    XCTAssertEqual(GradeLimits.wallSeconds(parsing: "2s"), 2)
    XCTAssertEqual(GradeLimits.wallSeconds(parsing: "500ms"), 0.5)
    XCTAssertEqual(GradeLimits.wallSeconds(parsing: "1m"), 60)
    XCTAssertEqual(GradeLimits.wallSeconds(parsing: "10"), 10)
    XCTAssertNil(GradeLimits.wallSeconds(parsing: "ten"))
    XCTAssertNil(GradeLimits.wallSeconds(parsing: "0.000001"), "too short to run anything")
    XCTAssertNil(GradeLimits.wallSeconds(parsing: "2h"), "longer than an hour")
  }

  func testVirtualTimeLimit() throws {
    try solve("spin", "spawn 1\nrpc n1 sleep 100h --timeout 200h\n")
    let r = grade().first { $0.exercise == "spin" }
    XCTAssertEqual(r?.status, .timeout)
    XCTAssertTrue(r?.message.contains("virtual-time") ?? false)
  }

  func testAFailureCarriesExpectedFoundSeedAndHint() throws {
    try solve("sum", "spawn 2\nrpc n2 add 10 21\n")
    let r = grade().first { $0.exercise == "sum" }
    XCTAssertEqual(r?.status, .failed)
    XCTAssertEqual(r?.expected, "value == 30")
    XCTAssertEqual(r?.found, "value = 31")
    XCTAssertEqual(r?.seed, 4)
    XCTAssertEqual(r?.hint, "Use rpc and add.")
    XCTAssertEqual(r?.status, .failed)
    try solve("sum", "spawn 1\nrpc n1 add 10 20\n")
    XCTAssertEqual(grade().first { $0.exercise == "sum" }?.message, "1 hidden check failed")
    XCTAssertEqual(grade().first { $0.exercise == "kill" }?.status, .missing)
  }

  func testJUnitIsWellFormedWithOneTestcasePerExercise() throws {
    try solve("sum", "spawn 2\nrpc n2 add 10 20\n")
    try solve("kill", "spawn 2\nkill n1 # <&> \"quoted\"\n")
    try solve("typo", "bogus & <stuff>\n")
    let xml = GradeReports.junit(grade())
    let counter = ElementCounter()
    let parser = XMLParser(data: Data(xml.utf8))
    parser.delegate = counter
    XCTAssertTrue(parser.parse(), "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")\n\(xml)")
    XCTAssertEqual(counter.counts["testcase"], 5)
    XCTAssertEqual(counter.counts["testsuite"], 1)
    XCTAssertEqual((counter.counts["failure"] ?? 0) + (counter.counts["error"] ?? 0), 3)
  }

  func testTAPIsVersion14() throws {
    try solve("sum", "spawn 2\nrpc n2 add 10 21\n")
    let tap = GradeReports.tap(grade())
    XCTAssertEqual(try TAP14.validate(tap), TAP14.Summary(planned: 5, passed: 0, failed: 5))
    try solve("kill", "spawn 2\nkill n1\n")
    XCTAssertEqual(try TAP14.validate(GradeReports.tap(grade())), TAP14.Summary(planned: 5, passed: 1, failed: 4))
  }

  func testJSONHasPointsPerExercise() throws {
    try solve("sum", "spawn 2\nrpc n2 add 10 20\n")
    let json = GradeReports.json(grade())
    let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    XCTAssertEqual(object?["points"] as? Int, 3)
    XCTAssertEqual(object?["maxPoints"] as? Int, 7)
    let exercises = object?["exercises"] as? [[String: Any]]
    XCTAssertEqual(exercises?.count, 5)
    XCTAssertEqual(exercises?.first?["points"] as? Int, 3)
  }

  /// Grades the fixture course in child processes run through a shell script: `cases` are
  /// `case` arms that misbehave for some exercises; every other exercise runs distlab for real.
  func gradeIsolated(worker cases: String, limits: GradeLimits, grace: Double = 5) throws -> [GradeResult] {
    let worker = dir.appendingPathComponent("worker-\(UUID().uuidString).sh")
    try """
    #!/bin/sh
    case "$*" in
    \(cases)
    esac
    exec "\(CommandLineTests.builtExecutable.path)" "$@"

    """.write(to: worker, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: worker.path)
    var isolated = IsolatedGrader(
      worker: [worker.path], lessons: dir.appendingPathComponent("lessons").path, checks: nil)
    isolated.grace = grace
    return isolated.grade(
      LessonLibrary.load(dir.appendingPathComponent("lessons").path),
      solutions: dir.appendingPathComponent("solutions").path, limits: limits)
  }

  /// Each solution runs in a process of its own: one whose process crashes is that
  /// exercise's error, one that hangs past the limit is killed, and every other exercise is
  /// graded and every report written.
  func testACrashingSolutionIsItsOwnErrorAndGradingGoesOn() throws {
    let distlab = CommandLineTests.builtExecutable
    try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: distlab.path), "no built distlab")
    try solve("sum", "spawn 2\nrpc n2 add 10 20\n")
    try solve("kill", "spawn 3\nkill n1\n")
    try solve("spin", "spawn 1\n")
    try solve("many", "spawn 1\n")
    // A worker that crashes on 'kill' and hangs on 'spin', and grades the rest for real.
    var limits = GradeLimits()
    limits.wallSeconds = 0.5
    let results = try gradeIsolated(
      worker: #"""
          *"--exercise kill"*) kill -SEGV $$ ;;
          *"--exercise spin"*) exec sleep 60 ;;
        """#, limits: limits, grace: 1)
    let byID = Dictionary(uniqueKeysWithValues: results.map { ($0.exercise, $0) })
    XCTAssertEqual(byID["sum"]?.status, .passed, byID["sum"]?.message ?? "")
    XCTAssertEqual(byID["many"]?.status, .passed, byID["many"]?.message ?? "")
    XCTAssertEqual(byID["kill"]?.status, .error)
    XCTAssertEqual(
      byID["kill"]?.message, "the solution crashed its grading process (signal 11, SIGSEGV); the others are graded")
    XCTAssertEqual(byID["spin"]?.status, .timeout)
    XCTAssertEqual(byID["typo"]?.status, .missing)
    let junit = GradeReports.junit(results)
    XCTAssertTrue(junit.contains("name=\"kill\""))
    XCTAssertTrue(GradeReports.tap(results).contains("not ok 2 - 90/kill"))
  }

  /// A solution whose grading process grows past the memory limit is killed for it, with a
  /// message that says so, and the others are still graded.
  func testASolutionThatExhaustsMemoryIsKilledAndGradingGoesOn() throws {
    let distlab = CommandLineTests.builtExecutable
    try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: distlab.path), "no built distlab")
    try XCTSkipUnless(ChildRun.residentBytes(getpid()) != nil, "no /proc to read memory from")
    try solve("sum", "spawn 2\nrpc n2 add 10 20\n")
    try solve("many", "spawn 1\n")
    // A worker that, on 'many', holds 400 MB in a shell variable before doing anything.
    var limits = GradeLimits()
    limits.memoryBytes = 64 << 20
    let results = try gradeIsolated(
      worker: #"""
          *"--exercise many"*) x=$(head -c 400000000 /dev/zero | tr '\0' a); sleep 30 ;;
        """#, limits: limits)
    let byID = Dictionary(uniqueKeysWithValues: results.map { ($0.exercise, $0) })
    XCTAssertEqual(byID["sum"]?.status, .passed, byID["sum"]?.message ?? "")
    XCTAssertEqual(byID["many"]?.status, .error)
    XCTAssertEqual(
      byID["many"]?.message,
      "stopped: the solution's grading process used more than 64MB of memory and was killed; the others are graded")
    XCTAssertLessThan(byID["many"]?.seconds ?? 99, 20, "killed when it grew, not at the time limit")
  }

  /// Reports give the time each solution took: a solution that runs a while is not 0 s.
  func testReportTimesAreReal() throws {
    try solve("sum", "mode live\nspawn 2\nadvance 300ms\nrpc n2 add 10 20\n")
    let results = grade()
    let sum = try XCTUnwrap(results.first { $0.exercise == "sum" })
    XCTAssertGreaterThanOrEqual(sum.seconds, 0.3, "the 300 ms it waited are counted")
    XCTAssertLessThan(sum.seconds, 30)
    let object = try JSONSerialization.jsonObject(with: Data(GradeReports.json(results).utf8)) as? [String: Any]
    let first = (object?["exercises"] as? [[String: Any]])?.first
    XCTAssertGreaterThanOrEqual(first?["seconds"] as? Double ?? 0, 0.3)
  }
}

final class ElementCounter: NSObject, XMLParserDelegate {
  var counts: [String: Int] = [:]
  func parser(
    _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
    attributes: [String: String] = [:]
  ) {
    counts[name, default: 0] += 1
  }
}

/// A strict reader of the parts of TAP version 14 that reports use: the version line, the
/// plan, test points numbered in order, and YAML blocks between `  ---` and `  ...`.
enum TAP14 {
  struct Summary: Equatable {
    var planned: Int
    var passed: Int
    var failed: Int
  }
  struct Invalid: Error {
    var line: Int
    var reason: String
  }

  static func validate(_ text: String) throws -> Summary {
    var lines = text.components(separatedBy: "\n")
    if lines.last == "" { lines.removeLast() }
    guard lines.first == "TAP version 14" else { throw Invalid(line: 1, reason: "no version line") }
    guard lines.count > 1, lines[1].hasPrefix("1.."), let planned = Int(lines[1].dropFirst(3)) else {
      throw Invalid(line: 2, reason: "no plan")
    }
    var s = Summary(planned: planned, passed: 0, failed: 0)
    var expected = 1
    var i = 2
    while i < lines.count {
      let l = lines[i]
      let ok = l.hasPrefix("ok ")
      guard ok || l.hasPrefix("not ok ") else { throw Invalid(line: i + 1, reason: "not a test point: \(l)") }
      let rest = l.dropFirst(ok ? 3 : 7)
      guard let n = Int(rest.prefix { $0.isNumber }), n == expected else {
        throw Invalid(line: i + 1, reason: "test numbers out of order")
      }
      guard rest.dropFirst(String(n).count).hasPrefix(" - ") else {
        throw Invalid(line: i + 1, reason: "no description")
      }
      expected += 1
      if ok { s.passed += 1 } else { s.failed += 1 }
      i += 1
      if i < lines.count, lines[i] == "  ---" {
        i += 1
        while i < lines.count, lines[i] != "  ..." {
          guard lines[i].hasPrefix("  "), lines[i].contains(": ") else {
            throw Invalid(line: i + 1, reason: "bad YAML line")
          }
          i += 1
        }
        guard i < lines.count else { throw Invalid(line: i, reason: "unterminated YAML block") }
        i += 1
      }
    }
    guard expected - 1 == planned else {
      throw Invalid(line: lines.count, reason: "plan says \(planned), saw \(expected - 1)")
    }
    return s
  }
}

/// The example course: right solutions pass, the wrong one fails with what a teacher needs.
final class ExampleCourseTests: XCTestCase {
  func testGradingTheExampleCourse() throws {
    let course = repositoryRoot.appendingPathComponent("Examples/course")
    let library = LessonLibrary.load(course.appendingPathComponent("lessons").path)
    XCTAssertEqual(library.problems, [])
    XCTAssertEqual(library.lessons.map(\.id), ["01", "02"])
    let results = Grader.grade(
      library, solutions: course.appendingPathComponent("solutions").path, limits: GradeLimits())
    XCTAssertEqual(results.map(\.exercise), ["reorder", "store", "remote-add", "slow-not-dead", "count-once"])
    for r in results where r.exercise != "count-once" {
      XCTAssertEqual(r.status, .passed, "\(r.exercise): \(r.message)")
    }
    let wrong = try XCTUnwrap(results.first { $0.exercise == "count-once" })
    XCTAssertEqual(wrong.status, .failed)
    XCTAssertEqual(wrong.expected, "n2.kv.safe == 1")
    XCTAssertEqual(wrong.found, "n2.kv.safe = 3")
    XCTAssertEqual(wrong.seed, library.lesson("02")?.seed)
    XCTAssertEqual(wrong.hint, library.lesson("02")?.exercise("count-once")?.hints.first)
    let junit = GradeReports.junit(results)
    XCTAssertTrue(junit.contains("seed: \(wrong.seed)&#10;hint: "), junit)
    XCTAssertEqual(try TAP14.validate(GradeReports.tap(results)), TAP14.Summary(planned: 5, passed: 4, failed: 1))
    let table = GradeReports.table(results)
    XCTAssertTrue(table.hasSuffix("4 passed, 1 failed; 8 of 11 points"), table)
    let readme = try String(contentsOf: course.appendingPathComponent("README.md"), encoding: .utf8)
    XCTAssertTrue(readme.contains(table), "Examples/course/README.md must show the real grading table:\n\(table)")
  }

  /// The course works when copied out of the repository: its lessons are files, not links
  /// into distlab's own (kept equal to them, so a lesson change is carried over), and
  /// grade.sh uses a distlab it is given before building one.
  func testTheCourseStandsAlone() throws {
    let course = repositoryRoot.appendingPathComponent("Examples/course")
    let fm = FileManager.default
    for name in try fm.contentsOfDirectory(atPath: course.appendingPathComponent("lessons").path) {
      let path = course.appendingPathComponent("lessons/\(name)").path
      XCTAssertNil(try? fm.destinationOfSymbolicLink(atPath: path), "\(name) is a link")
      XCTAssertEqual(
        try String(contentsOfFile: path, encoding: .utf8),
        try String(contentsOf: repositoryRoot.appendingPathComponent("Lessons/\(name)"), encoding: .utf8),
        "Examples/course/lessons/\(name) differs from Lessons/\(name): copy it again")
    }
    // Copied elsewhere with a fake distlab given: grade.sh runs that one, builds nothing.
    let copy = fm.temporaryDirectory.appendingPathComponent("course-\(UUID().uuidString)")
    defer { try? fm.removeItem(at: copy) }
    try fm.copyItem(at: course, to: copy)
    let fake = copy.appendingPathComponent("fake-distlab")
    try "#!/bin/sh\necho \"fake distlab $*\"\n".write(to: fake, atomically: true, encoding: .utf8)
    try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = [copy.appendingPathComponent("grade.sh").path, "--json", "r.json"]
    p.environment = ["DISTLAB": fake.path, "PATH": "/usr/bin:/bin"]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    p.waitUntilExit()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    XCTAssertEqual(p.terminationStatus, 0)
    XCTAssertEqual(text, "fake distlab grade --lessons lessons --solutions solutions --json r.json\n")
  }
}
