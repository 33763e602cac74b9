import DistLabShell
import Foundation
import XCTest

/// Replays every transcript in Transcripts/: each is a golden test of the shell's output.
final class TranscriptReplayTests: XCTestCase {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  func transcripts() throws -> [String] {
    let files = try TranscriptReplayer.collect([Self.root.appendingPathComponent("Transcripts").path])
    XCTAssertGreaterThanOrEqual(files.count, 6, "Transcripts/ must hold at least six transcripts")
    return files
  }

  func testEveryTranscriptReplaysByteForByte() throws {
    for file in try transcripts() {
      let result = try TranscriptReplayer.replay(file: file)
      XCTAssertGreaterThan(result.commands, 0, file)
      XCTAssertTrue(result.passed, "\(file) differs:\n\(result.diff)")
    }
  }

  func testNoTranscriptRecordsAFailedExpectation() throws {
    for file in try transcripts() {
      let text = try String(contentsOfFile: file, encoding: .utf8)
      XCTAssertFalse(text.contains("✗ expected"), "\(file) records an expectation that does not hold")
      XCTAssertFalse(text.contains("error: "), "\(file) records an error")
    }
  }

  func testATranscriptWithChangedOutputFailsWithADiff() throws {
    let file = try transcripts()[0]
    let lines = try ScriptFile.lines(file)
    var transcript = try Transcript.parse(lines, file: file)
    guard let i = transcript.entries.lastIndex(where: { if case .command = $0 { return true } else { return false } }),
      case .command(let input, var output, let line) = transcript.entries[i]
    else { return XCTFail("no command in \(file)") }
    output.append("a line the program never prints")
    transcript.entries[i] = .command(input: input, output: output, line: line)
    let result = TranscriptReplayer.replay(transcript, file: "changed.transcript")
    XCTAssertFalse(result.passed)
    XCTAssertTrue(result.diff.contains("-a line the program never prints"), result.diff)
    XCTAssertTrue(
      result.diff.hasPrefix("--- changed.transcript (expected)\n+++ changed.transcript (now)\n@@ "), result.diff)
  }
}

/// The README's sample session is a transcript too.
final class ReadmeSessionTests: XCTestCase {
  func testReadmeSessionReplays() throws {
    let readme = try String(contentsOf: TranscriptReplayTests.root.appendingPathComponent("README.md"), encoding: .utf8)
    let blocks = readme.components(separatedBy: "```").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
    let sessions = blocks.filter { $0.hasPrefix("\ndistlab> ") }
    XCTAssertFalse(sessions.isEmpty, "the README shows a session")
    for block in sessions {
      let lines = block.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
      let transcript = try Transcript.parse(lines, file: "README.md")
      let result = TranscriptReplayer.replay(transcript, file: "README.md")
      XCTAssertTrue(result.passed, result.diff)
    }
  }
}
