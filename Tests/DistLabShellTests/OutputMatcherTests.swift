import Foundation
import XCTest

@testable import DistLabShell

/// Transcript matching for output that legitimately varies, and the flakiness audit.
final class OutputMatcherTests: XCTestCase {
  func testExactLinesMatchOnlyThemselves() {
    XCTAssertTrue(OutputMatcher.matches(expected: ["a", "b"], actual: ["a", "b"]))
    XCTAssertFalse(OutputMatcher.matches(expected: ["a", "b"], actual: ["b", "a"]))
    XCTAssertFalse(OutputMatcher.matches(expected: ["a"], actual: ["a", "b"]))
  }

  func testRegexGlobAndOneOf() {
    XCTAssertTrue(
      OutputMatcher.matches(
        expected: ["{re} n2\\.add\\(1, 2\\) = 3 .*round trip [0-9.]+ms\\)"],
        actual: ["n2.add(1, 2) = 3  (rpc#1, round trip 2.298ms)"]))
    XCTAssertFalse(
      OutputMatcher.matches(expected: ["{re} round trip"], actual: ["n2.add(1, 2) = 3  (rpc#1, round trip 2ms)"]),
      "a regex must match the whole line")
    XCTAssertTrue(
      OutputMatcher.matches(
        expected: ["{glob} m? n1 → n2 a  arrived at * after *"],
        actual: ["m1 n1 → n2 a  arrived at 0.002s after 1.263ms"]))
    XCTAssertFalse(
      OutputMatcher.matches(expected: ["{glob} m? n1 → n2 a*"], actual: ["m12 n1 → n2 a"]), "? is exactly one character"
    )
    XCTAssertTrue(
      OutputMatcher.matches(
        expected: ["{one of} arrival order: a, b || arrival order: b, a"], actual: ["arrival order: b, a"]))
    XCTAssertFalse(OutputMatcher.matches(expected: ["{one of} x || y"], actual: ["z"]))
  }

  func testAnyOrderBlocks() {
    let expected = ["head", "{any order}", "{glob} m1 *", "{glob} m2 *", "m3 exact", "{end}", "tail"]
    XCTAssertTrue(
      OutputMatcher.matches(expected: expected, actual: ["head", "m3 exact", "m2 later", "m1 first", "tail"]))
    XCTAssertFalse(
      OutputMatcher.matches(expected: expected, actual: ["head", "m3 exact", "m2 later", "m2 again", "tail"]))
    XCTAssertFalse(
      OutputMatcher.matches(expected: expected, actual: ["m3 exact", "m2 later", "m1 first", "head", "tail"]))
  }

  func testMalformedMarkersAreNamed() {
    XCTAssertEqual(OutputMatcher.problem(in: ["{any order}", "x"])?.reason, "{any order} without {end}")
    XCTAssertEqual(OutputMatcher.problem(in: ["x", "{end}"])?.line, 1)
    XCTAssertEqual(OutputMatcher.problem(in: ["{re} ("])?.reason, "'(' is not a valid regular expression")
    XCTAssertNil(OutputMatcher.problem(in: ["{any order}", "a", "{end}"]))
  }

  /// A live-mode transcript written with markers replays although timings differ every run.
  func testALiveTranscriptWithMarkersReplays() throws {
    let t = try Transcript.parse(
      [
        "distlab> mode live", "mode live: the world starts over on the wall clock", "distlab> spawn 2",
        "spawned n1, n2",
        "distlab> rpc n2 add 1 2", "{re} n2\\.add\\(1, 2\\) = 3  \\(rpc#1, round trip [0-9.]+(ms|µs)\\)",
        "distlab> send n1 n2 a b", "{any order}", "{glob} m? n1 → n2 a  arrived at * after *",
        "{glob} m? n1 → n2 b  arrived at * after *",
        "{end}", "{glob} arrival order: *",
      ], file: "live.transcript")
    for _ in 0..<3 {
      let r = TranscriptReplayer.replay(t, file: "live.transcript")
      XCTAssertTrue(r.passed, r.diff)
    }
  }

  func testSeedAuditCountsHowOftenEachExpectationHolds() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("distlab-audit-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("a.distlab").path
    try "seed 99\nspawn 2\nnet loss 50%\nsend n1 n2 x\nexpect delivered == 1\nexpect nodes == 2\n".write(
      toFile: file, atomically: true, encoding: .utf8)
    let report = try SeedAudit.run(file: file, seeds: 1...40)
    let rows = report.rows
    XCTAssertTrue(report.ignoredSeedLines)
    XCTAssertEqual(rows.map(\.line), [5, 6])
    XCTAssertEqual(rows[1].held, 40)
    XCTAssertGreaterThan(rows[0].held, 5, "loss 50%: some seeds deliver")
    XCTAssertLessThan(rows[0].held, 35, "loss 50%: some seeds lose it")
    XCTAssertEqual(rows[0].held + rows[0].failed, 40)
    let text = SeedAudit.render(report, file: "a.distlab", seeds: 1...40)
    XCTAssertTrue(text.contains("FLAKY"), text)
    XCTAssertTrue(text.contains("(its own 'seed' lines ignored)"), text)
    XCTAssertEqual(SeedAudit.parseSeeds("1..50"), 1...50)
    XCTAssertNil(SeedAudit.parseSeeds("5..1"))
    XCTAssertNil(SeedAudit.parseSeeds("x"))
  }
}
