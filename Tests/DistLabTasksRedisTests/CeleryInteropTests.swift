import DistLab
import DistLabRedis
import DistLabTasks
import DistLabTasksRedis
import Foundation
import XCTest

/// distlab and real Celery 5.7 on one real Redis, both ways: a real Celery worker runs what
/// distlab sends, and a distlab worker runs what a real Celery client sends, Celery's
/// `AsyncResult.get()` reading its result.
final class CeleryInteropTests: XCTestCase {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  static var python: String { root.appendingPathComponent(".build-venv/bin/python").path }
  static var app: URL { root.appendingPathComponent("Tests/Interop") }

  func testACeleryWorkerRunsWhatDistlabSends() throws {
    try requireCelery()
    let redis = try startRedis(for: self)
    try startCeleryWorker(redis)
    let broker = KombuRedis(client: try RedisClient.connect(host: "127.0.0.1", port: redis.port))
    defer { broker.client.close() }
    let id = UUID().uuidString.lowercased()
    try broker.publish(
      CeleryEnvelope(
        task: "add", id: id, args: [.int(10), .int(20)], queue: "celery", deliveryTag: UUID().uuidString.lowercased(),
        origin: "distlab-test"))
    var result = try broker.result(id)
    XCTAssertEqual(result.state, "PENDING", "an id the backend has not heard of reads as PENDING")
    let deadline = Date().addingTimeInterval(30)
    while result.state == "PENDING" && Date() < deadline {
      usleep(100_000)
      result = try broker.result(id)
    }
    XCTAssertEqual(result.state, "SUCCESS")
    XCTAssertEqual(result.result, .int(30))
  }

  func testADistlabWorkerRunsWhatACeleryClientSends() throws {
    try requireCelery()
    let redis = try startRedis(for: self)
    var settings = RedisTaskWorker.Settings(host: "127.0.0.1", port: redis.port)
    settings.concurrency = 2
    let worker = try RedisTaskWorker(settings)
    defer { worker.stop() }
    let client = try python(
      [
        "-c",
        """
        from celery_lab import add, fail, app
        print(add.delay(10, 20).get(timeout=20))
        try:
            fail.delay().get(timeout=20)
        except Exception as e:
            print(type(e).__name__, e)
        print(app.send_task("nosuch", args=[1]).id)
        """,
      ], redis: redis)
    let out = Pipe()
    client.standardOutput = out
    client.standardError = FileHandle.nullDevice
    try client.run()
    client.waitUntilExit()
    let lines = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      .split(separator: "\n").map(String.init)
    XCTAssertEqual(client.terminationStatus, 0)
    XCTAssertEqual(lines.first, "30", "Celery's AsyncResult.get() reads what the distlab worker stored")
    XCTAssertEqual(lines.dropFirst().first, "ValueError fail always fails", "a failure as Celery raises it")
    // Celery's LOG_SUCCESS: "Task %(name)s[%(id)s] succeeded in %(runtime)ss: %(return_value)s".
    let success = worker.log.first { $0.text.hasPrefix("Task add[") && $0.text.contains(" succeeded ") }?.text ?? ""
    XCTAssertNotNil(
      success.range(of: #"^Task add\[[0-9a-f-]{36}\] succeeded in [0-9.e-]+s: 30$"#, options: .regularExpression),
      success)
    let unknown = try XCTUnwrap(lines.last)
    let deadline = Date().addingTimeInterval(10)
    while !worker.log.contains(where: { $0.taskID == unknown && $0.text.hasPrefix("Received unregistered") })
      && Date() < deadline
    {
      usleep(50_000)
    }
    XCTAssertTrue(
      worker.log.contains {
        $0.text == "Received unregistered task of type 'nosuch'. The message has been ignored and discarded."
      }, "\(worker.log)")
  }

  /// A chain across the two: Celery's `(add.s(1, 1) | mul.s(10))` run by a distlab worker (the
  /// second link sent by it, with the first's result first), and the lab's chain, in Celery's
  /// embed format, run by a real Celery worker.
  func testChainsRunAcrossDistlabAndCelery() throws {
    try requireCelery()
    let redis = try startRedis(for: self)
    let worker = try RedisTaskWorker(RedisTaskWorker.Settings(host: "127.0.0.1", port: redis.port))
    let client = try python(
      ["-c", "from celery_lab import add, mul\nprint((add.s(1, 1) | mul.s(10)).apply_async().get(timeout=20))"],
      redis: redis)
    let out = Pipe()
    client.standardOutput = out
    client.standardError = FileHandle.nullDevice
    try client.run()
    client.waitUntilExit()
    XCTAssertEqual(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self), "20\n")
    XCTAssertTrue(worker.log.contains { $0.text.contains("chained mul[") }, "\(worker.log.map(\.text))")
    worker.stop()
    // The other way: the lab's chain, as Celery's embed, to a real Celery worker.
    try startCeleryWorker(redis)
    let broker = KombuRedis(client: try RedisClient.connect(host: "127.0.0.1", port: redis.port))
    defer { broker.client.close() }
    let (first, second, third) = (
      UUID().uuidString.lowercased(), UUID().uuidString.lowercased(), UUID().uuidString.lowercased()
    )
    var m = CeleryEnvelope(
      task: "add", id: first, args: [.int(2), .int(2)], queue: "celery", deliveryTag: UUID().uuidString.lowercased(),
      origin: "distlab-test")
    m.chain = .list([
      CeleryEnvelope.signature(task: "add", args: [.int(1)], id: third),
      CeleryEnvelope.signature(task: "mul", args: [.int(10)], id: second),
    ])
    try broker.publish(m)
    var last = try broker.result(third)
    let deadline = Date().addingTimeInterval(30)
    while last.state == "PENDING" && Date() < deadline {
      usleep(100_000)
      last = try broker.result(third)
    }
    XCTAssertEqual(try broker.result(first).result, .int(4))
    XCTAssertEqual(try broker.result(second).result, .int(40))
    XCTAssertEqual(last.result, .int(41), "add 2 2 | mul 10 | add 1, run by Celery")
  }

  /// Revoke across the two: Celery's `app.control.revoke` reaches a distlab worker, and the
  /// lab's revoke broadcast reaches a real Celery worker; each stores REVOKED at once for a
  /// task not begun (as Celery 5.7's worker does), before its ETA two seconds away, and
  /// discards the task when it comes up.
  func testRevokeReachesWorkersEitherWay() throws {
    try requireCelery()
    let redis = try startRedis(for: self)
    let broker = KombuRedis(client: try RedisClient.connect(host: "127.0.0.1", port: redis.port))
    defer { broker.client.close() }
    func later(_ id: String) throws -> Date {
      var m = CeleryEnvelope(
        task: "add", id: id, args: [.int(1), .int(1)], queue: "celery", deliveryTag: UUID().uuidString.lowercased(),
        origin: "distlab-test")
      let eta = Date().addingTimeInterval(2)
      m.eta = CeleryTime.iso(eta)
      try broker.publish(m)
      return eta
    }
    func settled(_ id: String) throws -> String {
      let deadline = Date().addingTimeInterval(20)
      var state = try broker.result(id).state
      while state == "PENDING" && Date() < deadline {
        usleep(100_000)
        state = try broker.result(id).state
      }
      return state
    }
    // Celery's client revokes; the distlab worker discards.
    let worker = try RedisTaskWorker(RedisTaskWorker.Settings(host: "127.0.0.1", port: redis.port))
    let first = UUID().uuidString.lowercased()
    let due = try later(first)
    let revoke = try python(["-c", "from celery_lab import app\napp.control.revoke('\(first)')"], redis: redis)
    try revoke.run()
    revoke.waitUntilExit()
    XCTAssertEqual(try settled(first), "REVOKED")
    XCTAssertLessThan(Date(), due, "marked at once, before the task came up")
    XCTAssertEqual(try broker.result(first).revokedReason, "revoked")
    XCTAssertTrue(worker.log.contains { $0.text == "Tasks flagged as revoked: \(first)" }, "\(worker.log.map(\.text))")
    poll(5) { worker.log.contains { $0.text == "Discarding revoked task: add[\(first)]" } }
    XCTAssertTrue(worker.log.contains { $0.text == "Discarding revoked task: add[\(first)]" }, "and discarded when due")
    worker.stop()
    // The lab revokes; a real Celery worker discards.
    try startCeleryWorker(redis)
    // Ready once it has run a first task.
    let warm = UUID().uuidString.lowercased()
    try broker.publish(
      CeleryEnvelope(
        task: "add", id: warm, args: [.int(0), .int(0)], queue: "celery", deliveryTag: UUID().uuidString.lowercased(),
        origin: "distlab-test"))
    XCTAssertEqual(try settled(warm), "SUCCESS")
    let second = UUID().uuidString.lowercased()
    let then = try later(second)
    XCTAssertEqual(
      try broker.client.call(["PUBLISH", CeleryControl.channel(db: 0), CeleryControl.revoke(second)]), .integer(1),
      "the Celery worker listens")
    XCTAssertEqual(try settled(second), "REVOKED")
    XCTAssertLessThan(Date(), then, "Celery 5.7 marks it at once too")
  }
}
