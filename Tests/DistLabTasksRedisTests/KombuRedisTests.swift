import DistLab
import DistLabRedis
import DistLabTasks
import DistLabTasksRedis
import Foundation
import XCTest

/// kombu's ack emulation on a real Redis, key for key: a consumed message waits in `unacked`
/// and `unacked_index` until acked; the restore sweep puts back, marked redelivered and next in
/// line, only what is older than the visibility timeout, and not while another holds the mutex;
/// a message that is not a task's goes to the dead-letter list with its reason.
final class KombuRedisTests: XCTestCase {
  func broker(_ redis: LocalRedisServer) throws -> KombuRedis {
    let b = KombuRedis(client: try RedisClient.connect(host: "127.0.0.1", port: redis.port))
    addTeardownBlock { b.client.close() }
    return b
  }

  func envelope(_ id: String, _ args: [Value] = [.int(1), .int(2)]) -> CeleryEnvelope {
    CeleryEnvelope(task: "add", id: id, args: args, queue: "celery", deliveryTag: "tag-" + id, origin: "test")
  }

  func testAConsumedMessageIsHeldUnackedUntilAcked() throws {
    let redis = try startRedis(for: self)
    let b = try broker(redis)
    try b.publish(envelope("a"))
    try b.publish(envelope("b"))
    guard case .task(let d)? = try b.consume(["celery"], seconds: 1) else { return XCTFail("no message") }
    XCTAssertEqual(d.envelope.id, "a", "first published, first consumed")
    XCTAssertEqual(try b.depth("celery").waiting, 1)
    XCTAssertEqual(try b.depth("celery").unacked, 1)
    let held = try b.client.call(["HGET", KombuRedis.unackedKey, "tag-a"]).string ?? ""
    XCTAssertTrue(held.hasPrefix("[{\"body\": "), held)
    XCTAssertTrue(held.hasSuffix(", \"\", \"celery\"]"), "[payload, exchange, routing_key] as kombu keeps it")
    try b.ack("tag-a")
    XCTAssertEqual(try b.depth("celery").unacked, 0)
    XCTAssertEqual(try b.client.call(["HLEN", KombuRedis.unackedKey]), .integer(0))
  }

  func testTheSweepRestoresOnlyWhatIsPastTheVisibilityTimeoutMarkedAndNextInLine() throws {
    let redis = try startRedis(for: self)
    let b = try broker(redis)
    try b.publish(envelope("old"))
    guard case .task = try b.consume(["celery"], seconds: 1) else { return XCTFail("no message") }
    try b.publish(envelope("waiting"))
    XCTAssertEqual(try b.restoreVisible(visibilityTimeout: 3600), 0, "not yet past an hour")
    usleep(1_100_000)
    // Another consumer holds the mutex: this sweep does nothing.
    XCTAssertEqual(
      try b.client.call(["SET", KombuRedis.unackedMutexKey, "other", "NX", "PX", "300000"]), .simple("OK"))
    XCTAssertEqual(try b.restoreVisible(visibilityTimeout: 1), 0)
    _ = try b.client.call(["DEL", KombuRedis.unackedMutexKey])
    XCTAssertEqual(try b.restoreVisible(visibilityTimeout: 1), 1)
    XCTAssertEqual(try b.depth("celery").unacked, 0)
    guard case .task(let again)? = try b.consume(["celery"], seconds: 1) else { return XCTFail("not restored") }
    XCTAssertEqual(again.envelope.id, "old", "restored to the front: taken before the one waiting")
    XCTAssertTrue(again.envelope.redelivered)
    XCTAssertTrue(again.raw.contains("\"stamps\": {}, \"redelivered\": true}"), again.raw)
    XCTAssertEqual(try b.client.call(["EXISTS", KombuRedis.unackedMutexKey]), .integer(0), "the mutex is released")
  }

  func testARejectWithRequeueGoesToTheFarEndAndAMalformedMessageToTheDeadLetters() throws {
    let redis = try startRedis(for: self)
    let b = try broker(redis)
    try b.publish(envelope("x"))
    try b.publish(envelope("y"))
    guard case .task(let x)? = try b.consume(["celery"], seconds: 1) else { return XCTFail("no message") }
    try b.reject(x.envelope.deliveryTag, requeue: true)
    guard case .task(let next)? = try b.consume(["celery"], seconds: 1) else { return XCTFail("no message") }
    XCTAssertEqual(next.envelope.id, "y", "the requeued one waits behind the others")
    guard case .task(let last)? = try b.consume(["celery"], seconds: 1) else { return XCTFail("lost the requeued one") }
    XCTAssertEqual(last.envelope.id, "x")
    XCTAssertTrue(last.envelope.redelivered)
    _ = try b.client.call(["LPUSH", "celery", "{\"not\": \"a task\"}"])
    guard case .rejected(let r)? = try b.consume(["celery"], seconds: 1) else { return XCTFail("not rejected") }
    XCTAssertEqual(r.reason, "not a Celery task message: no headers")
    let dead = try b.client.call(["LRANGE", KombuRedis.deadLetterKey, "0", "-1"]).array ?? []
    XCTAssertEqual(dead.count, 1)
    XCTAssertTrue(dead.first?.string?.contains("no headers") == true)
    XCTAssertEqual(try b.depth("celery").unacked, 2, "the malformed one is not held: only y and x wait for acks")
  }

  func testResultsAreStoredForADayAndPublished() throws {
    let redis = try startRedis(for: self)
    let b = try broker(redis)
    let listener = try RedisClient.connect(host: "127.0.0.1", port: redis.port)
    defer { listener.close() }
    let heard = Locked<[String]>([])
    try listener.subscribe([CeleryResult.key("t1")]) { _, payload in
      heard.withLock { $0.append(String(decoding: payload, as: UTF8.self)) }
    }
    let r = CeleryResult(taskID: "t1", state: "SUCCESS", result: .int(3), dateDone: "2026-12-01T00:00:00.000000+00:00")
    try b.store(r)
    XCTAssertEqual(try b.result("t1"), r)
    let ttl = try b.client.call(["TTL", CeleryResult.key("t1")]).int ?? 0
    XCTAssertGreaterThan(ttl, 86_000, "result_expires: one day")
    let deadline = Date().addingTimeInterval(3)
    while heard.withLock({ $0.isEmpty }) && Date() < deadline { usleep(5_000) }
    XCTAssertEqual(heard.withLock { $0 }, [r.json])
    XCTAssertEqual(try b.result("never").state, "PENDING")
  }

  /// A worker whose Redis goes away says so, as Celery's consumer does, and takes tasks again
  /// once the Redis is back.
  func testAWorkerReconnectsWhenRedisComesBack() throws {
    let redis = try startRedis(for: self)
    var settings = RedisTaskWorker.Settings(host: "127.0.0.1", port: redis.port)
    settings.concurrency = 1
    let worker = try RedisTaskWorker(settings)
    defer { worker.stop() }
    redis.stop()
    let lost = Date().addingTimeInterval(5)
    while !worker.log.contains(where: { $0.text.hasPrefix("consumer: Cannot connect") }) && Date() < lost {
      usleep(20_000)
    }
    XCTAssertTrue(
      worker.log.contains {
        $0.text
          == "consumer: Cannot connect to redis://127.0.0.1:\(redis.port)/0. Trying again in 2.00 seconds... (1/100)"
      }, "\(worker.log.map(\.text))")
    try redis.restart()
    let b = try broker(redis)
    try b.publish(envelope("after"))
    let deadline = Date().addingTimeInterval(15)
    while try b.result("after").state != "SUCCESS" && Date() < deadline { usleep(50_000) }
    XCTAssertEqual(try b.result("after").result, .int(3))
    XCTAssertTrue(worker.log.contains { $0.text == "Connected to redis://127.0.0.1:\(redis.port)/0" })
    // Its revoke listener is back too.
    let listening = Date().addingTimeInterval(5)
    var heard = RESPValue.integer(0)
    repeat {
      heard = try b.client.call(["PUBLISH", CeleryControl.channel(db: 0), CeleryControl.revoke("gone")])
      if heard != .integer(0) { break }
      usleep(100_000)
    } while Date() < listening
    XCTAssertEqual(heard, .integer(1), "one worker listens to the broadcasts again")
  }
}
