import DistLab
import DistLabRedis
import DistLabTasks
import DistLabTasksRedis
import Foundation
import XCTest

/// Revoke with terminate across distlab and real Celery 5.7: the lab's broadcast stops a task
/// running on a Celery worker, and Celery's `revoke(id, terminate=True)` stops one running on a
/// distlab worker; either way the state is REVOKED (`terminated`) within seconds, and the
/// worker goes on to its next task.
final class CeleryTerminateInteropTests: XCTestCase {
  func testRevokeWithTerminateStopsARunningTaskEitherWay() throws {
    try requireCelery()
    let redis = try startRedis(for: self)
    let broker = KombuRedis(client: try RedisClient.connect(host: "127.0.0.1", port: redis.port))
    defer { broker.client.close() }
    func send(_ task: String, _ args: [Value]) throws -> String {
      let id = UUID().uuidString.lowercased()
      try broker.publish(
        CeleryEnvelope(
          task: task, id: id, args: args, queue: "celery", deliveryTag: UUID().uuidString.lowercased(),
          origin: "distlab-test"))
      return id
    }
    // The lab terminates a sleep(30) a Celery worker (one pool process) runs.
    let celery = try startCeleryWorker(redis, prefork: true)
    let sleeping = try send("sleep", [.int(30)])
    try poll(30) { try broker.client.call(["LRANGE", "distlab.runs", "0", "-1"]).array?.isEmpty == false }
    let revoke = CeleryControl.revoke(sleeping, terminate: true)
    XCTAssertEqual(try broker.client.call(["PUBLISH", CeleryControl.channel(db: 0), revoke]), .integer(1))
    try poll(5) { try broker.result(sleeping).state == "REVOKED" }
    XCTAssertEqual(try broker.result(sleeping).revokedReason, "terminated")
    let next = try send("add", [.int(1), .int(1)])
    try poll(15) { try broker.result(next).state == "SUCCESS" }
    XCTAssertEqual(try broker.result(next).result, .int(2), "Celery's pool goes on")
    // Stopped, since a Celery 5.7 worker hearing a revoke stores REVOKED ('revoked') at once for
    // a task it does not run whose state is PENDING.
    celery.terminate()
    celery.waitUntilExit()
    // Celery terminates a sleep(30) a distlab worker (one slot) runs.
    var settings = RedisTaskWorker.Settings(host: "127.0.0.1", port: redis.port)
    settings.concurrency = 1
    let worker = try RedisTaskWorker(settings)
    defer { worker.stop() }
    let theirs = try XCTUnwrap(
      try client("from celery_lab import sleep\nprint(sleep.delay(30).id)", redis: redis).first)
    try poll(10) { worker.log.contains { $0.text == "Task sleep[\(theirs)] received" } }
    let lines = try client(
      """
      import time
      from celery_lab import app
      from celery.result import AsyncResult
      app.control.revoke("\(theirs)", terminate=True)
      r, t = AsyncResult("\(theirs)"), time.time()
      while r.state != "REVOKED" and time.time() - t < 5:
          time.sleep(0.05)
      print(r.state, repr(r.result))
      """, redis: redis)
    XCTAssertEqual(lines, ["REVOKED TaskRevokedError('terminated')"], "Celery's AsyncResult reads it")
    XCTAssertTrue(worker.log.contains { $0.text == "Terminating \(theirs) (15)" }, "\(worker.log.map(\.text))")
    let after = try send("add", [.int(2), .int(2)])
    try poll(5) { try broker.result(after).state == "SUCCESS" }
    XCTAssertEqual(try broker.result(after).result, .int(4), "the slot went on to the next task")
    XCTAssertEqual(try broker.depth("celery").unacked, 0)
  }
}
