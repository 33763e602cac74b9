import DistLab
import DistLabRedis
import DistLabTasks
import Foundation
import XCTest

@testable import DistLabShell

/// The task lab's commands after `task start --redis URL --workers 0`, with a real Celery 5.7
/// worker doing the work: what `task send`, `task group` and `task chain` publish is Celery's
/// own, and Celery's `AsyncResult` reads what the shell reads.
final class TaskOnRedisInteropTests: XCTestCase {
  func testARealCeleryWorkerRunsWhatTheTaskCommandsSend() throws {
    try requireCelery()
    let redis = try startRedis(for: self)
    let s = ShellSession()
    func run(_ line: String) -> String {
      s.run(line).text.replacingOccurrences(
        of: "(T[0-9]+) ready after [0-9.]+m?s:", with: "$1 ready after <t>:", options: .regularExpression)
    }
    XCTAssertTrue(
      run("task start --redis redis://127.0.0.1:\(redis.port)/0 --workers 0").hasSuffix(
        "no workers in this shell: Celery workers on this Redis run what task send sends"))
    XCTAssertEqual(run("task group add 1 1 | add 2 2"), "sent group T1 add(1, 1), T2 add(2, 2)")
    let client = try RedisClient.connect(host: "127.0.0.1", port: redis.port)
    defer { client.close() }
    let waiting = try (client.call(["LRANGE", "celery", "0", "-1"]).array ?? []).compactMap(\.string).map {
      try CeleryEnvelope(json: Array($0.utf8))
    }
    XCTAssertEqual(waiting.count, 2)
    XCTAssertNotNil(waiting.first?.group)
    XCTAssertEqual(Set(waiting.map(\.group)).count, 1, "one group id on every task of the group")
    XCTAssertEqual(Set(waiting.compactMap(\.groupIndex)), [0, 1], "each task's place in the group")
    try startCeleryWorker(redis)
    let sent = s.run("task send add 2 3").text
    XCTAssertTrue(sent.hasPrefix("sent T3 = ") && sent.hasSuffix(": add(2, 3) to queue celery"), sent)
    XCTAssertEqual(run("task wait T3 --timeout 30s"), "T3 ready after <t>: SUCCESS 5")
    let uuid = String(sent.dropFirst("sent T3 = ".count).prefix(36))
    XCTAssertEqual(
      try self.client("from celery_lab import app\nprint(app.AsyncResult('\(uuid)').get(timeout=10))", redis: redis),
      ["5"], "Celery's AsyncResult reads the result under the UUID task send showed")
    XCTAssertEqual(run("task wait T2 --timeout 10s"), "T2 ready after <t>: SUCCESS 4")
    XCTAssertEqual(run("task chain add 2 2 | mul 10 | add 1"), "sent chain T4 add(2, 2) → T5 mul(…, 10) → T6 add(…, 1)")
    XCTAssertEqual(run("task wait T6 --timeout 10s"), "T6 ready after <t>: SUCCESS 41", "Celery ran every link")
    XCTAssertEqual(
      run("task list"),
      """
      ID  TASK        QUEUE   STATE    RESULT
      T1  add(1, 1)   celery  SUCCESS  2
      T2  add(2, 2)   celery  SUCCESS  4
      T3  add(2, 3)   celery  SUCCESS  5
      T4  add(2, 2)   celery  SUCCESS  4
      T5  mul(…, 10)  celery  SUCCESS  40
      T6  add(…, 1)   celery  SUCCESS  41
      """)
  }
}
