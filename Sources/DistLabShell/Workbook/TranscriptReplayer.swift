import DistLab
import Foundation

/// The outcome of replaying one transcript.
public struct ReplayResult: Sendable {
  public var file: String
  public var commands: Int
  /// A unified diff from the file to what the program printed now; empty when they agree.
  public var diff: String
  public var regenerated: Transcript
  public var passed: Bool { diff.isEmpty }
}

/// Re-runs a transcript's commands in a fresh sim-mode world and compares the output.
public enum TranscriptReplayer {
  /// Longest a replay may run on the wall clock before it is stopped.
  public static let wallLimit: Double = 60

  public static func replay(file: String) throws(FileProblem) -> ReplayResult {
    let lines = try ScriptFile.lines(file)
    let transcript = try Transcript.parse(lines, file: file)
    return replay(transcript, file: file, baseDirectory: (file as NSString).deletingLastPathComponent)
  }

  public static func replay(_ t: Transcript, file: String, baseDirectory: String? = nil, seed: UInt64? = nil)
    -> ReplayResult
  {
    var config = WorldConfig()
    if let seed { config.seed = seed }
    let session = ShellSession(config: config, style: Style(colour: false, columns: t.columns))
    session.baseDirectory = baseDirectory.flatMap { $0.isEmpty ? nil : $0 }
    session.lessonDirectory = LessonLibrary.defaultDirectory()
    let deadline = Date().addingTimeInterval(wallLimit)
    session.cancel = { Date() > deadline }
    return replay(t, in: session, file: file)
  }

  /// Replays `t` in an existing session (a lesson's examples share one).
  public static func replay(_ t: Transcript, in session: ShellSession, file: String) -> ReplayResult {
    var regenerated: [Transcript.Entry] = []
    var expectedSide: [String] = []
    var actualSide: [String] = []
    var commands = 0
    var exited = false
    for e in t.entries {
      switch e {
      case .comment(let c):
        regenerated.append(e)
        expectedSide.append(c)
        actualSide.append(c)
      case .command(let input, let expected, _) where exited:
        // After `exit` nothing runs, as in the shell: what the transcript still holds differs.
        expectedSide += [Transcript.prompt + input] + expected
      case .command(let input, let expected, let line):
        commands += 1
        let outcome = session.run(input, at: SourceLocation())
        exited = outcome.status == .exit
        let out = outcome.text.strippingANSI
        let actual = Transcript.Entry.command(
          input: input, output: out.isEmpty ? [] : out.components(separatedBy: "\n"), line: line
        ).trimmed
        guard case .command(_, let actualLines, _) = actual else { continue }
        let same = OutputMatcher.matches(expected: expected, actual: actualLines)
        // A matching block keeps its markers when rewritten; the diff shows only real differences.
        regenerated.append(same ? e : actual)
        expectedSide += [Transcript.prompt + input] + (same ? actualLines : expected)
        actualSide += [Transcript.prompt + input] + actualLines
      }
    }
    let diff = UnifiedDiff.diff(expectedSide, actualSide, fromName: "\(file) (expected)", toName: "\(file) (now)")
    return ReplayResult(file: file, commands: commands, diff: diff, regenerated: Transcript(entries: regenerated))
  }

  /// Every `*.transcript` and lesson (`*.md` starting with front matter) under the given
  /// files and folders, sorted.
  public static func collect(_ paths: [String]) throws(FileProblem) -> [String] {
    var out: [String] = []
    let fm = FileManager.default
    for p in paths {
      var isDir: ObjCBool = false
      guard fm.fileExists(atPath: p, isDirectory: &isDir) else {
        throw FileProblem(reason: "\(p): no such file or folder")
      }
      if isDir.boolValue {
        let found = (fm.enumerator(atPath: p)?.compactMap { $0 as? String } ?? []).filter { name in
          name.hasSuffix(".transcript")
            || (name.hasSuffix(".md") && isLesson((p as NSString).appendingPathComponent(name)))
        }
        out += found.sorted().map { (p as NSString).appendingPathComponent($0) }
      } else {
        out.append(p)
      }
    }
    return out
  }

  static func isLesson(_ path: String) -> Bool {
    guard let h = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? h.close() }
    guard var head = (try? h.read(upToCount: 8)).map(Array.init) else { return false }
    if head.starts(with: ScriptFile.byteOrderMark) { head.removeFirst(ScriptFile.byteOrderMark.count) }
    return head.starts(with: Array("---\n".utf8)) || head.starts(with: Array("---\r\n".utf8))
  }
}
