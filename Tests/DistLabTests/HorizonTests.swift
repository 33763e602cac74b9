import DistLab
import XCTest

/// The world's clock stops at its horizon: no duration, deadline or timer can overflow the
/// clock, in any engine, and what would pass it is refused or never happens.
final class HorizonTests: XCTestCase {
  func testSumsOfTimesSaturateInsteadOfWrapping() {
    let max = Nanoseconds(.max)
    XCTAssertEqual(max + Nanoseconds(1), max)
    XCTAssertEqual(Nanoseconds(.min) - Nanoseconds(1), Nanoseconds(.min))
    XCTAssertEqual(Nanoseconds.seconds(1).times(Int.max), max)
    XCTAssertEqual(Nanoseconds.seconds(2).times(3), .seconds(6))
    XCTAssertTrue((Nanoseconds.horizon + Nanoseconds(1)).isPastHorizon)
    XCTAssertFalse(Nanoseconds.horizon.isPastHorizon)
  }

  func testASleepPastTheHorizonIsAnErrorOnEveryEngine() throws {
    for (mode, singleThreaded) in [(WorldMode.sim, false), (.sim, true), (.live, false)] {
      var config = WorldConfig()
      config.mode = mode
      config.singleThreaded = singleThreaded
      let world = World(config: config)
      _ = try world.spawn(count: 1)
      let outcome = try world.call(to: NodeID(1), method: "sleep", args: [.int(.max)])
      guard case .error = outcome.result else {
        return XCTFail("\(mode) \(singleThreaded): \(outcome.result)")
      }
      XCTAssertGreaterThanOrEqual(outcome.endedAt, outcome.startedAt, "a round trip is never negative")
    }
  }

  func testACallWhoseRetriesWouldOutlastTheHorizonIsRefused() throws {
    let world = try makeWorld(nodes: 1)
    var options = CallOptions()
    options.timeout = .seconds(800_000 * 3600)
    options.retries = 100
    XCTAssertThrowsError(try world.call(to: NodeID(1), method: "ping", args: [], options: options)) {
      XCTAssertEqual($0 as? WorldError, .pastHorizon)
    }
    XCTAssertEqual(world.now, .zero, "a refused call moves no clock")
    XCTAssertThrowsError(try world.advance(by: .horizon + Nanoseconds(1))) {
      XCTAssertEqual($0 as? WorldError, .pastHorizon)
    }
  }

  func testATimerPastTheHorizonNeverFiresAndSaysSo() throws {
    for singleThreaded in [false, true] {
      var config = WorldConfig()
      config.singleThreaded = singleThreaded
      let world = World(config: config, roles: ProgramAPITests.roles)
      _ = try world.spawn(count: 1, roles: ["probe"])
      _ = try world.call(to: NodeID(1), method: "arm", args: [.int(.max)])
      XCTAssertEqual(world.pendingEvents, 0, "nothing waits past the horizon")
      XCTAssertEqual(world.events(.note).map(\.detail), [.pastHorizon])
    }
  }
}
