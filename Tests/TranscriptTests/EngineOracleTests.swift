import DistLab
import DistLabShell
import Foundation
import XCTest

/// The reference engine is the oracle for the sim engine: the same transcript or lesson,
/// replayed once on node threads in parallel batches and once one event at a time on one
/// thread, must print the same output and leave the same trace, event for event. The two
/// replays are independent worlds, so they run at once, on two threads of their own.
final class EngineOracleTests: XCTestCase {
  static func session(seed: UInt64, singleThreaded: Bool, base: String) -> ShellSession {
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
  static func fingerprint(_ world: World) -> [String] {
    world.trace.ordered.map { e in
      [
        "\(e.time.value)", e.kind.rawValue, e.node.description, e.peer?.description ?? "-",
        e.messageID.map(String.init) ?? "-", e.latency.map { String($0.value) } ?? "-",
        e.bytes.map { Hex.spaced($0) } ?? "-", "\(e.detail)",
      ].joined(separator: " ")
    }
  }

  /// What one engine's replay came to: the replays that did not match, and the sim-mode traces
  /// to compare — one at each point of comparison.
  struct Run: Sendable {
    var mismatches: [String] = []
    var traces: [[String]] = []
  }

  /// Runs `replay` for the sim engine and the reference engine at once.
  static func onBothEngines(_ replay: @escaping @Sendable (_ singleThreaded: Bool) -> Run) -> (sim: Run, reference: Run)
  {
    let runs = Locked<[Bool: Run]>([:])
    let done = DispatchGroup()
    for singleThreaded in [false, true] {
      done.enter()
      let thread = Thread {
        let run = replay(singleThreaded)
        runs.withLock { $0[singleThreaded] = run }
        done.leave()
      }
      thread.stackSize = 16 << 20
      thread.start()
    }
    done.wait()
    return runs.withLock { ($0[false] ?? Run(), $0[true] ?? Run()) }
  }

  func assertSame(_ sim: Run, _ reference: Run, _ what: String) {
    for m in sim.mismatches { XCTFail("\(m) on the sim engine") }
    for m in reference.mismatches { XCTFail("\(m) on the reference engine") }
    XCTAssertEqual(sim.traces.count, reference.traces.count, "\(what): the engines stopped at different places")
    for (x, y) in zip(sim.traces, reference.traces) {
      XCTAssertGreaterThan(x.count, 0, "\(what): the trace is empty")
      guard x != y else { continue }
      let i = (0..<min(x.count, y.count)).first { x[$0] != y[$0] } ?? min(x.count, y.count)
      XCTFail(
        "\(what): sim and reference traces differ at event \(i) of \(x.count) / \(y.count):\n  sim:       \(i < x.count ? x[i] : "<end>")\n  reference: \(i < y.count ? y[i] : "<end>")"
      )
    }
  }

  func testEveryTranscriptGivesTheSameTraceOnTheSimAndReferenceEngines() throws {
    let root = TranscriptReplayTests.root.appendingPathComponent("Transcripts").path
    let files = try TranscriptReplayer.collect([root]).filter { $0.hasSuffix(".transcript") }
    XCTAssertGreaterThanOrEqual(files.count, 10)
    for file in files {
      let transcript = try Transcript.parse(try ScriptFile.lines(file), file: file)
      let (sim, reference) = Self.onBothEngines { singleThreaded in
        let s = Self.session(seed: 1, singleThreaded: singleThreaded, base: root)
        let r = TranscriptReplayer.replay(transcript, in: s, file: file)
        var run = Run()
        if !r.passed { run.mismatches.append("\(file):\n\(r.diff)") }
        if s.world.mode == .sim { run.traces.append(Self.fingerprint(s.world)) }
        return run
      }
      assertSame(sim, reference, file)
    }
  }

  func testEveryLessonGivesTheSameTraceOnTheSimAndReferenceEngines() throws {
    let root = TranscriptReplayTests.root.appendingPathComponent("Lessons").path
    let files = try TranscriptReplayer.collect([root])
    XCTAssertGreaterThanOrEqual(files.count, 4)
    for file in files {
      let lesson = try LessonParser.load(file)
      let (sim, reference) = Self.onBothEngines { singleThreaded in
        let s = Self.session(seed: lesson.seed, singleThreaded: singleThreaded, base: root)
        var run = Run()
        for example in lesson.examples {
          let place = "\(file):\(example.line)"
          // Process mode runs on the wall clock with no seed: everything before it is compared.
          let startsProcesses = example.transcript.entries.contains {
            if case .command(let input, _, _) = $0 { return input == "mode process" }
            return false
          }
          if s.world.mode == .sim, startsProcesses { run.traces.append(Self.fingerprint(s.world)) }
          let r = TranscriptReplayer.replay(example.transcript, in: s, file: place)
          if !r.passed { run.mismatches.append("\(place):\n\(r.diff)") }
        }
        if s.world.mode == .sim { run.traces.append(Self.fingerprint(s.world)) }
        return run
      }
      assertSame(sim, reference, file)
    }
  }
}
