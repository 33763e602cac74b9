import DistLab
import DistLabShell
import Foundation
import XCTest

/// Every transcript and every lesson example, replayed on an 80-column terminal, prints no
/// line wider than 80 columns. (The golden files keep their full width: fitting happens only
/// where a terminal's width is known.)
final class NarrowTerminalTests: XCTestCase {
  func fitted(_ t: Transcript, seed: UInt64, base: String, label: String) -> [String] {
    var config = WorldConfig()
    config.seed = seed
    let session = ShellSession(config: config, style: Style(colour: false, columns: 80))
    session.baseDirectory = base
    session.lessonDirectory = LessonLibrary.defaultDirectory()
    var wide: [String] = []
    for case .command(let input, _, let line) in t.entries {
      for l in session.run(input).text.split(separator: "\n") where TextWidth.of(String(l)) > 80 {
        wide.append("\(label):\(line) \(input): \(TextWidth.of(String(l))) columns: \(l)")
      }
    }
    return wide
  }

  func testEveryTranscriptAndLessonExampleFitsEightyColumns() throws {
    let root = TranscriptReplayTests.root
    var wide: [String] = []
    for file in try TranscriptReplayer.collect([root.appendingPathComponent("Transcripts").path]) {
      let t = try Transcript.parse(try ScriptFile.lines(file), file: file)
      wide += fitted(t, seed: 1, base: root.appendingPathComponent("Transcripts").path, label: file)
    }
    for file in try TranscriptReplayer.collect([root.appendingPathComponent("Lessons").path]) {
      let lesson = try LessonParser.load(file)
      let all = Transcript(entries: lesson.examples.flatMap(\.transcript.entries))
      wide += fitted(all, seed: lesson.seed, base: root.appendingPathComponent("Lessons").path, label: file)
    }
    XCTAssertEqual(wide.count, 0, "\n" + wide.prefix(40).joined(separator: "\n"))
  }
}
