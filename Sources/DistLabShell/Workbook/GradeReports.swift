import DistLab
import Foundation

/// The reports `distlab grade` writes: a summary table, JUnit XML, TAP 14 and JSON.
public enum GradeReports {
  public static func table(_ results: [GradeResult], style: Style = .plain) -> String {
    var t = TextTable(["LESSON", "EXERCISE", "POINTS", "RESULT"], rightAligned: [2])
    for r in results {
      let verdict =
        r.passed
        ? style.ok("pass")
        : style.error(r.status == .failed ? "FAIL" : r.status.rawValue.uppercased()) + " " + r.message
      t.add([r.lesson, r.exercise, "\(r.points)/\(r.maxPoints)", verdict])
    }
    let points = results.reduce(0) { $0 + $1.points }
    let max = results.reduce(0) { $0 + $1.maxPoints }
    let passed = results.filter(\.passed).count
    return t.render(style: style) + "\n\(passed) passed, \(results.count - passed) failed; \(points) of \(max) points"
  }

  /// One `testsuite` per lesson, one `testcase` per exercise; a failure carries what was
  /// expected and found, the seed and the next hint.
  public static func junit(_ results: [GradeResult]) -> String {
    var lines = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>"]
    lines.append("<testsuites name=\"distlab\" \(counts(results))>")
    for (lesson, group) in grouped(results) {
      let title = group.first?.lessonTitle ?? ""
      lines.append("  <testsuite name=\"\(xml("\(lesson) \(title)"))\" \(counts(group))>")
      for r in group {
        let open =
          "    <testcase classname=\"\(xml("lesson." + lesson))\" name=\"\(xml(r.exercise))\" time=\"\(seconds(r.seconds))\""
        if r.passed {
          lines.append(open + "/>")
          continue
        }
        lines.append(open + ">")
        let tag = r.isError ? "error" : "failure"
        lines.append(
          "      <\(tag) type=\"\(r.status.rawValue)\" message=\"\(xml(r.message))\">\(xml(details(r)))</\(tag)>")
        lines.append("    </testcase>")
      }
      lines.append("  </testsuite>")
    }
    lines.append("</testsuites>")
    return lines.joined(separator: "\n") + "\n"
  }

  /// TAP version 14: one test point per exercise, YAML diagnostics for failures.
  public static func tap(_ results: [GradeResult]) -> String {
    var lines = ["TAP version 14", "1..\(results.count)"]
    for (i, r) in results.enumerated() {
      lines.append("\(r.passed ? "ok" : "not ok") \(i + 1) - \(r.lesson)/\(r.exercise) \(tapSafe(r.title))")
      if !r.passed {
        lines.append("  ---")
        lines.append("  status: \(r.status.rawValue)")
        lines.append("  message: \(yaml(r.message))")
        if !r.expected.isEmpty {
          lines.append("  expected: \(yaml(r.expected))")
          lines.append("  found: \(yaml(r.found))")
        }
        lines.append("  seed: \(r.seed)")
        lines.append("  hint: \(yaml(r.hint))")
        lines.append("  solution: \(yaml(r.solution))")
        lines.append("  ...")
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  public static func json(_ results: [GradeResult]) -> String {
    struct Report: Encodable {
      var exercises: [GradeResult]
      var points: Int
      var maxPoints: Int
      var passed: Int
      var failed: Int
    }
    let report = Report(
      exercises: results, points: results.reduce(0) { $0 + $1.points },
      maxPoints: results.reduce(0) { $0 + $1.maxPoints },
      passed: results.filter(\.passed).count, failed: results.filter { !$0.passed }.count)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    guard let data = try? encoder.encode(report) else { return "{}\n" }
    return (String(data: data, encoding: .utf8) ?? "{}") + "\n"
  }

  /// JUnit's counting attributes: tests, failures (checks that did not hold, missing
  /// solutions), errors (solutions that errored or ran out of time) and seconds.
  static func counts(_ results: [GradeResult]) -> String {
    let errors = results.filter(\.isError).count
    let failures = results.filter { !$0.passed && !$0.isError }.count
    let time = results.reduce(0) { $0 + $1.seconds }
    return "tests=\"\(results.count)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"\(seconds(time))\""
  }

  static func details(_ r: GradeResult) -> String {
    var d = [r.message]
    if !r.expected.isEmpty {
      d.append("expected: \(r.expected)")
      d.append("found: \(r.found)")
    }
    d.append("seed: \(r.seed)")
    if !r.hint.isEmpty { d.append("hint: \(r.hint)") }
    d.append("solution: \(r.solution)")
    return d.joined(separator: "\n")
  }

  static func grouped(_ results: [GradeResult]) -> [(String, [GradeResult])] {
    var order: [String] = []
    var groups: [String: [GradeResult]] = [:]
    for r in results {
      if groups[r.lesson] == nil { order.append(r.lesson) }
      groups[r.lesson, default: []].append(r)
    }
    return order.map { ($0, groups[$0] ?? []) }
  }

  static func seconds(_ s: Double) -> String { String(format: "%.3f", s) }

  /// Text safe inside XML attributes and elements; characters XML 1.0 forbids are dropped.
  static func xml(_ s: String) -> String {
    var out = ""
    for u in s.unicodeScalars {
      switch u {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      case "\n": out += "&#10;"
      case "\t": out += "&#9;"
      default:
        if u.value >= 0x20 && !(0xFFFE...0xFFFF).contains(u.value) { out.unicodeScalars.append(u) }
      }
    }
    return out
  }

  /// A YAML scalar on one line: double-quoted with escapes.
  static func yaml(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      default:
        // YAML's printable set; anything else (DEL, C1, separators, BOM) as an escape.
        let v = u.value
        let printable =
          (0x20...0x7e).contains(v) || (0xa0...0xd7ff).contains(v) || (0xe000...0xfffd).contains(v) && v != 0xfeff
          || v >= 0x10000
        if printable && !TextEscape.isHostile(u) {
          out.unicodeScalars.append(u)
        } else if v <= 0xff {
          out += "\\x" + String(format: "%02x", v)
        } else {
          out += "\\u" + String(format: "%04x", v)
        }
      }
    }
    return out + "\""
  }

  /// A TAP description may not contain `#` (it starts a directive) or a line break.
  static func tapSafe(_ s: String) -> String {
    TextEscape.escaped(
      s.replacingOccurrences(of: "#", with: "").replacingOccurrences(of: "\n", with: " "), quotes: false)
  }
}

/// `distlab grade`: grades a folder of solutions against a folder of lessons.
public enum GradeCommand {
  /// Who the reports are for: a teacher sees every check; students see hidden checks counted,
  /// never their text.
  public enum Audience: String, Sendable, CaseIterable {
    case teacher, student
  }

  public static func run(
    lessons: String, solutions: String, junit: String?, tap: String?, json: String?, limits: GradeLimits,
    checks: String? = nil, audience: Audience = .teacher, worker: [String]? = nil
  ) -> Int32 {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: lessons, isDirectory: &isDir), isDir.boolValue else {
      Output.error("error: --lessons \(lessons) is not a folder")
      return 2
    }
    guard FileManager.default.fileExists(atPath: solutions, isDirectory: &isDir), isDir.boolValue else {
      Output.error("error: --solutions \(solutions) is not a folder")
      return 2
    }
    guard let library = load(lessons: lessons, checks: checks) else { return 2 }
    guard !library.exercises.isEmpty else {
      Output.error("error: the lessons in \(lessons) have no exercises")
      return 2
    }
    let graded =
      worker.map { IsolatedGrader(worker: $0, lessons: lessons, checks: checks) }?.grade(
        library, solutions: solutions, limits: limits) ?? Grader.grade(library, solutions: solutions, limits: limits)
    let results = audience == .student ? graded.map(\.forStudents) : graded
    Output.line(TextEscape.terminal(GradeReports.table(results), keepingColour: false))
    let stray = SolutionFiles.unmatched(library, solutions: solutions)
    if !stray.isEmpty {
      Output.line("not graded (no exercise of that name): " + stray.joined(separator: ", "))
    }
    for (path, text) in [
      (junit, GradeReports.junit(results)), (tap, GradeReports.tap(results)), (json, GradeReports.json(results)),
    ] {
      guard let path else { continue }
      do {
        try ScriptFile.writeAtomically(text, to: path)
      } catch {
        Output.error("error: \(path) \(error.reason)")
        return 2
      }
    }
    return results.allSatisfy(\.passed) ? 0 : 1
  }
}

extension GradeCommand {
  /// The lessons with their hidden checks, or nil after saying what is wrong.
  static func load(lessons: String, checks: String?) -> LessonLibrary? {
    var library = LessonLibrary.load(lessons)
    for p in library.problems { Output.error("error: cannot load lesson \(p)") }
    guard library.problems.isEmpty else { return nil }
    guard let checks else { return library }
    do {
      library = try HiddenChecks.add(from: checks, to: library)
    } catch {
      Output.error("error: \(error.reason)")
      return nil
    }
    return library
  }

  /// `distlab grade-one`: grades one exercise in this process and prints its result as JSON,
  /// for `IsolatedGrader`'s child processes.
  public static func one(
    lessons: String, solutions: String, checks: String?, lesson id: String, exercise: String, limits: GradeLimits
  ) -> Int32 {
    guard let library = load(lessons: lessons, checks: checks) else { return 2 }
    guard let lesson = library.lesson(id), let ex = lesson.exercises.first(where: { $0.id == exercise }) else {
      Output.error("error: no exercise \(id)/\(exercise) in \(lessons)")
      return 2
    }
    let result = Grader.grade(lesson, ex, solutions: solutions, limits: limits)
    guard let data = try? JSONEncoder().encode(result) else { return 2 }
    FileHandle.standardOutput.write(data)
    return 0
  }

  /// This executable, for running `grade-one` in a child process.
  public static var executablePath: String? {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
    return Bundle.main.executablePath
  }
}

extension LessonLibrary {
  public var exercises: [Exercise] { lessons.flatMap(\.exercises) }
}
