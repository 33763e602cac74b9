import Dispatch
import DistLab
import XCTest

/// Live mode: the same nodes on the wall clock. Bounds are loose; the machine may be busy.
final class LiveModeTests: XCTestCase {
  /// Wall-clock time spent in `body`.
  func timed<T>(_ body: () throws -> T) rethrows -> (T, Nanoseconds) {
    let start = DispatchTime.now().uptimeNanoseconds
    let result = try body()
    return (result, Nanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start)))
  }

  func testALiveWorldIsLive() throws {
    let world = try makeWorld(mode: .live, nodes: 1)
    XCTAssertEqual(world.mode, .live)
    let a = world.now
    Thread.sleep(forTimeInterval: 0.02)
    XCTAssertGreaterThanOrEqual(world.now - a, .milliseconds(20), "the clock runs by itself")
  }

  func testCallAddWorks() throws {
    let world = try makeWorld(mode: .live, nodes: 2)
    let out = try world.call(to: world.id("n1"), method: "add", args: [.int(10), .int(20)])
    XCTAssertEqual(out.result, .value([.int(30)]))
    XCTAssertEqual(out.attempts, 1)
    // Two 1 ms hops at least; far less than the 1 s timeout.
    XCTAssertGreaterThanOrEqual(out.roundTrip, .milliseconds(2))
    XCTAssertLessThan(out.roundTrip, .seconds(1))
    let fromNode = try world.call(from: world.id("n2"), to: world.id("n1"), method: "add", args: [.int(1), .int(2)])
    XCTAssertEqual(fromNode.result, .value([.int(3)]))
    XCTAssertEqual(try world.call(to: world.id("n1"), method: "fail", args: []).result, .error("failed on purpose"))
  }

  func testKeyValueStateLivesInTheNode() throws {
    let world = try makeWorld(mode: .live, nodes: 1)
    let n1 = world.id("n1")
    XCTAssertEqual(try world.call(to: n1, method: "kv.put", args: [.string("k"), .int(5)]).result, .value([.null]))
    XCTAssertEqual(try world.call(to: n1, method: "kv.incr", args: [.string("k")]).result, .value([.int(6)]))
    _ = try world.restart([n1])
    XCTAssertEqual(world.info(n1)?.incarnation, 2)
    XCTAssertEqual(try world.call(to: n1, method: "kv.get", args: [.string("k")]).result, .value([.null]))
  }

  func testSendDelivers() throws {
    let world = try makeWorld(mode: .live, nodes: 2)
    let out = try world.send(from: world.id("n1"), to: world.id("n2"), texts: ["a", "b", "c"])
    XCTAssertFalse(out.interrupted)
    for m in out.messages {
      guard case .delivered(_, let latency) = m.fate else { return XCTFail("\(m.fate)") }
      XCTAssertGreaterThanOrEqual(latency, .milliseconds(1))
    }
    XCTAssertEqual(Set(out.arrivalOrder), Set(out.messages.map(\.id)))
    let summary = try XCTUnwrap(try world.summary(of: world.id("n2")))
    XCTAssertEqual(summary.received, 3)
    XCTAssertEqual(Set(summary.lastMessages), ["a", "b", "c"])
  }

  func testTheNetworkAppliesInLiveMode() throws {
    let world = try makeWorld(mode: .live, nodes: 2)
    let (n1, n2) = (world.id("n1"), world.id("n2"))
    try world.setLoss(1, link: Link(n1, n2))
    let lost = try world.send(from: n1, to: n2, texts: ["x"])
    XCTAssertEqual(lost.messages[0].fate, .dropped(reason: .loss))
    try world.setLoss(0, link: Link(n1, n2))
    try world.cut(from: .client, to: n2)
    XCTAssertEqual(try world.send(from: .client, to: n2, texts: ["x"]).messages[0].fate, .dropped(reason: .cut))
    try world.setLatency(.fixed(.milliseconds(30)))
    world.heal()
    let (out, wall) = try timed { try world.send(from: .client, to: n2, texts: ["slow"]) }
    guard case .delivered(_, let latency) = out.messages[0].fate else { return XCTFail("\(out.messages[0].fate)") }
    XCTAssertGreaterThanOrEqual(latency, .milliseconds(30))
    XCTAssertGreaterThanOrEqual(wall, .milliseconds(30))
  }

  func testAdvanceWaitsAboutTheWallTime() throws {
    let world = try makeWorld(mode: .live, nodes: 1)
    let (out, wall) = try timed { try world.advance(by: .milliseconds(200)) }
    XCTAssertFalse(out.interrupted)
    XCTAssertGreaterThanOrEqual(wall, .milliseconds(200))
    XCTAssertLessThan(wall, .milliseconds(1200))
    XCTAssertGreaterThanOrEqual(out.to - out.from, .milliseconds(200))
  }

  func testAdvanceCanBeInterrupted() throws {
    let world = try makeWorld(mode: .live, nodes: 1)
    let (out, wall) = try timed { try world.advance(by: .seconds(30), cancel: { true }) }
    XCTAssertTrue(out.interrupted)
    XCTAssertLessThan(wall, .seconds(1))
  }

  func testACallToAKilledNodeTimesOutAfterEveryAttempt() throws {
    let world = try makeWorld(mode: .live, nodes: 1)
    _ = try world.kill([world.id("n1")])
    var options = CallOptions()
    options.timeout = .milliseconds(100)
    options.retries = 2
    let (out, wall) = try timed {
      try world.call(to: world.id("n1"), method: "add", args: [.int(1), .int(2)], options: options)
    }
    XCTAssertEqual(out.result, .timeout)
    XCTAssertEqual(out.attempts, 3)
    XCTAssertGreaterThanOrEqual(out.roundTrip, .milliseconds(300))
    XCTAssertLessThan(out.roundTrip, .milliseconds(300 + 700))
    XCTAssertLessThan(wall, .milliseconds(300 + 700))
    XCTAssertGreaterThanOrEqual(world.trace.stats.droppedBy[.nodeDown] ?? 0, 3)
  }

  /// Many calls at once are waited for in sleeps rather than looked for one by one: every
  /// answer is still matched to its call, and calls nobody answers still time out on time.
  func testAFanOutOfManyCallsGetsEveryAnswerAndEveryTimeout() throws {
    let world = try makeWorld(mode: .live, nodes: 2)
    _ = try world.kill([world.id("n2")])
    let requests = (0..<300).map { i in
      CallRequest(to: world.id(i % 3 == 0 ? "n2" : "n1"), method: "add", args: [.int(Int64(i)), .int(1)])
    }
    var options = CallOptions()
    options.timeout = .milliseconds(200)
    let (outcomes, wall) = try timed { try world.callAll(requests, options: options) }
    for (i, out) in outcomes.enumerated() {
      XCTAssertEqual(out.result, i % 3 == 0 ? .timeout : .value([.int(Int64(i) + 1)]), "call \(i)")
    }
    XCTAssertGreaterThanOrEqual(wall, .milliseconds(200))
    XCTAssertLessThan(wall, .milliseconds(200 + 800))
  }

  func testSleepTakesAtLeastItsTime() throws {
    let world = try makeWorld(mode: .live, nodes: 1)
    let out = try world.call(to: world.id("n1"), method: "sleep", args: [.int(100_000_000)])
    XCTAssertEqual(out.result, .value([.string("slept")]))
    XCTAssertGreaterThanOrEqual(out.roundTrip, .milliseconds(100))
    XCTAssertLessThan(out.roundTrip, .seconds(1))
  }

  func testAPausedNodeAnswersAfterItResumes() throws {
    let world = try makeWorld(mode: .live, nodes: 1)
    let n1 = world.id("n1")
    _ = try world.pause([n1])
    var options = CallOptions()
    options.timeout = .milliseconds(100)
    XCTAssertEqual(try world.call(to: n1, method: "kv.incr", args: [.string("c")], options: options).result, .timeout)
    _ = try world.resume([n1])
    // The held request runs on resume, so the counter is already 1 when this one runs.
    XCTAssertEqual(try world.call(to: n1, method: "kv.incr", args: [.string("c")]).result, .value([.int(2)]))
  }

  func testSwitchingModeStartsOver() throws {
    let world = try makeWorld(nodes: 2)
    try world.switchMode(.live)
    XCTAssertEqual(world.mode, .live)
    XCTAssertEqual(world.allNodes.count, 0)
    _ = try world.spawn(count: 1)
    XCTAssertEqual(try world.call(to: world.id("n1"), method: "echo", args: [.int(1)]).result, .value([.int(1)]))
    try world.switchMode(.sim)
    _ = try world.spawn(count: 1)
    let out = try world.call(to: world.id("n1"), method: "echo", args: [.int(1)])
    XCTAssertEqual(out.roundTrip, .milliseconds(2), "back on the virtual clock")
  }
}
