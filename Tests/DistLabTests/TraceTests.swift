import DistLab
import XCTest

/// The trace: a bounded log of what happened, with totals over everything ever recorded.
final class TraceTests: XCTestCase {
  func event(_ i: Int, _ kind: TraceEvent.Kind = .note, latency: Int64? = nil, detail: TraceDetail = .none)
    -> TraceEvent
  {
    TraceEvent(
      time: Nanoseconds(Int64(i)), kind: kind, node: NodeID(1), detail: detail,
      latency: latency.map(Nanoseconds.init))
  }

  func testTheLogKeepsTheNewestEventsInOrder() {
    var log = TraceLog(limit: 10)
    for i in 0..<25 { log.record(event(i)) }
    XCTAssertEqual(log.events.count, 10)
    XCTAssertEqual(log.ordered.map(\.time.value), Array(15..<25))
    XCTAssertEqual(log.totalRecorded, 25)
  }

  func testResizingKeepsTheNewestAndContinues() {
    var log = TraceLog(limit: 10)
    for i in 0..<13 { log.record(event(i)) }
    log.resize(limit: 4)
    XCTAssertEqual(log.ordered.map(\.time.value), [9, 10, 11, 12])
    log.record(event(13))
    XCTAssertEqual(log.ordered.map(\.time.value), [10, 11, 12, 13])
    log.resize(limit: 6)
    log.record(event(14))
    log.record(event(15))
    log.record(event(16))
    XCTAssertEqual(log.ordered.map(\.time.value), [11, 12, 13, 14, 15, 16])
    XCTAssertEqual(log.totalRecorded, 17)
  }

  func testStatisticsCountEverythingEvenWhatTheLogForgot() {
    var log = TraceLog(limit: 3)
    for i in 0..<5 { log.record(event(i, .send)) }
    for i in 0..<4 { log.record(event(i, .deliver, latency: Int64(100 * (i + 1)))) }
    log.record(event(0, .drop, detail: .dropped(.loss)))
    log.record(event(0, .drop, detail: .dropped(.loss)))
    log.record(event(0, .drop, detail: .dropped(.partition)))
    log.record(event(0, .duplicate))
    let s = log.stats
    XCTAssertEqual(s.sent, 5)
    XCTAssertEqual(s.delivered, 4)
    XCTAssertEqual(s.dropped, 3)
    XCTAssertEqual(s.droppedBy, [.loss: 2, .partition: 1])
    XCTAssertEqual(s.duplicated, 1)
    XCTAssertEqual(s.latencies, [100, 200, 300, 400])
    log.clearStats()
    XCTAssertEqual(log.stats, TrafficStats())
    XCTAssertEqual(log.events.count, 3, "clearing statistics keeps the events")
  }

  func testPercentilesUseTheNearestRank() {
    var stats = TrafficStats()
    XCTAssertNil(stats.latencyPercentile(0.5))
    stats.latencies = (1...100).reversed().map(Int64.init)
    XCTAssertEqual(stats.latencyPercentile(0.5), Nanoseconds(50))
    XCTAssertEqual(stats.latencyPercentile(0.99), Nanoseconds(99))
    XCTAssertEqual(stats.latencyPercentile(1), Nanoseconds(100))
    XCTAssertEqual(stats.latencyPercentile(0), Nanoseconds(1))
    stats.latencies = [7]
    XCTAssertEqual(stats.latencyPercentile(0.9), Nanoseconds(7))
  }

  func testMessageLabels() {
    func label(_ f: Frame) -> String? {
      TraceEvent(time: .zero, kind: .send, node: .client, bytes: FrameCodec.encode(f)).messageLabel
    }
    XCTAssertEqual(label(Frame(kind: .request, callID: 1, method: "add", args: [.int(10), .int(20)])), "add(10, 20)")
    XCTAssertEqual(label(Frame(kind: .reply, callID: 1, method: "add", args: [.int(30)])), "reply 30")
    XCTAssertEqual(
      label(Frame(kind: .error, method: "fail", args: [.string("failed on purpose")])), "error \"failed on purpose\"")
    XCTAssertEqual(label(.message("hello")), "hello")
    XCTAssertNil(TraceEvent(time: .zero, kind: .send, node: .client, bytes: [1, 2]).messageLabel)
    XCTAssertNil(TraceEvent(time: .zero, kind: .note, node: .client).messageLabel)
  }

  func testTheWorldsTraceHonoursItsLimit() throws {
    let world = try makeWorld(nodes: 2)
    assertRefused(try world.setTraceLimit(9))
    try world.setTraceLimit(10)
    _ = try world.send(from: .client, to: world.id("n1"), texts: (1...20).map { "m\($0)" })
    XCTAssertEqual(world.trace.events.count, 10)
    // 2 spawns, then 20 sends and 20 deliveries.
    XCTAssertEqual(world.trace.totalRecorded, 42)
    XCTAssertEqual(world.trace.stats.sent, 20)
    XCTAssertEqual(world.trace.stats.delivered, 20)
    world.clearStats()
    XCTAssertEqual(world.trace.stats.sent, 0)
  }

  func testTraceTimesNeverGoBackwards() throws {
    let world = try makeWorld(seed: 3, nodes: 4)
    try world.setLatency(.exponential(mean: .milliseconds(5)))
    try world.setDuplication(0.3)
    for i in 1...4 {
      _ = try world.send(from: world.id("n\(i)"), to: world.id("n\(i % 4 + 1)"), texts: ["a", "b", "c"])
      var o = CallOptions()
      o.timeout = .milliseconds(3)
      o.retries = 2
      _ = try world.call(to: world.id("n\(i)"), method: "sleep", args: [.int(2_000_000)], options: o)
      _ = try world.advance(by: .milliseconds(2))
    }
    let times = world.trace.ordered.map(\.time)
    XCTAssertEqual(times, times.sorted())
  }
}
