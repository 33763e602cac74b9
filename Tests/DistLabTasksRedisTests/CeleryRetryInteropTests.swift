import DistLab
import DistLabRedis
import DistLabTasks
import DistLabTasksRedis
import Foundation
import XCTest

/// Retries across distlab and real Celery 5.7 on one real Redis: `flaky` retries its
/// ConnectionError on either side until `max_retries` is spent and the failure stands, a retry
/// sent by one side is run by the other, and each side holds the other's ETA.
final class CeleryRetryInteropTests: XCTestCase {
  /// Celery's worker, as the lab's app reads its env: two retries, half a second apart.
  static let quickRetries = ["DISTLAB_MAX_RETRIES": "2", "DISTLAB_RETRY_DELAY": "0.5"]

  func broker(_ redis: LocalRedisServer) throws -> KombuRedis {
    let b = KombuRedis(client: try RedisClient.connect(host: "127.0.0.1", port: redis.port))
    addTeardownBlock { b.client.close() }
    return b
  }

  func send(_ broker: KombuRedis, _ task: String, _ args: [Value], eta: Date? = nil) throws -> String {
    let id = UUID().uuidString.lowercased()
    var m = CeleryEnvelope(
      task: task, id: id, args: args, queue: "celery", deliveryTag: UUID().uuidString.lowercased(),
      origin: "distlab-test")
    m.eta = eta.map(CeleryTime.iso)
    try broker.publish(m)
    return id
  }

  /// How many times a Celery worker ran `id` (each run appends it to `distlab.runs`).
  func celeryRuns(_ broker: KombuRedis, _ id: String) throws -> Int {
    (try broker.client.call(["LRANGE", "distlab.runs", "0", "-1"]).array ?? []).filter { $0.string == id }.count
  }

  /// How many times a distlab worker ran `flaky` `id` (each run ends in a retry or a failure
  /// in its log; a message held for its ETA is received without running), and its log lines.
  func runs(_ worker: RedisTaskWorker, _ id: String) -> (count: Int, lines: [String]) {
    let lines = worker.log.filter { $0.taskID == id }.map(\.text)
    let ends = ["Task flaky[\(id)] retry: ", "Task flaky[\(id)] raised unexpected: "]
    return (lines.filter { line in ends.contains { line.hasPrefix($0) } }.count, lines)
  }

  func testAFlakyTaskRetriesUntilItsFailureStandsEitherWay() throws {
    try requireCelery()
    let redis = try startRedis(for: self)
    let broker = try broker(redis)
    // distlab sends; a Celery worker runs it 1 + max_retries times, RETRY in between.
    let celery = try startCeleryWorker(redis, env: Self.quickRetries)
    let id = try send(broker, "flaky", [.double(1.0)])
    var between: CeleryResult?
    try poll(30) {
      let r = try broker.result(id)
      if r.state == "RETRY" { between = r }
      return r.state == "FAILURE"
    }
    let failed = try broker.result(id)
    XCTAssertEqual(failed.state, "FAILURE")
    XCTAssertEqual(failed.errorText, "ConnectionError: flaky failed", "the original exception, not MaxRetriesExceeded")
    XCTAssertEqual(try celeryRuns(broker, id), 3, "the first run and max_retries (2) retries")
    XCTAssertEqual(between?.errorText, "ConnectionError: flaky failed", "RETRY holds the exception")
    XCTAssertNil(between?.dateDone, "RETRY is not a ready state")
    celery.terminate()
    celery.waitUntilExit()
    // Celery's flaky.delay(1.0); a distlab worker retries it, and Celery reads it all.
    var settings = RedisTaskWorker.Settings(host: "127.0.0.1", port: redis.port)
    settings.maxRetries = 2
    settings.retryDelay = 0.5
    let worker = try RedisTaskWorker(settings)
    defer { worker.stop() }
    let lines = try client(
      """
      import time
      from celery_lab import flaky
      r = flaky.delay(1.0)
      seen = set()
      while not r.ready():
          seen.add(r.state)
          time.sleep(0.05)
      print(r.id)
      print(r.state, "RETRY" in seen, repr(r.result))
      """, redis: redis)
    XCTAssertEqual(lines.last, "FAILURE True ConnectionError('flaky failed')", "Celery's AsyncResult reads it all")
    let theirs = try XCTUnwrap(lines.first)
    let (count, log) = runs(worker, theirs)
    XCTAssertEqual(count, 3)
    XCTAssertEqual(
      log.filter { $0.contains("retry:") },
      Array(repeating: "Task flaky[\(theirs)] retry: Retry in 0.5s: ConnectionError('flaky failed')", count: 2),
      "in the words of Celery's worker log")
    XCTAssertEqual(log.last, "Task flaky[\(theirs)] raised unexpected: ConnectionError('flaky failed')")
  }

  /// A retry crosses twice: distlab's worker runs `flaky` and retries it, and stops before the
  /// retry is due (putting it back); a Celery worker runs that retry and retries again, and is
  /// stopped likewise; a distlab worker runs the rest. Four runs in all, then FAILURE.
  func testARetryCrossesBetweenDistlabAndCelery() throws {
    try requireCelery()
    let redis = try startRedis(for: self)
    let broker = try broker(redis)
    var settings = RedisTaskWorker.Settings(host: "127.0.0.1", port: redis.port)
    settings.concurrency = 1
    settings.retryDelay = 2
    let first = try RedisTaskWorker(settings)
    let id = try send(broker, "flaky", [.double(1.0)])
    try poll(10) { self.runs(first, id).lines.contains { $0.contains("retry: Retry in 2s") } }
    first.stop()
    XCTAssertEqual(runs(first, id).count, 1)
    XCTAssertEqual(try broker.depth("celery").waiting, 1, "the retry it held went back to the queue")
    let celery = try startCeleryWorker(redis, env: ["DISTLAB_RETRY_DELAY": "2"])
    try poll(30) { try self.celeryRuns(broker, id) == 1 && broker.depth("celery").unacked == 1 }
    XCTAssertEqual(try broker.result(id).state, "RETRY", "Celery ran distlab's retry and retried it")
    celery.terminate()
    celery.waitUntilExit()
    XCTAssertEqual(try broker.depth("celery").waiting, 1, "Celery's warm shutdown put its retry back")
    settings.retryDelay = 0.2
    let last = try RedisTaskWorker(settings)
    defer { last.stop() }
    try poll(10) { try broker.result(id).state == "FAILURE" }
    XCTAssertEqual(try broker.result(id).errorText, "ConnectionError: flaky failed")
    XCTAssertEqual(try celeryRuns(broker, id), 1)
    XCTAssertEqual(runs(last, id).count, 2, "the last two of 1 + max_retries (3) runs, from Celery's retry")
  }

  /// A Celery worker holds distlab's ETA, and a distlab worker holds Celery's
  /// `apply_async(countdown=…)`: neither runs a task before it is due.
  func testETAsAreHonouredEitherWay() throws {
    try requireCelery()
    let redis = try startRedis(for: self)
    let broker = try broker(redis)
    try startCeleryWorker(redis)
    let eta = Date().addingTimeInterval(1.5)
    let id = try send(broker, "add", [.int(1), .int(2)], eta: eta)
    try poll(30) { try broker.result(id).state == "SUCCESS" }
    let done = try XCTUnwrap(try broker.result(id).dateDone.flatMap(CeleryTime.date))
    XCTAssertGreaterThanOrEqual(done.timeIntervalSince(eta), 0, "Celery ran it at its ETA, not before")
    let worker = try RedisTaskWorker(RedisTaskWorker.Settings(host: "127.0.0.1", port: redis.port))
    defer { worker.stop() }
    let lines = try client(
      """
      from datetime import datetime, timezone
      from celery_lab import add
      sent = datetime.now(timezone.utc)
      r = add.apply_async((2, 3), countdown=1.5)
      print(r.get(timeout=20), (r.date_done - sent).total_seconds() >= 1.5)
      """, redis: redis)
    XCTAssertEqual(lines, ["5 True"], "the distlab worker ran it 1.5s after it was sent, not before")
  }
}
