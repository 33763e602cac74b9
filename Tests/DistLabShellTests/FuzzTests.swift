import DistLab
import Foundation
import XCTest

@testable import DistLabShell

/// Random and mutated input: nothing crashes or hangs, every rejected line gets one line of
/// error, and a rejected line leaves the world exactly as it was.
final class FuzzTests: XCTestCase {
  static let vocabulary: [String] = {
    var words: [String] = CommandRegistry.names.filter { !["record", "source"].contains($0) }
    for spec in CommandRegistry.all {
      words += spec.subcommands.map(\.name)
      words += spec.flags.map(\.name)
      for sub in spec.subcommands { words += sub.flags.map(\.name) }
    }
    words += RoleCatalog.builtIn.allMethods.map(\.name)
    let extra: [String] = [
      "n1", "n2", "n3", "n4", "n9", "all", "db", "cli", "n1,n2", "n1..n3", "n3..n1", "n1..", ",", "|", "n1|n2", "0",
      "1", "2",
      "3", "-1", "99999999999999999999", "1.5", "nan", "inf", "10ms", "0s", "1h", "25h", "-5ms", "10%", "150%", "0.5",
      "abc",
      "\"q q\"", "\"", "#", "==", "!=", "<=", "value", "error", "rtt", "and", "or", "us-east", "eu-west", "fixed",
      "uniform",
      "normal", "exp", "sim", "max-nodes", "trace-limit", "n2.kv.x", "stats.p50", "--", "---", "--x=", "--timeout=",
      "✓", "日本",
      "\t", "..",
    ]
    return words + extra
  }()

  static let mutations: [Character] = [
    "\"", "\\", "#", "|", ",", ".", "-", "=", " ", "\t", "\u{0}", "\u{7f}", "é", "✗", "9", "n",
  ]

  /// Valid lines from help examples, to mutate.
  static let seeds: [String] = CommandRegistry.all.flatMap { s in s.example + s.subcommands.flatMap(\.example) }
    .filter { !$0.hasPrefix("record") && !$0.hasPrefix("source") && !$0.hasPrefix("mode live") }

  func randomLine(_ rng: inout SeededRandom) -> String {
    switch rng.next() % 3 {
    case 0:
      let n = Int(rng.next() % 7) + 1
      return (0..<n).map { _ in Self.vocabulary[Int(rng.next() % UInt64(Self.vocabulary.count))] }.joined(
        separator: " ")
    case 1:
      var chars = Array(Self.seeds[Int(rng.next() % UInt64(Self.seeds.count))])
      for _ in 0..<(Int(rng.next() % 4) + 1) {
        let pos = chars.isEmpty ? 0 : Int(rng.next() % UInt64(chars.count + 1))
        switch rng.next() % 3 {
        case 0: chars.insert(Self.mutations[Int(rng.next() % UInt64(Self.mutations.count))], at: pos)
        case 1: if pos < chars.count { chars.remove(at: pos) }
        default:
          if pos < chars.count { chars[pos] = Self.mutations[Int(rng.next() % UInt64(Self.mutations.count))] }
        }
      }
      return String(chars)
    default:
      var words = Self.seeds[Int(rng.next() % UInt64(Self.seeds.count))].split(separator: " ").map(String.init)
      if words.count > 1 {
        let i = Int(rng.next() % UInt64(words.count))
        words[i] = Self.vocabulary[Int(rng.next() % UInt64(Self.vocabulary.count))]
      }
      return words.joined(separator: " ")
    }
  }

  func testTenThousandRandomAndMutatedLines() {
    var rng = SeededRandom(seed: 2024)
    var session = preparedSession(maxNodes: 12)
    var errors = 0
    for i in 0..<10_000 {
      if i % 500 == 0 { session = preparedSession(maxNodes: 12) }
      let line = randomLine(&rng)
      if line.hasPrefix("mode live") || line.contains("mode live") { continue }
      let deadline = Date().addingTimeInterval(2)
      session.cancel = { Date() > deadline }
      let before = WorldFingerprint(session.world)
      let started = Date()
      let outcome = session.run(line)
      XCTAssertLessThan(Date().timeIntervalSince(started), 5, "line hung: \(line)")
      if outcome.status == .error {
        errors += 1
        XCTAssertFalse(outcome.text.contains("\n"), "a multi-line error for '\(line)': \(outcome.text)")
        XCTAssertTrue(outcome.text.hasPrefix("error: "), outcome.text)
        XCTAssertEqual(
          WorldFingerprint(session.world), before, "rejected line changed the world: \(line) → \(outcome.text)")
      }
      for out in outcome.text.split(separator: "\n") where out.hasPrefix("#") {
        XCTFail("output line starts with '#', which a transcript would read as a comment: \(line) → \(out)")
      }
      if outcome.status == .exit { session = preparedSession(maxNodes: 12) }
    }
    XCTAssertGreaterThan(errors, 3000, "the fuzz input should be mostly wrong")
  }

  func testGarbledScriptFiles() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("distlab-fuzz-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var rng = SeededRandom(seed: 77)
    for i in 0..<200 {
      let path = dir.appendingPathComponent("g\(i).distlab").path
      var bytes: [UInt8]
      if i % 2 == 0 {
        bytes = (0..<Int(rng.next() % 400)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      } else {
        bytes = Array((0..<20).map { _ in randomLine(&rng) }.joined(separator: i % 3 == 0 ? "\r\n" : "\n").utf8)
        if !bytes.isEmpty { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
      }
      XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)), path)
      let lines: [String]
      do {
        lines = try ScriptFile.lines(path)
      } catch {
        XCTAssertFalse(error.reason.contains("\n"))
        continue
      }
      let session = ShellSession()
      let deadline = Date().addingTimeInterval(5)
      session.cancel = { Date() > deadline }
      let report = ScriptRunner.run(
        lines: lines.filter { !$0.contains("mode live") }, file: "g\(i).distlab", session: session)
      if let e = report.firstError {
        XCTAssertTrue(e.hasPrefix("g\(i).distlab:"), e)
        XCTAssertFalse(e.contains("\n"), e)
      }
    }
  }

  func testTranscriptParserRejectsGarbageWithALine() {
    XCTAssertThrowsError(try Transcript.parse(["hello", "distlab> spawn 1"], file: "t")) { e in
      XCTAssertEqual((e as? FileProblem)?.reason, "line 1: output before the first 'distlab> ' line")
    }
  }
}
