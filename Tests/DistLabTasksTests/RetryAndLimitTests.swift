import DistLab
import DistLabTasks
import XCTest

/// Retries wait Celery's `default_retry_delay` (3 minutes) or, with `retry_backoff`, a random
/// time up to 2^retries seconds; time limits end a run with Celery's errors; a rate limit
/// spaces a worker's starts of one task.
final class RetryAndLimitTests: XCTestCase {
  var world = World()
  var lab: TaskClient!

  func start(workers: Int = 1, _ configure: (inout WorkerSettings) -> Void = { _ in }) throws {
    world = World(config: WorldConfig(), roles: RoleCatalog(TaskRoles.all))
    lab = TaskClient(world: world)
    _ = try lab.start(
      workers: workers,
      settings: { b, r in
        var s = WorkerSettings(broker: b, backend: r)
        configure(&s)
        return s
      }, cancel: { false })
  }

  func send(_ task: String, _ args: [Value], _ configure: (inout SendOptions) -> Void = { _ in }) throws -> String {
    var o = SendOptions()
    configure(&o)
    return try lab.send(task, args: args, options: o, cancel: { false }).message.id
  }

  func status(_ id: String) throws -> TaskStatus? { try lab.status(id, cancel: { false }) }

  func testRetriesWaitThreeMinutesThenFail() throws {
    try start()
    let id = try send("fail", []) { $0.retries = 2 }
    _ = try world.advance(by: .seconds(1))
    XCTAssertEqual(try status(id)?.state, .retry)
    _ = try world.advance(by: .seconds(178))
    XCTAssertEqual(TaskLedger(world.trace).starts[id], 1, "not before 180 s")
    _ = try world.advance(by: .seconds(2))
    XCTAssertEqual(TaskLedger(world.trace).starts[id], 2)
    _ = try world.advance(by: .seconds(181))
    let final = try XCTUnwrap(status(id))
    XCTAssertEqual(final.state, .failure)
    XCTAssertEqual(final.retries, 2)
  }

  func testBackoffRetriesSoonerWithJitter() throws {
    try start()
    let id = try send("fail", []) { o in
      o.retries = 4
      o.backoff = true
    }
    // At most 1 + 2 + 4 + 8 seconds of waiting, plus the runs.
    _ = try world.advance(by: .seconds(16))
    XCTAssertEqual(TaskLedger(world.trace).starts[id], 5)
    XCTAssertEqual(try status(id)?.state, .failure)
  }

  func testTimeLimitsEndARun() throws {
    try start()
    let soft = try send("sleep", [.int(Nanoseconds.seconds(10).value)]) { $0.softTimeLimit = .seconds(2) }
    let hard = try send("sleep", [.int(Nanoseconds.seconds(10).value)]) { $0.timeLimit = .seconds(3) }
    let fits = try send("sleep", [.int(Nanoseconds.seconds(1).value)]) { $0.timeLimit = .seconds(3) }
    _ = try world.advance(by: .seconds(4))
    XCTAssertEqual(try status(soft)?.error, "SoftTimeLimitExceeded()")
    XCTAssertEqual(try status(hard)?.error, "TimeLimitExceeded(3s)")
    XCTAssertEqual(try status(fits)?.state, .success)
  }

  func testARateLimitSpacesStartsOnEachWorker() throws {
    try start { s in s.rateLimits["add"] = RateLimit("6/m") }
    var ids: [String] = []
    for k in 0..<4 { ids.append(try send("add", [.int(Int64(k)), .int(1)])) }
    _ = try world.advance(by: .seconds(25))
    XCTAssertEqual(try ids.filter { try status($0)?.state == .success }.count, 3, "one start every 10 s: 0, 10, 20")
    _ = try world.advance(by: .seconds(10))
    XCTAssertEqual(try ids.filter { try status($0)?.state == .success }.count, 4)
    XCTAssertNil(RateLimit("10/x"))
    XCTAssertNil(RateLimit("0/s"))
    XCTAssertEqual(RateLimit("100/h")?.spacing, .seconds(36))
  }
}

extension RetryAndLimitTests {
  /// A task whose pool process dies is acknowledged and failed even under late ack, unless
  /// task_reject_on_worker_lost requeues it, marked redelivered, to run again.
  func testAWorkerLostTaskIsFailedUnlessRejectOnWorkerLostRequeuesIt() throws {
    try start { s in s.acksLate = true }
    let failed = try send("crash", [.double(1)])
    _ = try world.advance(by: .seconds(1))
    XCTAssertEqual(try status(failed)?.error, "WorkerLostError('Worker exited prematurely: signal 9 (SIGKILL).')")
    XCTAssertEqual(try lab.brokerStats(cancel: { false })?.unacked.count, 0, "acknowledged although late")

    try start { s in
      s.acksLate = true
      s.rejectOnWorkerLost = true
    }
    let requeued = try send("crash", [.double(0.9)])
    _ = try world.advance(by: .seconds(1))
    let ledger = TaskLedger(world.trace)
    XCTAssertGreaterThan(ledger.starts[requeued] ?? 0, 1, "requeued and run again")
    XCTAssertEqual(ledger.redeliveries[requeued], (ledger.starts[requeued] ?? 0) - 1)
    XCTAssertEqual(try status(requeued)?.state, .success, "until a run survived")
  }

  /// Revoked tasks are skipped wherever they wait, a terminated one is stopped where it runs,
  /// and an expired one is revoked when a worker receives it.
  func testRevokeTerminateAndExpiry() throws {
    try start { s in s.concurrency = 1 }
    let running = try send("sleep", [.int(Nanoseconds.seconds(30).value)])
    let waiting = try send("add", [.int(1), .int(1)]) { $0.countdown = .seconds(10) }
    let expiring = try send("add", [.int(2), .int(2)]) { o in
      o.countdown = .seconds(5)
      o.expires = .seconds(1)
    }
    _ = try world.advance(by: .seconds(1))
    XCTAssertEqual(try lab.revoke(waiting, terminate: false, cancel: { false }).count, 1)
    XCTAssertEqual(try lab.revoke(running, terminate: true, cancel: { false }).count, 1)
    _ = try world.advance(by: .seconds(15))
    XCTAssertEqual(try status(running)?.state, .revoked)
    XCTAssertEqual(try status(running)?.error, "terminated")
    XCTAssertEqual(try status(waiting)?.state, .revoked)
    XCTAssertEqual(try status(expiring)?.state, .revoked)
    XCTAssertEqual(try status(expiring)?.error, "expired")
    XCTAssertNil(TaskLedger(world.trace).starts[waiting])
    XCTAssertEqual(try lab.brokerStats(cancel: { false })?.unacked.count, 0)
  }
}
