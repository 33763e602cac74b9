import DistLabConsensus
import XCTest

/// The model checker explores every delivery order of a small Paxos: the correct protocol
/// never chooses two values; the acceptor that forgets its promise on restart does, and the
/// search finds a shortest trace to it.
final class PaxosModelTests: XCTestCase {
  func config(rounds: Int, crashes: Int, forgetful: Bool) -> PaxosModel.Configuration {
    .init(acceptors: 3, proposers: 2, rounds: rounds, crashes: crashes, duplication: false, forgetful: forgetful)
  }

  func testTheCorrectProtocolIsSafeInEveryReachableState() {
    let r = PaxosModel(config(rounds: 1, crashes: 1, forgetful: false)).check()
    XCTAssertNil(r.counterexample)
    XCTAssertFalse(r.stoppedAtBound)
    XCTAssertEqual(r.states, 25_920, "the same search explores the same states")
  }

  func testAForgetfulAcceptorLetsTwoValuesBeChosenAndTheTraceIsShortest() throws {
    let r = PaxosModel(config(rounds: 1, crashes: 1, forgetful: true)).check()
    let trace = try XCTUnwrap(r.counterexample)
    XCTAssertEqual(Set(r.chosen), [1, 2])
    XCTAssertTrue(trace.contains { if case .crash = $0 { true } else { false } }, "it takes a restart")
    // Two ballots need 2 starts, 2×2 prepares and promises to reach two majorities that
    // overlap in one acceptor, 3 accepts to choose one value with it and one more after the
    // crash: 15 steps, and no shorter trace exists.
    XCTAssertEqual(trace.count, 15)
    XCTAssertNil(PaxosModel(config(rounds: 1, crashes: 0, forgetful: true)).check().counterexample, "no crash, no harm")
  }

  func testTheEstimateGrowsWithEverySetting() {
    let base = PaxosModel.estimate(config(rounds: 1, crashes: 0, forgetful: false))
    XCTAssertEqual(base, 12_960)
    XCTAssertGreaterThan(PaxosModel.estimate(config(rounds: 2, crashes: 0, forgetful: false)), base * 100)
    XCTAssertGreaterThan(PaxosModel.estimate(config(rounds: 1, crashes: 1, forgetful: false)), base)
  }

  /// FLP's non-termination, found: a schedule in which both ballots reach phase 2 and nothing
  /// is chosen, the second ballot's prepares winning the acceptors the first one needs.
  func testTheSearchFindsADuelInWhichNothingIsChosen() throws {
    let r = PaxosModel(config(rounds: 1, crashes: 0, forgetful: false)).duel()
    let trace = try XCTUnwrap(r.counterexample)
    XCTAssertEqual(trace.count, 10)
    XCTAssertEqual(r.chosen, [])
    let starts = trace.filter { if case .start = $0 { true } else { false } }
    XCTAssertEqual(starts.count, 2)
  }
}
