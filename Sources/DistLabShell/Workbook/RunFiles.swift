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
      let report = ScriptRunner.run(lines: lines, file: file, session: session, echo: echo)
      if !report.output.isEmpty { Output.line(report.output) }
      if let error = report.firstError { Output.error(error) }
      if report.failedExpectations > 0 {
        Output.error("\(file): \(report.failedExpectations) expectation\(report.failedExpectations == 1 ? "" : "s") failed")
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
      let result: ReplayResult
      do {
        result = try TranscriptReplayer.replay(file: file)
      } catch {
        Output.error("\(file): error: \(error.reason)")
        broken += 1
        continue
      }
      commands += result.commands
      if result.passed {
        Output.line("ok    \(file) (\(result.commands) commands)")
      } else if update {
        do {
          try ScriptFile.writeAtomically(result.regenerated.text, to: file)
          Output.line("wrote \(file) (\(result.commands) commands)")
        } catch {
          Output.error("\(file): error: \(error.reason)")
          broken += 1
        }
      } else {
        failed += 1
        Output.line("FAIL  \(file)")
        Output.line(result.diff)
      }
    }
    Output.line("\(files.count - failed - broken) passed, \(failed) failed" + (broken > 0 ? ", \(broken) unreadable" : "") + " (\(commands) commands)")
    return broken > 0 ? 2 : failed > 0 ? 1 : 0
  }
}
