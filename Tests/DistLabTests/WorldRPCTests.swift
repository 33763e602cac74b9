import DistLab
import XCTest

/// Remote calls: results, timeouts, retries, and at-least-once versus at-most-once execution.
final class WorldRPCTests: XCTestCase {
  func options(timeout: Nanoseconds = .seconds(1), retries: Int = 0, atMostOnce: Bool = false) -> CallOptions {
    var o = CallOptions()
    o.timeout = timeout
    o.retries = retries
    o.atMostOnce = atMostOnce
    return o
  }

  /// Trace events of `kind` that concern `method`, by the note a server leaves.
  func execs(_ world: World, _ method: String) -> Int {
    world.events(.exec).filter { if case .exec(method, _) = $0.detail { true } else { false } }.count
  }

  // MARK: Answers

  func testAddAnswersTheSum() throws {
    let world = try makeWorld(nodes: 1)
    let out = try world.call(to: world.id("n1"), method: "add", args: [.int(10), .int(20)])
    XCTAssertEqual(out.result, .value([.int(30)]))
    XCTAssertEqual(out.attempts, 1)
    XCTAssertEqual(out.from, .client)
    XCTAssertEqual(out.to, world.id("n1"))
    XCTAssertEqual(out.method, "add")
    XCTAssertEqual(out.args, [.int(10), .int(20)])
    // 1 ms there and 1 ms back on the default network.
    XCTAssertEqual(out.startedAt, .zero)
    XCTAssertEqual(out.roundTrip, .milliseconds(2))
    XCTAssertEqual(world.now, .milliseconds(2), "the clock stops when the answer is known")
    let reply = try XCTUnwrap(decoded(out.reply))
    XCTAssertEqual(reply.kind, .reply)
    XCTAssertEqual(reply.callID, out.callID)
    XCTAssertEqual(execs(world, "add"), 1)
  }

  func testCallIDsAreSequential() throws {
    let world = try makeWorld(nodes: 1)
    let ids = try (0..<3).map { _ in try world.call(to: world.id("n1"), method: "echo", args: []).callID }
    XCTAssertEqual(ids, [1, 2, 3])
  }

  func testEchoReturnsEveryKindOfValueUnchanged() throws {
    let world = try makeWorld(nodes: 1)
    let args: [Value] = [
      .null, .bool(true), .int(.min), .int(.max), .double(-2.5), .string(""), .string("日本 ✓"),
      .bytes([0, 255]), .list([.list([]), .string("x"), .list([.int(1)])]),
    ]
    XCTAssertEqual(try world.call(to: world.id("n1"), method: "echo", args: args).result, .value(args))
  }

  func testFailAnswersWithAnError() throws {
    let world = try makeWorld(nodes: 1)
    let n1 = world.id("n1")
    XCTAssertEqual(try world.call(to: n1, method: "fail", args: []).result, .error("failed on purpose"))
    let out = try world.call(to: n1, method: "fail", args: [.string("disk full")])
    XCTAssertEqual(out.result, .error("disk full"))
    XCTAssertEqual(try XCTUnwrap(decoded(out.reply)).kind, .error)
    XCTAssertEqual(out.roundTrip, .milliseconds(2), "an error is an answer, not a timeout")
  }

  func testBadCallsAnswerWithErrors() throws {
    let world = try makeWorld(nodes: 1)
    let n1 = world.id("n1")
    func result(_ method: String, _ args: [Value]) throws -> CallOutcome.Result {
      try world.call(to: n1, method: method, args: args).result
    }
    XCTAssertEqual(try result("nope", []), .error("no method 'nope'"))
    guard case .error = try result("add", [.int(1)]) else { return XCTFail("add with one argument") }
    guard case .error = try result("add", [.int(1), .string("2")]) else { return XCTFail("add with a string") }
    guard case .error(let overflow) = try result("add", [.int(.max), .int(1)]) else { return XCTFail("overflow") }
    XCTAssertTrue(overflow.contains("overflow"), overflow)
    guard case .error = try result("sleep", [.int(-1)]) else { return XCTFail("negative sleep") }
    guard case .error = try result("kv.get", []) else { return XCTFail("kv.get without a key") }
  }

  func testTheKeyValueMethods() throws {
    let world = try makeWorld(nodes: 1)
    let n1 = world.id("n1")
    func call(_ method: String, _ args: Value...) throws -> CallOutcome.Result {
      try world.call(to: n1, method: method, args: args).result
    }
    XCTAssertEqual(try call("kv.put", .string("b"), .int(1)), .value([.null]))
    XCTAssertEqual(try call("kv.put", .string("b"), .int(2)), .value([.int(1)]), "put answers the old value")
    XCTAssertEqual(try call("kv.put", .string("a"), .list([.bool(true)])), .value([.null]))
    XCTAssertEqual(try call("kv.get", .string("a")), .value([.list([.bool(true)])]))
    XCTAssertEqual(try call("kv.keys"), .value([.list([.string("a"), .string("b")])]))
    XCTAssertEqual(try call("kv.incr", .string("b")), .value([.int(3)]))
    XCTAssertEqual(try call("kv.incr", .string("b"), .int(10)), .value([.int(13)]))
    XCTAssertEqual(try call("kv.incr", .string("new"), .int(-4)), .value([.int(-4)]))
    guard case .error = try call("kv.incr", .string("a")) else { return XCTFail("incr of a list") }
    XCTAssertEqual(try call("kv.delete", .string("a")), .value([.bool(true)]))
    XCTAssertEqual(try call("kv.delete", .string("a")), .value([.bool(false)]))
    XCTAssertEqual(try call("kv.get", .string("a")), .value([.null]))
    XCTAssertEqual(try world.summary(of: n1)?.kv, ["b": .int(13), "new": .int(-4)])
  }

  func testEveryCataloguedMethodIsServed() throws {
    let world = try makeWorld(nodes: 1)
    let args: [String: [Value]] = [
      "add": [.int(1), .int(2)], "echo": [.int(1)], "sleep": [.int(0)], "fail": [],
      "kv.get": [.string("k")], "kv.put": [.string("k"), .int(1)], "kv.delete": [.string("k")],
      "kv.incr": [.string("n")], "kv.keys": [], "kv.mput": [.list([.string("a"), .int(1), .string("b"), .int(2)])],
      "kv.mget": [.list([.string("a"), .string("zz")])], "kv.mdel": [.list([.string("a")])],
    ]
    let methods = StandardNode.role.methods
    XCTAssertEqual(Set(methods.map(\.name)), Set(args.keys), "a method was added or removed: update this test")
    XCTAssertEqual(world.methods(of: world.id("n1")), methods)
    for spec in methods {
      let out = try world.call(to: world.id("n1"), method: spec.name, args: args[spec.name] ?? [])
      switch out.result {
      case .value: XCTAssertNotEqual(spec.name, "fail")
      case .error(let e): XCTAssertEqual(spec.name, "fail", "\(spec.name): \(e)")
      default: XCTFail("\(spec.name): \(out.result)")
      }
    }
    XCTAssertEqual(try world.summary(of: world.id("n1"))?.kv["b"], .int(2), "kv.mput stored its pairs")
    let got = try world.call(to: world.id("n1"), method: "kv.mget", args: [.list([.string("b"), .string("zz")])])
    XCTAssertEqual(got.result, .value([.list([.int(2), .null])]))
  }

  func testSleepRepliesNoSoonerThanAsked() throws {
    let world = try makeWorld(nodes: 1)
    let out = try world.call(to: world.id("n1"), method: "sleep", args: [.int(500_000_000)])
    XCTAssertEqual(out.result, .value([.string("slept")]))
    XCTAssertGreaterThanOrEqual(out.roundTrip, .milliseconds(500))
    // 1 ms there, 500 ms asleep, 1 ms back.
    XCTAssertEqual(out.roundTrip, .milliseconds(502))
    XCTAssertEqual(world.events(.timer).count, 1)
  }

  func testASleepLongerThanTheTimeoutTimesOut() throws {
    let world = try makeWorld(nodes: 1)
    let out = try world.call(
      to: world.id("n1"), method: "sleep", args: [.int(500_000_000)], options: options(timeout: .milliseconds(200)))
    XCTAssertEqual(out.result, .timeout)
    XCTAssertEqual(out.roundTrip, .milliseconds(200))
    XCTAssertNil(out.reply)
  }

  // MARK: Timeouts

  func testACallToAKilledNodeTimesOutAfterExactlyTheTimeout() throws {
    let world = try makeWorld(nodes: 1)
    let n1 = world.id("n1")
    _ = try world.advance(by: .milliseconds(30))
    _ = try world.kill([n1])
    let out = try world.call(
      to: n1, method: "add", args: [.int(1), .int(2)], options: options(timeout: .milliseconds(250)))
    XCTAssertEqual(out.result, .timeout)
    XCTAssertEqual(out.attempts, 1)
    XCTAssertEqual(out.startedAt, .milliseconds(30))
    XCTAssertEqual(out.endedAt - out.startedAt, .milliseconds(250))
    XCTAssertEqual(world.events(.drop).map(\.detail), [.dropped(.nodeDown)])
  }

  func testRetriesToAKilledNodeEachWaitTheFullTimeout() throws {
    let world = try makeWorld(nodes: 1)
    _ = try world.kill([world.id("n1")])
    let out = try world.call(
      to: world.id("n1"), method: "echo", args: [], options: options(timeout: .milliseconds(100), retries: 2))
    XCTAssertEqual(out.result, .timeout)
    XCTAssertEqual(out.attempts, 3)
    XCTAssertEqual(out.roundTrip, .milliseconds(300))
  }

  func testACallAcrossAPartitionTimesOut() throws {
    let world = try makeWorld(nodes: 2)
    let (n1, n2) = (world.id("n1"), world.id("n2"))
    try world.partition([[n1], [n2]])
    let timeout = Nanoseconds.milliseconds(400)
    let out = try world.call(
      from: n1, to: n2, method: "add", args: [.int(10), .int(20)], options: options(timeout: timeout))
    XCTAssertEqual(out.result, .timeout)
    XCTAssertEqual(out.from, n1)
    XCTAssertEqual(out.endedAt - out.startedAt, timeout)
    XCTAssertEqual(execs(world, "add"), 0)
    let drop = try XCTUnwrap(world.events(.drop).first)
    XCTAssertEqual(drop.detail, .dropped(.partition))
    // The shell is not in the partition: it still reaches n2.
    XCTAssertEqual(try world.call(to: n2, method: "add", args: [.int(1), .int(1)]).result, .value([.int(2)]))
    world.heal()
    let healed = try world.call(from: n1, to: n2, method: "add", args: [.int(10), .int(20)])
    XCTAssertEqual(healed.result, .value([.int(30)]))
    XCTAssertEqual(healed.roundTrip, .milliseconds(2))
    XCTAssertEqual(world.events(.send).last?.node, n2, "the reply goes back to n1, not to the shell")
    XCTAssertEqual(world.events(.send).last?.peer, n1)
  }

  func testWhenOnlyTheReplyIsCutTheServerStillRunsTheCall() throws {
    let world = try makeWorld(nodes: 2)
    let (n1, n2) = (world.id("n1"), world.id("n2"))
    try world.cut(from: n2, to: n1)
    let out = try world.call(
      from: n1, to: n2, method: "kv.incr", args: [.string("c")], options: options(timeout: .milliseconds(50)))
    XCTAssertEqual(out.result, .timeout)
    XCTAssertEqual(execs(world, "kv.incr"), 1, "the request got through")
    XCTAssertEqual(try world.call(to: n2, method: "kv.get", args: [.string("c")]).result, .value([.int(1)]))
  }

  func testWithLossOneEveryAttemptIsMadeAndLost() throws {
    for retries in [0, 1, 3] {
      let world = try makeWorld(nodes: 1)
      try world.setLoss(1)
      let out = try world.call(
        to: world.id("n1"), method: "add", args: [.int(1), .int(2)],
        options: options(timeout: .milliseconds(100), retries: retries))
      XCTAssertEqual(out.result, .timeout)
      XCTAssertEqual(out.attempts, retries + 1)
      XCTAssertEqual(out.roundTrip, .milliseconds(100 * Double(retries + 1)))
      let requests = world.events(.send).filter { requestMethod($0) == "add" }
      XCTAssertEqual(requests.count, retries + 1)
      XCTAssertEqual(Set(requests.map { $0.bytes ?? [] }), [out.request], "a retry resends the same request")
      XCTAssertEqual(world.trace.stats.droppedBy[.loss], retries + 1)
    }
  }

  func testARetryCanSucceed() throws {
    let world = try makeWorld(seed: 5, nodes: 1)
    // An attempt succeeds when both request and reply survive: 0.7² = 0.49. Twenty-one
    // failures in a row have odds 0.51^21 < 1e-6; thirty first-time successes 0.49^30.
    try world.setLoss(0.3)
    var attempts: [Int] = []
    for _ in 0..<30 {
      let out = try world.call(
        to: world.id("n1"), method: "echo", args: [.int(1)], options: options(timeout: .milliseconds(10), retries: 20))
      XCTAssertEqual(out.result, .value([.int(1)]))
      attempts.append(out.attempts)
    }
    XCTAssertGreaterThan(attempts.max() ?? 0, 1, "with 30% loss some calls need a retry")
  }

  // MARK: At-least-once and at-most-once

  func testDuplicatedRequestsRunTwiceUnlessAtMostOnce() throws {
    for atMostOnce in [false, true] {
      let world = try makeWorld(nodes: 1)
      let n1 = world.id("n1")
      try world.setDuplication(1)
      let out = try world.call(
        to: n1, method: "kv.incr", args: [.string("c")], options: options(atMostOnce: atMostOnce))
      guard case .value = out.result else { return XCTFail("\(out.result)") }
      XCTAssertEqual(try decoded(out.request)?.wantsAtMostOnce, atMostOnce)
      XCTAssertEqual(world.events(.duplicate).filter { requestMethod($0) == "kv.incr" }.count, 1)
      XCTAssertEqual(execs(world, "kv.incr"), atMostOnce ? 1 : 2, "atMostOnce: \(atMostOnce)")
      let dedups = world.events(.dedup)
      XCTAssertEqual(dedups.count, atMostOnce ? 1 : 0)
      if atMostOnce, case .dedupAnswered = dedups[0].detail {} else if atMostOnce { XCTFail("\(dedups[0].detail)") }
      let read = try world.call(to: n1, method: "kv.get", args: [.string("c")])
      XCTAssertEqual(read.result, .value([.int(atMostOnce ? 1 : 2)]), "atMostOnce: \(atMostOnce)")
    }
  }

  func testRetriesAfterLostRepliesRunAgainUnlessAtMostOnce() throws {
    for atMostOnce in [false, true] {
      let world = try makeWorld(nodes: 1)
      let n1 = world.id("n1")
      try world.cut(from: n1, to: .client)
      let out = try world.call(
        to: n1, method: "kv.incr", args: [.string("c")],
        options: options(timeout: .milliseconds(20), retries: 2, atMostOnce: atMostOnce))
      XCTAssertEqual(out.result, .timeout)
      XCTAssertEqual(out.attempts, 3)
      XCTAssertEqual(execs(world, "kv.incr"), atMostOnce ? 1 : 3)
      XCTAssertEqual(world.events(.dedup).count, atMostOnce ? 2 : 0)
      world.heal()
      XCTAssertEqual(
        try world.call(to: n1, method: "kv.get", args: [.string("c")]).result, .value([.int(atMostOnce ? 1 : 3)]))
    }
  }

  func testARepeatOfACallStillRunningIsIgnored() throws {
    let world = try makeWorld(nodes: 1)
    try world.setDuplication(1)
    let out = try world.call(
      to: world.id("n1"), method: "sleep", args: [.int(100_000_000)], options: options(atMostOnce: true))
    XCTAssertEqual(out.result, .value([.string("slept")]))
    XCTAssertEqual(execs(world, "sleep"), 1)
    XCTAssertEqual(world.events(.dedup).map { if case .dedupIgnored = $0.detail { true } else { false } }, [true])
  }

  // MARK: Refusals

  func testBadCallsAreRefusedAndChangeNothing() throws {
    let world = try makeWorld(nodes: 1)
    let n1 = world.id("n1")
    let before = world.snapshot
    assertRefused(try world.call(to: NodeID(2), method: "add", args: []), "unknown target")
    assertRefused(try world.call(to: .client, method: "add", args: []), "the shell serves nothing")
    assertRefused(try world.call(from: NodeID(5), to: n1, method: "add", args: []), "unknown caller")
    assertRefused(try world.call(to: n1, method: "echo", args: [], options: options(timeout: .zero)), "zero timeout")
    assertRefused(try world.call(to: n1, method: "echo", args: [], options: options(retries: -1)), "negative retries")
    assertRefused(try world.call(to: n1, method: "echo", args: [], options: options(retries: 101)), "101 retries")
    assertRefused(try world.call(to: n1, method: "", args: []), "no method name")
    assertRefused(try world.call(to: n1, method: String(repeating: "m", count: 256), args: []), "256-byte name")
    assertRefused(try world.call(to: n1, method: "echo", args: Array(repeating: .null, count: 256)), "256 args")
    XCTAssertEqual(world.snapshot, before)
    XCTAssertEqual(try world.call(to: n1, method: "echo", args: []).callID, 1, "refusals used no call id")
  }
}
