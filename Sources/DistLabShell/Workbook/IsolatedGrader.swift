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
      worker + arguments(lesson, ex, solutions: solutions, limits: limits), seconds: limits.wallSeconds + grace,
      memoryBytes: limits.memoryBytes)
    switch run.ending {
    case .killed:
      result.status = .timeout
      result.message = "stopped: the solution ran longer than \(Nanoseconds.seconds(limits.wallSeconds)) and was killed"
    case .overMemory:
      result.message =
        "stopped: the solution's grading process used more than \(ByteCount.format(Int(limits.memoryBytes))) of memory and was killed; the others are graded"
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
    /// Killed for resident memory past the limit.
    case overMemory
    case couldNotStart(String)
  }

  var ending: Ending
  var output: Data
  var errors: Data

  /// The most output kept from a child; a result is far smaller.
  static let maxOutput = 4 << 20

  /// How often a running child's memory is looked at.
  static let memoryPoll = 0.05

  static func run(_ command: [String], seconds: Double, memoryBytes: Int64 = .max) -> ChildRun {
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
    let deadline = Date().addingTimeInterval(seconds)
    var stopped: Ending?
    while ended.wait(timeout: .now() + memoryPoll) == .timedOut {
      if Date() > deadline {
        stopped = .killed
      } else if let resident = residentBytes(p.processIdentifier), resident > memoryBytes {
        stopped = .overMemory
      }
      if stopped != nil {
        kill(p.processIdentifier, SIGKILL)
        ended.wait()
        break
      }
    }
    readers.wait()
    let (output, errors) = collected.withLock { ($0[0], $0[1]) }
    let ending: Ending =
      stopped ?? (p.terminationReason == .uncaughtSignal ? .signal(p.terminationStatus) : .exited(p.terminationStatus))
    return ChildRun(ending: ending, output: output, errors: errors)
  }

  /// A running process's resident memory, from `/proc/PID/statm` (its second field, in pages);
  /// nil where there is no `/proc` (then memory is not limited).
  static func residentBytes(_ pid: Int32) -> Int64? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return nil }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int64(fields[1]) else { return nil }
    return pages * Int64(sysconf(Int32(_SC_PAGESIZE)))
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
