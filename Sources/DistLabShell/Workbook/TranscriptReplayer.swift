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

  public static func replay(_ t: Transcript, file: String, baseDirectory: String? = nil) -> ReplayResult {
    let session = ShellSession(config: WorldConfig(), style: .plain)
    session.baseDirectory = baseDirectory.flatMap { $0.isEmpty ? nil : $0 }
    let deadline = Date().addingTimeInterval(wallLimit)
    session.cancel = { Date() > deadline }
    var entries: [Transcript.Entry] = []
    var commands = 0
    for e in t.entries {
      switch e {
      case .comment: entries.append(e)
      case .command(let input, _, let line):
        commands += 1
        let out = session.run(input, at: SourceLocation()).text.strippingANSI
        entries.append(
          Transcript.Entry.command(input: input, output: out.isEmpty ? [] : out.components(separatedBy: "\n"), line: line).trimmed)
      }
    }
    let regenerated = Transcript(entries: entries)
    let expected = t.text.components(separatedBy: "\n")
    let actual = regenerated.text.components(separatedBy: "\n")
    let diff = UnifiedDiff.diff(expected, actual, fromName: "\(file) (expected)", toName: "\(file) (now)")
    return ReplayResult(file: file, commands: commands, diff: diff, regenerated: regenerated)
  }

  /// Every `*.transcript` under the given files and folders, sorted.
  public static func collect(_ paths: [String]) throws(FileProblem) -> [String] {
    var out: [String] = []
    let fm = FileManager.default
    for p in paths {
      var isDir: ObjCBool = false
      guard fm.fileExists(atPath: p, isDirectory: &isDir) else { throw FileProblem(reason: "\(p): no such file or folder") }
      if isDir.boolValue {
        let found = (fm.enumerator(atPath: p)?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".transcript") }
        out += found.sorted().map { (p as NSString).appendingPathComponent($0) }
      } else {
        out.append(p)
      }
    }
    return out
  }
}
