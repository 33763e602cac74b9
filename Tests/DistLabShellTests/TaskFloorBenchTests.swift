import DistLab
import XCTest

@testable import DistLabShell

/// The bench's floor rows are read against the task lab's rows, so their traffic must be
/// whole: every task published reaches a worker and has its result counted.
final class TaskFloorBenchTests: XCTestCase {
  func testTheCallLayerFloorStoresEveryResult() throws {
    let run = try TaskFloorBench.throughput(tasks: 2_000, timeoutSeconds: 20)
    XCTAssertEqual(run.missing, 0)
    XCTAssertGreaterThan(run.tasksPerSecond, 0)
  }

  func testTheRawFloorCountsEveryResult() throws {
    let run = try TaskFloorBench.raw(tasks: 2_000, timeoutSeconds: 20)
    XCTAssertEqual(run.missing, 0)
  }

  func testTheFloorRoundTripWaitsForEachResult() throws {
    let trip = try TaskFloorBench.roundTrip(samples: 50)
    XCTAssertGreaterThan(trip.p50, 0)
    XCTAssertGreaterThanOrEqual(trip.p99, trip.p50)
  }

  func testPercentilesPickTheRankedSample() {
    let times: [Int64] = (1...100).map { Int64($0) * 1_000 }.shuffled()
    let p = LatencyPercentiles.of(times)
    XCTAssertEqual(p.p50, 50)
    XCTAssertEqual(p.p99, 99)
    XCTAssertEqual(LatencyPercentiles.of([]).p50, 0)
  }
}
