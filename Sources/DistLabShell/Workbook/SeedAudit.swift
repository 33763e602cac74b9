import DistLab
import Foundation

/// The flakiness audit: runs a script or transcript under many seeds and counts, for each
/// expectation, how often it held. A teacher runs it before publishing an exercise.
public enum SeedAudit {
  public struct Row: Sendable, Equatable {
    public var line: Int
    public var expectation: String
    public var held: Int
    public var failed: Int
    /// Runs in which the script stopped on an error before reaching this line.
    public var notReached: Int
  }

  /// Input lines of a script or transcript with their line numbers.
  static func commands(_ file: String) throws(FileProblem) -> [(line: Int, text: String)] {
    let lines = try ScriptFile.lines(file)
    if file.hasSuffix(".transcript") {
      let t = try Transcript.parse(lines, file: file)
      return t.entries.compactMap { e in
        if case .command(let input, _, let line) = e { return (line, input) }
        return nil
      }
    }
    return lines.enumerated().filter { !ShellSession.isBlank($0.element) }.map { ($0.offset + 1, $0.element) }
  }

  /// What an audit found: one row per expectation, and whether the file's own `seed` lines
  /// were passed over.
  public struct Report: Sendable {
    public var rows: [Row]
    public var ignoredSeedLines: Bool
  }

  public static func run(file: String, seeds: ClosedRange<UInt64>) throws(FileProblem) -> Report {
    let cmds = try commands(file)
    var rows: [Int: Row] = [:]
    for (line, text) in cmds where text.trimmed(" ").hasPrefix("expect ") {
      rows[line] = Row(line: line, expectation: text.trimmed(" "), held: 0, failed: 0, notReached: 0)
    }
    for seed in seeds {
      var config = WorldConfig()
      config.seed = seed
      let session = ShellSession(config: config, style: .plain)
      session.baseDirectory = (file as NSString).deletingLastPathComponent
      let deadline = Date().addingTimeInterval(TranscriptReplayer.wallLimit)
      session.cancel = { Date() > deadline }
      var stopped = false
      for (line, text) in cmds {
        if isSeedCommand(text) { continue }
        if stopped {
          rows[line]?.notReached += 1
          continue
        }
        let o = session.run(text, at: SourceLocation(file: file, line: line, column: 1))
        switch o.status {
        case .ok: if rows[line] != nil { rows[line]?.held += 1 }
        case .expectationFailed: rows[line]?.failed += 1
        case .error:
          if rows[line] != nil { rows[line]?.notReached += 1 }
          stopped = true
        case .exit: stopped = true
        }
      }
    }
    return Report(
      rows: rows.values.sorted { $0.line < $1.line }, ignoredSeedLines: cmds.contains { isSeedCommand($0.text) })
  }

  /// A `seed N` line would pin every run to one seed, so the audit skips it.
  static func isSeedCommand(_ text: String) -> Bool {
    let words = text.split(separator: " ")
    return words.count == 2 && words[0] == "seed"
  }

  /// `1..50` or `7`.
  public static func parseSeeds(_ text: String) -> ClosedRange<UInt64>? {
    if let r = text.range(of: "..") {
      guard let a = UInt64(text[..<r.lowerBound]), let b = UInt64(text[r.upperBound...]), a <= b, b - a < 100_000 else {
        return nil
      }
      return a...b
    }
    return UInt64(text).map { $0...$0 }
  }

  public static func render(_ report: Report, file: String, seeds: ClosedRange<UInt64>) -> String {
    let rows = report.rows
    guard !rows.isEmpty else { return "\(file): no expectations to audit" }
    let runs = Int(seeds.upperBound - seeds.lowerBound + 1)
    var t = TextTable(["LINE", "EXPECTATION", "HELD", "RATE", ""], rightAligned: [0, 2, 3])
    for r in rows {
      let rate = Percent.format((Double(r.held) / Double(runs) * 1000).rounded() / 1000)
      let verdict = r.held == runs ? "always" : r.held == 0 ? "never" : "FLAKY"
      t.add([
        String(r.line), r.expectation, "\(r.held)/\(runs)", rate,
        verdict + (r.notReached > 0 ? " (\(r.notReached) not reached)" : ""),
      ])
    }
    return "\(file), seeds \(seeds.lowerBound)..\(seeds.upperBound)"
      + (report.ignoredSeedLines ? " (its own 'seed' lines ignored)" : "") + ":\n"
      + t.render()
  }
}
