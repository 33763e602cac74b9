import DistLab
import Foundation

/// `distlab run FILE…`: each script in a fresh world; exit 0 when every expectation held, 1
/// when one failed, 2 on an error.
public enum RunFiles {
  public static func run(_ files: [String], config: WorldConfig, echo: Bool) -> Int32 {
    var status: Int32 = 0
    for file in files {
      let lines: [String]
      do {
        lines = try ScriptFile.lines(file)
      } catch {
        Output.error("\(file): error: \(error.reason)")
        status = 2
        continue
      }
      let session = ShellSession(config: config, style: .plain)
      session.baseDirectory = (file as NSString).deletingLastPathComponent
      session.lessonDirectory = LessonLibrary.defaultDirectory()
      let report = ScriptRunner.run(lines: lines, file: file, session: session, echo: echo)
      if !report.output.isEmpty { Output.line(report.output) }
      if let error = report.firstError { Output.error(error) }
      if InteractiveShell.finish(session) { status = 2 }
      if report.failedExpectations > 0 {
        Output.error(
          "\(file): \(report.failedExpectations) expectation\(report.failedExpectations == 1 ? "" : "s") failed")
      }
      status = max(status, report.exitStatus)
    }
    return status
  }
}

/// `distlab replay FILE|DIR…`: re-runs transcripts and shows a diff for each that differs.
public enum ReplayFiles {
  public static func run(_ paths: [String], update: Bool) -> Int32 {
    let files: [String]
    do {
      files = try TranscriptReplayer.collect(paths)
    } catch {
      Output.error("error: \(error.reason)")
      return 2
    }
    guard !files.isEmpty else {
      Output.error("error: no transcripts found in \(paths.joined(separator: " "))")
      return 2
    }
    var failed = 0
    var broken = 0
    var commands = 0
    for file in files {
      let outcome = replayOne(file, update: update)
      commands += outcome.commands
      switch outcome.verdict {
      case .passed: Output.line("ok    \(file) (\(outcome.commands) commands)")
      case .updated: Output.line("wrote \(file) (\(outcome.commands) commands)")
      case .failed(let report):
        failed += 1
        Output.line("FAIL  \(file)")
        Output.line(report)
      case .broken(let reason):
        broken += 1
        Output.error("\(file): error: \(reason)")
      }
    }
    Output.line(
      "\(files.count - failed - broken) passed, \(failed) failed" + (broken > 0 ? ", \(broken) unreadable" : "")
        + " (\(commands) commands)")
    return broken > 0 ? 2 : failed > 0 ? 1 : 0
  }

  enum Verdict {
    case passed, updated
    case failed(String)
    case broken(String)
  }

  /// Replays one transcript or lesson; with `update`, rewrites it where the output changed.
  static func replayOne(_ file: String, update: Bool) -> (commands: Int, verdict: Verdict) {
    do {
      if file.hasSuffix(".md") {
        let lesson = try LessonParser.load(file)
        let result = LessonReplayer.replay(lesson)
        if result.passed { return (result.commands, .passed) }
        guard update else { return (result.commands, .failed(result.report)) }
        try LessonReplayer.update(lesson, with: result)
        return (result.commands, .updated)
      }
      let result = try TranscriptReplayer.replay(file: file)
      if result.passed { return (result.commands, .passed) }
      guard update else { return (result.commands, .failed(result.diff)) }
      try ScriptFile.writeAtomically(result.regenerated.text, to: file)
      return (result.commands, .updated)
    } catch {
      return (0, .broken(error.reason))
    }
  }

  /// `distlab replay --seeds A..B FILE…`: how often each expectation holds across seeds.
  public static func audit(_ files: [String], seeds: ClosedRange<UInt64>) -> Int32 {
    var status: Int32 = 0
    for file in files {
      do {
        let report = try SeedAudit.run(file: file, seeds: seeds)
        Output.line(SeedAudit.render(report, file: file, seeds: seeds))
        let runs = Int(seeds.upperBound - seeds.lowerBound + 1)
        if report.rows.contains(where: { $0.held != runs }) { status = max(status, 1) }
      } catch {
        Output.error("\(file): error: \(error.reason)")
        status = 2
      }
    }
    return status
  }
}
