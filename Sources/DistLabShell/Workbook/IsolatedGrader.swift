import DistLab
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Grading each solution in a child process of its own, so that nothing a solution does —
/// crash the runtime, hang in one long command, exhaust memory — can take the grader or the
/// other exercises down: a crashed child is that exercise's error, a child past its limit is
/// killed and timed out, and grading goes on.
public struct IsolatedGrader: Sendable {
  /// The command that grades one exercise and prints its `GradeResult` as JSON: `distlab`
  /// itself with `grade-one` and the options below appended.
  public var worker: [String]
  public var lessons: String
  public var checks: String?
  /// Beyond the solution's own wall-clock limit, how long a child gets to stop by itself.
  public var grace: Double = 5

  public init(worker: [String], lessons: String, checks: String?) {
    self.worker = worker
    self.lessons = lessons
    self.checks = checks
  }

  /// The arguments after `worker` for one exercise.
  func arguments(_ lesson: Lesson, _ ex: Exercise, solutions: String, limits: GradeLimits) -> [String] {
    var args = [
      "grade-one", "--lessons", lessons, "--solutions", solutions, "--lesson", lesson.id, "--exercise", ex.id,
      "--time-limit", String(limits.wallSeconds), "--virtual-limit", limits.virtualTime.description,
    ]
    if let checks { args += ["--checks", checks] }
    return args
  }

  public func grade(_ library: LessonLibrary, solutions: String, limits: GradeLimits) -> [GradeResult] {
    library.lessons.flatMap { lesson in
      lesson.exercises.map { grade(lesson, $0, solutions: solutions, limits: limits) }
    }
  }

  public func grade(_ lesson: Lesson, _ ex: Exercise, solutions: String, limits: GradeLimits) -> GradeResult {
    let started = Date()
    var result = GradeResult(lesson, ex, solutions: solutions, status: .error)
    let run = ChildRun.run(
      worker + arguments(lesson, ex, solutions: solutions, limits: limits), seconds: limits.wallSeconds + grace)
    switch run.ending {
    case .killed:
      result.status = .timeout
      result.message = "stopped: the solution ran longer than \(Nanoseconds.seconds(limits.wallSeconds)) and was killed"
    case .signal(let n):
      result.message =
        "the solution crashed its grading process (signal \(n)\(Self.signalName(n))); the others are graded"
    case .couldNotStart(let reason):
      result.message = "the grading process could not start: \(reason)"
    case .exited(let status):
      if let decoded = try? JSONDecoder().decode(GradeResult.self, from: run.output) {
        result = decoded
      } else {
        let why = String(decoding: run.errors.prefix(2000), as: UTF8.self).split(separator: "\n").first.map(String.init)
        result.message = "the grading process ended (status \(status)) without a result" + (why.map { ": \($0)" } ?? "")
      }
    }
    result.seconds = Date().timeIntervalSince(started)
    return result
  }

  static func signalName(_ n: Int32) -> String {
    let names: [Int32: String] = [
      SIGILL: "SIGILL", SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE",
      SIGKILL: "SIGKILL", SIGTRAP: "SIGTRAP",
    ]
    return names[n].map { ", \($0)" } ?? ""
  }
}

/// One child process run to its end or killed at a deadline, with its output collected.
struct ChildRun {
  enum Ending: Equatable {
    case exited(Int32)
    case signal(Int32)
    case killed
    case couldNotStart(String)
  }

  var ending: Ending
  var output: Data
  var errors: Data

  /// The most output kept from a child; a result is far smaller.
  static let maxOutput = 4 << 20

  static func run(_ command: [String], seconds: Double) -> ChildRun {
    guard let executable = command.first else {
      return ChildRun(ending: .couldNotStart("no command"), output: Data(), errors: Data())
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = Array(command.dropFirst())
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    let ended = DispatchSemaphore(value: 0)
    p.terminationHandler = { _ in ended.signal() }
    do {
      try p.run()
    } catch {
      return ChildRun(ending: .couldNotStart(error.localizedDescription), output: Data(), errors: Data())
    }
    let collected = Locked<[Data]>([Data(), Data()])
    let readers = DispatchGroup()
    for (i, pipe) in [out, err].enumerated() {
      readers.enter()
      DispatchQueue.global().async {
        let data = drain(pipe.fileHandleForReading)
        collected.withLock { $0[i] = data }
        readers.leave()
      }
    }
    var killed = false
    if ended.wait(timeout: .now() + seconds) == .timedOut {
      killed = true
      kill(p.processIdentifier, SIGKILL)
      ended.wait()
    }
    readers.wait()
    let (output, errors) = collected.withLock { ($0[0], $0[1]) }
    let ending: Ending =
      killed
      ? .killed
      : p.terminationReason == .uncaughtSignal ? .signal(p.terminationStatus) : .exited(p.terminationStatus)
    return ChildRun(ending: ending, output: output, errors: errors)
  }

  /// Everything the child writes, keeping at most `maxOutput` bytes (the rest is read and
  /// dropped, so the child never blocks on a full pipe).
  private static func drain(_ handle: FileHandle) -> Data {
    var kept = Data()
    while true {
      let chunk = handle.availableData
      if chunk.isEmpty { return kept }
      if kept.count < maxOutput { kept.append(chunk.prefix(maxOutput - kept.count)) }
    }
  }
}
