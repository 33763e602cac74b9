import DistLab
import DistLabTasks
import XCTest

/// Celery's delivery semantics with a Redis broker, each pinned by a scenario on a fixed seed:
/// what a killed worker loses under early and late ack, when the broker's restore brings
/// messages back, what a visibility timeout shorter than a task or an ETA does, and what
/// prefetch does to a slow worker's neighbours.
final class CelerySemanticsTests: XCTestCase {
  var world = World()
  var lab: TaskClient!

  func start(workers: Int = 1, _ configure: (inout WorkerSettings) -> Void = { _ in }) throws {
    var config = WorldConfig()
    config.seed = 7
    world = World(
      config: config,
      roles: RoleCatalog.standard.adding(TaskRoles.broker).adding(TaskRoles.worker)
        .adding(TaskRoles.backend))
    lab = TaskClient(world: world)
    _ = try lab.start(
      workers: workers,
      settings: { broker, backend in
        var s = WorkerSettings(broker: broker, backend: backend)
        configure(&s)
        return s
      }, cancel: { false })
  }

  func send(_ task: String, _ args: [Value], countdown: Nanoseconds? = nil) throws -> String {
    var o = SendOptions()
    o.countdown = countdown
    return try lab.send(task, args: args, options: o, cancel: { false }).message.id
  }

  func advance(_ s: Double) throws { _ = try world.advance(by: .seconds(s)) }
  func state(_ id: String) throws -> TaskState? { try lab.status(id, cancel: { false })?.state }
  func worker(_ n: Int) -> NodeID { lab.workers[n - 1] }
  var ledger: TaskLedger { TaskLedger(world.trace) }

  /// Early ack (the default): the task a killed worker was running was acknowledged when it
  /// started, so it is lost for good and its state never changes; what it had reserved comes
  /// back only once the visibility timeout has passed *and* a worker's restore scan runs.
  func testEarlyAckLosesTheRunningTaskAndTheSweepBringsBackTheReserved() throws {
    try start { s in
      s.concurrency = 1
      s.visibilityTimeout = .seconds(60)
    }
    let long = try send("sleep", [.int(Nanoseconds.seconds(10).value)])
    let a = try send("add", [.int(2), .int(3)])
    let b = try send("add", [.int(4), .int(5)])
    try advance(1)
    _ = try world.kill([worker(1)])
    _ = try lab.addWorkers(1, settings: try XCTUnwrap(settingsOf(concurrency: 1, visibility: 60)), cancel: { false })
    try advance(80)
    XCTAssertEqual(try state(a), .pending, "past the visibility timeout, but no restore scan has run since")
    XCTAssertEqual(try lab.brokerStats(cancel: { false })?.unacked.count, 2)
    try advance(30)
    XCTAssertEqual(try state(a), .success, "the scan 100 s after the new worker started restored it")
    XCTAssertEqual(try state(b), .success)
    XCTAssertEqual(try state(long), .pending, "acked at start, lost with the worker: never completes")
    XCTAssertEqual(ledger.starts[long], 1)
    XCTAssertEqual(ledger.redeliveries[a], 1)
    XCTAssertEqual(ledger.duplicates, 0)
    XCTAssertEqual(try lab.brokerStats(cancel: { false })?.unacked.count, 0)
  }

  /// The broker methods a worker called, in the order it sent them.
  func calls(from node: NodeID) -> [String] {
    world.trace.ordered.compactMap { e in
      guard e.kind == .send, e.node == node, let bytes = e.bytes, let frame = try? FrameCodec.decode(bytes),
        frame.kind == .request, frame.method.hasPrefix("broker.")
      else { return nil }
      return frame.method
    }
  }

  /// Celery's consumer polls again as soon as a message is handed to the pool, before a pool
  /// process accepts it and the early ack goes out — unless that message fills the prefetch
  /// window (kombu counts it until it is acknowledged), and then the ack comes first.
  func testAWorkerAsksForTheNextMessageBeforeItAcknowledgesThisOneWhileThePrefetchWindowHasRoom() throws {
    try start { s in s.concurrency = 2 }
    _ = try send("add", [.int(2), .int(3)])
    try advance(1)
    XCTAssertEqual(
      Array(calls(from: worker(1)).suffix(3)), ["broker.fetch", "broker.fetch", "broker.ack"],
      "the first BRPOP, the next one, then the acknowledgement")

    try start { s in
      s.concurrency = 1
      s.prefetchMultiplier = 1
    }
    _ = try send("add", [.int(2), .int(3)])
    try advance(1)
    XCTAssertEqual(
      Array(calls(from: worker(1)).suffix(3)), ["broker.fetch", "broker.ack", "broker.fetch"],
      "a window of one is full until the ack")
  }

  func settingsOf(concurrency: Int, visibility: Double, acksLate: Bool = false) -> WorkerSettings? {
    guard let broker = lab.broker, let backend = lab.backend else { return nil }
    var s = WorkerSettings(broker: broker, backend: backend)
    s.concurrency = concurrency
    s.visibilityTimeout = .seconds(visibility)
    s.acksLate = acksLate
    return s
  }

  /// Late ack: the running task is still unacked when its worker dies, so the restore brings
  /// it back, marked redelivered, and it completes once more.
  func testLateAckRedeliversTheRunningTaskAndItCompletes() throws {
    try start { s in
      s.acksLate = true
      s.visibilityTimeout = .seconds(60)
    }
    let long = try send("sleep", [.int(Nanoseconds.seconds(10).value)])
    try advance(1)
    _ = try world.kill([worker(1)])
    _ = try lab.addWorkers(
      1, settings: try XCTUnwrap(settingsOf(concurrency: 4, visibility: 60, acksLate: true)), cancel: { false })
    try advance(90)
    XCTAssertEqual(try state(long), .pending, "waiting for the visibility timeout and the next scan")
    try advance(30)
    XCTAssertEqual(try state(long), .success)
    XCTAssertEqual(ledger.starts[long], 2, "started on w1, then again on w2")
    XCTAssertEqual(ledger.redeliveries[long], 1)
  }

  /// A late-ack task that runs longer than the visibility timeout is restored while it still
  /// runs, and another worker runs it at the same time.
  func testALateAckTaskLongerThanTheVisibilityTimeoutRunsTwiceAtOnce() throws {
    try start(workers: 2) { s in
      s.acksLate = true
      s.visibilityTimeout = .seconds(30)
      s.restoreInterval = .seconds(1)
      s.restoreThrottle = 1
    }
    let long = try send("sleep", [.int(Nanoseconds.seconds(45).value)])
    try advance(35)
    XCTAssertEqual(ledger.starts[long], 2, "the restore at 30 s gave it to the idle worker")
    let active = try lab.inspect("active", cancel: { false }).filter { ($0.1?.listValue ?? []).count == 1 }
    XCTAssertEqual(active.count, 2, "both workers run it now")
    try advance(60)
    XCTAssertEqual(try state(long), .success)
  }

  /// An ETA beyond the visibility timeout: the held message is restored every timeout and
  /// delivered again, so when it is due it runs once per delivery.
  func testAnETABeyondTheVisibilityTimeoutRunsOncePerRestore() throws {
    try start(workers: 2) { s in
      s.visibilityTimeout = .seconds(30)
      s.restoreInterval = .seconds(1)
      s.restoreThrottle = 1
    }
    let later = try send("add", [.int(1), .int(1)], countdown: .seconds(100))
    try advance(99)
    XCTAssertNil(ledger.starts[later], "not due yet")
    XCTAssertEqual(ledger.redeliveries[later], 3, "restored at about 30, 60 and 90 s")
    try advance(5)
    XCTAssertEqual(ledger.starts[later], 4, "every copy runs when due")
    XCTAssertEqual(try state(later), .success)
  }

  /// The default prefetch (4 per slot) lets a worker busy with a long task hoard short ones
  /// while the other idles; a multiplier of 1 with late ack leaves them to the idle worker.
  func testPrefetchHoardsAndMultiplierOneWithLateAckDoesNot() throws {
    for fixed in [false, true] {
      try start(workers: 2) { s in
        s.concurrency = 1
        if fixed {
          s.prefetchMultiplier = 1
          s.acksLate = true
        }
      }
      _ = try send("sleep", [.int(Nanoseconds.seconds(10).value)])
      var short: [String] = []
      for k in 0..<6 { short.append(try send("add", [.int(Int64(k)), .int(1)])) }
      try advance(2)
      let done = try short.filter { try state($0) == .success }.count
      if fixed {
        XCTAssertEqual(done, 6, "every short task ran on the idle worker")
      } else {
        XCTAssertLessThan(done, 6, "some short tasks wait behind the long one")
        try advance(10)
        XCTAssertEqual(try short.filter { try state($0) == .success }.count, 6)
      }
    }
  }

  /// With nothing broken, every task runs exactly once and succeeds.
  func testNothingIsLostOrDuplicatedWhenNothingBreaks() throws {
    try start(workers: 3)
    var ids: [String] = []
    for k in 0..<200 { ids.append(try send(k % 2 == 0 ? "add" : "mul", [.int(Int64(k)), .int(3)])) }
    try advance(5)
    for id in ids { XCTAssertEqual(try state(id), .success, id) }
    XCTAssertEqual(Set(ledger.starts.keys), Set(ids))
    XCTAssertEqual(ledger.duplicates, 0)
    XCTAssertEqual(try lab.brokerStats(cancel: { false })?.unacked.count, 0)
    XCTAssertEqual(try lab.status(ids[1], cancel: { false })?.result, .int(3))
  }
}

extension CelerySemanticsTests {
  /// The broker keeps its queues and unacked messages on its disk: a kill and restart keeps
  /// them, a kill with wipe loses them; a publish to a dead broker is reported, not dropped.
  func testTheBrokersDiskSurvivesARestartButNotAWipe() throws {
    try start { s in s.concurrency = 1 }
    _ = try world.kill([worker(1)])
    // A BRPOP the dead worker left waiting would take the next message (until the broker's 1 s
    // BRPOP timeout ends it): let it end first.
    try advance(2)
    let kept = try send("add", [.int(1), .int(2)])
    _ = try world.kill([try XCTUnwrap(lab.broker)])
    let refused = try lab.send("add", args: [.int(3), .int(4)], options: SendOptions(), cancel: { false })
    XCTAssertEqual(refused.refusal, .noAnswer(.seconds(1)), "a dead broker: the publish times out")
    _ = try world.restart([try XCTUnwrap(lab.broker)])
    XCTAssertEqual(try lab.brokerStats(cancel: { false })?.queues.first?.length, 1)
    _ = try world.restart([worker(1)])
    try advance(2)
    XCTAssertEqual(try state(kept), .success, "the restarted worker found it waiting")
    _ = try world.kill([worker(1)])
    try advance(2)
    let lost = try send("add", [.int(5), .int(6)])
    _ = try world.kill([try XCTUnwrap(lab.broker)], wipe: true)
    _ = try world.restart([try XCTUnwrap(lab.broker), worker(1)])
    try advance(2)
    XCTAssertEqual(try state(lost), .pending)
    XCTAssertEqual(try lab.brokerStats(cancel: { false })?.queues.count, 0, "the wipe took the queue")
  }
}

extension CelerySemanticsTests {
  /// An unacked message outlives a broker restart as it was — same tag, same consumer, same
  /// delivery time — so the restore sweep still brings it back once the visibility timeout has
  /// passed, and the next delivery gets a tag never used before.
  func testAnUnackedMessageSurvivesABrokerRestartWithItsTag() throws {
    try start { s in
      s.concurrency = 1
      s.acksLate = true
      s.visibilityTimeout = .seconds(60)
      s.restoreInterval = .seconds(1)
      s.restoreThrottle = 1
    }
    let broker = try XCTUnwrap(lab.broker)
    let long = try send("sleep", [.int(Nanoseconds.seconds(10).value)])
    try advance(1)
    let held = try XCTUnwrap(lab.brokerStats(cancel: { false })?.unacked.first)
    XCTAssertEqual(held.id, long)
    _ = try world.kill([worker(1)])
    _ = try world.kill([broker])
    _ = try world.restart([broker])
    XCTAssertEqual(try lab.brokerStats(cancel: { false })?.unacked, [held], "the restarted broker holds it as before")
    XCTAssertEqual(try lab.brokerStats(cancel: { false })?.queues.first?.length ?? 0, 0)
    _ = try world.restart([worker(1)])
    try advance(30)
    XCTAssertEqual(try state(long), .pending, "not yet past the visibility timeout")
    try advance(50)
    XCTAssertEqual(try state(long), .success, "restored past the timeout, run again, and acknowledged")
    XCTAssertEqual(try lab.brokerStats(cancel: { false })?.unacked.count, 0)
    XCTAssertEqual(ledger.starts[long], 2)
    XCTAssertEqual(ledger.redeliveries[long], 1)
    let tags = world.trace.ordered.compactMap { e -> Int64? in
      guard case .event("task.received", let values) = e.detail, values.first == .string(long) else { return nil }
      return values[1].intValue
    }
    XCTAssertEqual(tags.first, held.tag)
    XCTAssertTrue(try XCTUnwrap(tags.last) > held.tag, "the redelivery has a tag never used before")
  }
}

extension CelerySemanticsTests {
  /// A task with a side effect that runs three times charges three times; recording the
  /// effect under an idempotency key, in one atomic step at the store, makes the repeats
  /// harmless.
  func testAnIdempotencyKeyMakesRepeatedRunsHarmless() throws {
    for keyed in [false, true] {
      try start(workers: 2) { s in
        s.visibilityTimeout = .seconds(60)
        s.restoreInterval = .seconds(1)
        s.restoreThrottle = 1
      }
      var o = SendOptions()
      o.countdown = .seconds(150)
      o.idempotencyKey = keyed ? "order-17" : nil
      let id = try lab.send("charge", args: [.int(10)], options: o, cancel: { false }).message.id
      try advance(200)
      XCTAssertEqual(ledger.starts[id], 3, "delivered at 0, 60 and 120 s, and every copy ran")
      let charged = try XCTUnwrap(world.summary(of: try XCTUnwrap(lab.backend))?.metric("charged"))
      XCTAssertEqual(charged, keyed ? 10 : 30)
    }
  }
}
