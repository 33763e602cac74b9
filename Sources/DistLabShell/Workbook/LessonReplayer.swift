import DistLab
import Foundation

/// Replays a lesson's worked examples, in order, in one world seeded by the lesson, so each
/// example continues from the one before. A lesson never shows output the program does not
/// produce.
public enum LessonReplayer {
  public struct ExampleResult: Sendable {
    public var line: Int
    public var commands: Int
    public var diff: String
    public var regenerated: Transcript
  }

  public struct Result: Sendable {
    public var file: String
    public var examples: [ExampleResult]
    public var commands: Int { examples.reduce(0) { $0 + $1.commands } }
    public var passed: Bool { examples.allSatisfy { $0.diff.isEmpty } }
    /// `file:line: the worked example differs` and its diff, for every example that differs.
    public var report: String {
      examples.filter { !$0.diff.isEmpty }.map { "\(file):\($0.line): the worked example differs\n\($0.diff)" }
        .joined(separator: "\n")
    }
  }

  public static func replay(_ lesson: Lesson) -> Result {
    var config = WorldConfig()
    config.seed = lesson.seed
    let session = ShellSession(config: config, style: .plain)
    session.baseDirectory = (lesson.file as NSString).deletingLastPathComponent
    let deadline = Date().addingTimeInterval(TranscriptReplayer.wallLimit)
    session.cancel = { Date() > deadline }
    var results: [ExampleResult] = []
    for example in lesson.examples {
      let r = TranscriptReplayer.replay(example.transcript, in: session, file: "\(lesson.file):\(example.line)")
      results.append(ExampleResult(line: example.line, commands: r.commands, diff: r.diff, regenerated: r.regenerated))
    }
    return Result(file: lesson.file, examples: results)
  }

  /// Rewrites a lesson file with the regenerated output of each example that differs.
  public static func update(_ lesson: Lesson, with result: Result) throws(FileProblem) {
    var lines = try ScriptFile.lines(lesson.file)
    for (example, r) in zip(lesson.examples, result.examples).reversed() where !r.diff.isEmpty {
      let open = example.line - 1
      guard let close = lines[(open + 1)...].firstIndex(where: { $0.hasPrefix("```") }) else { continue }
      var text = r.regenerated.text.components(separatedBy: "\n")
      if text.last == "" { text.removeLast() }
      lines.replaceSubrange((open + 1)..<close, with: text)
    }
    try ScriptFile.writeAtomically(lines.joined(separator: "\n") + "\n", to: lesson.file)
  }
}
