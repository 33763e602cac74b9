import DistLab
import DistLabShell
import Foundation
import XCTest

/// The reference engine is the oracle for the sim engine: the same transcript or lesson,
/// replayed once on node threads in parallel batches and once one event at a time on one
/// thread, must print the same output and leave the same trace, event for event.
final class EngineOracleTests: XCTestCase {
  func session(seed: UInt64, singleThreaded: Bool, base: String) -> ShellSession {
    var config = WorldConfig()
    config.seed = seed
    config.singleThreaded = singleThreaded
    // The sim side hands every batch to the node threads: the replay tests cover the inline
    // path against the recorded output, this the threaded path against the reference.
    config.simHandOff = .always
    let s = ShellSession(config: config, style: .plain)
    s.baseDirectory = base
    s.lessonDirectory = LessonLibrary.defaultDirectory()
    return s
  }

  /// Every field of every kept trace event, in order.
  func fingerprint(_ world: World) -> [String] {
    world.trace.ordered.map { e in
      [
        "\(e.time.value)", e.kind.rawValue, e.node.description, e.peer?.description ?? "-",
        e.messageID.map(String.init) ?? "-", e.latency.map { String($0.value) } ?? "-",
        e.bytes.map { Hex.spaced($0) } ?? "-", "\(e.detail)",
      ].joined(separator: " ")
    }
  }

  func assertSameTrace(_ a: World, _ b: World, _ what: String) {
    let x = fingerprint(a)
    let y = fingerprint(b)
    XCTAssertGreaterThan(x.count, 0, "\(what): the trace is empty")
    guard x != y else { return }
    let i = (0..<min(x.count, y.count)).first { x[$0] != y[$0] } ?? min(x.count, y.count)
    XCTFail(
      "\(what): sim and reference traces differ at event \(i) of \(x.count) / \(y.count):\n  sim:       \(i < x.count ? x[i] : "<end>")\n  reference: \(i < y.count ? y[i] : "<end>")"
    )
  }

  func testEveryTranscriptGivesTheSameTraceOnTheSimAndReferenceEngines() throws {
    let root = TranscriptReplayTests.root.appendingPathComponent("Transcripts").path
    let files = try TranscriptReplayer.collect([root]).filter { $0.hasSuffix(".transcript") }
    XCTAssertGreaterThanOrEqual(files.count, 10)
    for file in files {
      let transcript = try Transcript.parse(try ScriptFile.lines(file), file: file)
      let sim = session(seed: 1, singleThreaded: false, base: root)
      let reference = session(seed: 1, singleThreaded: true, base: root)
      let a = TranscriptReplayer.replay(transcript, in: sim, file: file)
      let b = TranscriptReplayer.replay(transcript, in: reference, file: file)
      XCTAssertTrue(a.passed, "\(file) on the sim engine:\n\(a.diff)")
      XCTAssertTrue(b.passed, "\(file) on the reference engine:\n\(b.diff)")
      if sim.world.mode == .sim { assertSameTrace(sim.world, reference.world, file) }
    }
  }

  func testEveryLessonGivesTheSameTraceOnTheSimAndReferenceEngines() throws {
    let root = TranscriptReplayTests.root.appendingPathComponent("Lessons").path
    let files = try TranscriptReplayer.collect([root])
    XCTAssertGreaterThanOrEqual(files.count, 4)
    for file in files {
      let lesson = try LessonParser.load(file)
      let sim = session(seed: lesson.seed, singleThreaded: false, base: root)
      let reference = session(seed: lesson.seed, singleThreaded: true, base: root)
      for example in lesson.examples {
        let place = "\(file):\(example.line)"
        // Process mode runs on the wall clock with no seed: everything before it is compared.
        let startsProcesses = example.transcript.entries.contains {
          if case .command(let input, _, _) = $0 { return input == "mode process" }
          return false
        }
        if sim.world.mode == .sim, startsProcesses {
          assertSameTrace(sim.world, reference.world, file)
        }
        let a = TranscriptReplayer.replay(example.transcript, in: sim, file: place)
        let b = TranscriptReplayer.replay(example.transcript, in: reference, file: place)
        XCTAssertTrue(a.passed, "\(place) on the sim engine:\n\(a.diff)")
        XCTAssertTrue(b.passed, "\(place) on the reference engine:\n\(b.diff)")
      }
      if sim.world.mode == .sim { assertSameTrace(sim.world, reference.world, file) }
    }
  }
}
