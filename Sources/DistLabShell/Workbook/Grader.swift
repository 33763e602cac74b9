import DistLab
import Foundation

/// The outcome of grading one exercise.
public struct GradeResult: Codable, Sendable, Equatable {
  public enum Status: String, Codable, Sendable {
    case passed, failed, error, timeout, missing
  }

  public struct CheckOutcome: Codable, Sendable, Equatable {
    public var expectation: String
    public var hidden: Bool
    public var held: Bool
    public var found: String
  }

  public var lesson: String
  public var lessonTitle: String
  public var exercise: String
  public var title: String
  public var status: Status
  public var points: Int
  public var maxPoints: Int
  /// Why it failed, in one line (empty when it passed).
  public var message: String
  public var checks: [CheckOutcome]
  public var seed: UInt64
  /// The first hint of the ladder, offered with a failure.
  public var hint: String
  public var solution: String
  public var seconds: Double

  public var passed: Bool { status == .passed }
  /// The solution did not run to its end (it errored or ran out of time).
  public var isError: Bool { status == .error || status == .timeout }

  /// The failed visible checks as `expected …, found …` (hidden ones are only counted).
  public var expectedFound: String {
    let failed = checks.filter { !$0.held }
    let shown = failed.filter { !$0.hidden }.map {
      "expected \($0.expectation.dropFirst("expect ".count)), found \($0.found)"
    }
    let hidden = failed.filter(\.hidden).count
    return (shown + (hidden > 0 ? ["\(hidden) hidden check\(hidden == 1 ? "" : "s") failed"] : [])).joined(
      separator: "; ")
  }

  /// What the failed visible checks expected, and what they found.
  public var expected: String {
    checks.filter { !$0.held && !$0.hidden }.map { String($0.expectation.dropFirst("expect ".count)) }.joined(
      separator: "; ")
  }
  public var found: String { checks.filter { !$0.held && !$0.hidden }.map(\.found).joined(separator: "; ") }
}

extension GradeResult {
  /// The result of an exercise not yet graded: `status` and nothing more, until it is.
  init(_ lesson: Lesson, _ ex: Exercise, solutions dir: String, status: Status) {
    self.init(
      lesson: lesson.id, lessonTitle: lesson.title, exercise: ex.id, title: ex.title, status: status, points: 0,
      maxPoints: ex.points, message: "", checks: [], seed: lesson.seed, hint: ex.hints.first ?? "",
      solution: Grader.solutionPath(dir, lesson: lesson, exercise: ex), seconds: 0)
  }
}

/// Limits a solution runs under.
public struct GradeLimits: Sendable {
  public var wallSeconds: Double = 10
  public var virtualTime: Nanoseconds = .seconds(3600)
  /// Resident memory a solution's grading process may use before it is killed (isolated
  /// grading on Linux, where `/proc` shows it).
  public var memoryBytes: Int64 = 2 << 30
  public init() {}

  /// The memory limits a solution may be given: from 64 MB to 64 GB.
  public static let memoryRange: ClosedRange<Int64> = (64 << 20)...(64 << 30)

  /// The wall-clock limits a solution may be given.
  public static let wallRange: ClosedRange<Double> = 0.1...3600

  /// `--time-limit` as a teacher writes it: a duration like every other (`2s`, `500ms`,
  /// `1m`) or a plain number of seconds. Nil when it is neither or out of range.
  public static func wallSeconds(parsing text: String) -> Double? {
    let seconds = Double(text) ?? Units.duration(text)?.seconds
    guard let seconds, seconds.isFinite, wallRange.contains(seconds) else { return nil }
    return seconds
  }
}

/// Grades students' solutions: each exercise's solution script runs in a fresh world with the
/// lesson's seed and under time limits, then every check of the exercise (visible and hidden)
/// is evaluated against that world.
public enum Grader {
  /// Where the solution to an exercise is looked for.
  public static func solutionPath(_ dir: String, lesson: Lesson, exercise: Exercise) -> String {
    ((dir as NSString).appendingPathComponent(lesson.id) as NSString).appendingPathComponent("\(exercise.id).distlab")
  }

  public static func grade(_ library: LessonLibrary, solutions dir: String, limits: GradeLimits) -> [GradeResult] {
    library.lessons.flatMap { lesson in lesson.exercises.map { grade(lesson, $0, solutions: dir, limits: limits) } }
  }

  /// Grades one exercise, timed from reading the solution to the last check.
  public static func grade(_ lesson: Lesson, _ ex: Exercise, solutions dir: String, limits: GradeLimits) -> GradeResult
  {
    let started = Date()
    var result = run(lesson, ex, solutions: dir, limits: limits, started: started)
    result.seconds = Date().timeIntervalSince(started)
    return result
  }

  static func run(_ lesson: Lesson, _ ex: Exercise, solutions dir: String, limits: GradeLimits, started: Date)
    -> GradeResult
  {
    var result = GradeResult(lesson, ex, solutions: dir, status: .failed)
    let path = result.solution
    let lines: [String]
    do {
      lines = try ScriptFile.lines(path)
    } catch {
      result.status = .missing
      result.message = "no usable solution at \(path): \(error.reason)"
      let folder = (path as NSString).deletingLastPathComponent
      if let found = SolutionFiles.misnamed(ex.id, in: folder) {
        result.message += "; found \(found) — did you mean it? (name it \(ex.id).distlab)"
      }
      return result
    }
    var config = WorldConfig()
    config.seed = lesson.seed
    let session = ShellSession(config: config, style: .plain)
    session.baseDirectory = (path as NSString).deletingLastPathComponent
    let lessons = (lesson.file as NSString).deletingLastPathComponent
    session.lessonDirectory = lessons
    session.sandbox = Sandbox(root: dir, alsoReadable: [lessons + "/" + LocalText.folder])
    let deadline = started.addingTimeInterval(limits.wallSeconds)
    let world = session.world
    session.cancel = { Date() > deadline || world.now > limits.virtualTime }
    let report = ScriptRunner.run(lines: lines, file: path, session: session)
    if Date() > deadline {
      result.status = .timeout
      result.message = "stopped: the solution ran longer than \(Nanoseconds.seconds(limits.wallSeconds))"
      return result
    }
    if world.now > limits.virtualTime {
      result.status = .timeout
      result.message = "stopped: the solution's world passed the virtual-time limit of \(limits.virtualTime)"
      return result
    }
    if let error = report.firstError {
      result.status = .error
      result.message = error
      return result
    }
    // A solution's own prediction is part of its answer: one that does not hold fails it.
    if let failed = report.firstFailedExpectation {
      result.status = .failed
      result.message = "the solution's own expectation does not hold: \(failed)"
      return result
    }
    session.cancel = { Date() > deadline.addingTimeInterval(limits.wallSeconds) }
    let checks = CheckRunner.evaluate(ex.checks, in: session)
    result.checks = checks.map {
      .init(expectation: $0.check.expectation, hidden: $0.check.hidden, held: $0.held, found: $0.found)
    }
    if checks.allSatisfy(\.held) {
      result.status = .passed
      result.points = ex.points
    } else {
      result.status = .failed
      result.message = result.expectedFound
    }
    return result
  }
}
