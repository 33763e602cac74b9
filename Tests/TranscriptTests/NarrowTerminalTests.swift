import DistLab
import DistLabShell
import Foundation
import XCTest

/// Every transcript and every lesson example, replayed on an 80-column terminal, prints no
/// line wider than 80 columns. (The golden files keep their full width: fitting happens only
/// where a terminal's width is known.)
final class NarrowTerminalTests: XCTestCase {
  /// The lines wider than 80 columns that `t`'s commands print, replayed at 80 columns.
  static func fitted(_ t: Transcript, seed: UInt64, base: String, label: String) -> [String] {
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
    let transcripts = root.appendingPathComponent("Transcripts").path
    let lessons = root.appendingPathComponent("Lessons").path
    var work: [(Transcript, UInt64, String, String)] = []
    for file in try TranscriptReplayer.collect([transcripts]) {
      work.append((try Transcript.parse(try ScriptFile.lines(file), file: file), 1, transcripts, file))
    }
    for file in try TranscriptReplayer.collect([lessons]) {
      let lesson = try LessonParser.load(file)
      work.append((Transcript(entries: lesson.examples.flatMap(\.transcript.entries)), lesson.seed, lessons, file))
    }
    // Each file is a world of its own: two threads take them in turn.
    let shares = [
      work.enumerated().filter { $0.offset % 2 == 0 }.map(\.element),
      work.enumerated().filter { $0.offset % 2 == 1 }.map(\.element),
    ]
    let wide = Locked<[Int: [String]]>([:])
    let done = DispatchGroup()
    for (k, share) in shares.enumerated() {
      done.enter()
      let thread = Thread {
        let found = share.flatMap { Self.fitted($0.0, seed: $0.1, base: $0.2, label: $0.3) }
        wide.withLock { $0[k] = found }
        done.leave()
      }
      thread.stackSize = 16 << 20
      thread.start()
    }
    done.wait()
    let all = wide.withLock { ($0[0] ?? []) + ($0[1] ?? []) }
    XCTAssertEqual(wide.withLock { $0.count }, 2, "both threads finished")
    XCTAssertEqual(all.count, 0, "\n" + all.prefix(40).joined(separator: "\n"))
  }
}
