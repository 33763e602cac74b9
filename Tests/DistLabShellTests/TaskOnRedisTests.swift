import DistLab
import DistLabRedis
import Foundation
import XCTest

@testable import DistLabShell

/// The task lab's commands on a private redis-server after `task start --redis`: the
/// walkthrough a student types when leaving the simulation, what has no meaning on Redis
/// refused in a line, a Redis that went away, and grading kept away from any real server.
final class TaskOnRedisTests: XCTestCase {
  /// The text with what changes from run to run masked: Celery's UUIDs, the Redis version and
  /// port, the wall-clock time waited.
  func masked(_ text: String, port: Int) -> String {
    var t = text.replacingOccurrences(
      of: "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", with: "<uuid>", options: .regularExpression)
    t = t.replacingOccurrences(of: "Redis [0-9.]+ at", with: "Redis <version> at", options: .regularExpression)
    t = t.replacingOccurrences(
      of: "(T[0-9]+) ready after [0-9.]+m?s:", with: "$1 ready after <t>:", options: .regularExpression)
    return t.replacingOccurrences(of: ":\(port)/", with: ":<port>/")
  }

  func testTheTaskCommandsRunOnARealRedis() throws {
    let server = try privateRedis()
    let s = ShellSession()
    func run(_ line: String) -> String { masked(s.run(line).text, port: server.port) }
    XCTAssertEqual(
      run("task start --redis redis://127.0.0.1:\(server.port)/0 --workers 1"),
      """
      started the task lab on Redis <version> at redis://127.0.0.1:<port>/0
      it is the broker and the result backend of the task commands until 'reset'
      workers w1 in this shell: 4 slots, early ack, queues celery
        visibility timeout 60m, restore scan every 10s × 10
      """)
    let sent = s.run("task send add 2 3").text
    XCTAssertEqual(masked(sent, port: server.port), "sent T1 = <uuid>: add(2, 3) to queue celery")
    XCTAssertEqual(run("task wait T1"), "T1 ready after <t>: SUCCESS 5")
    XCTAssertEqual(run("task status T1"), "T1 add(2, 3): SUCCESS 5")
    let uuid = String(sent.dropFirst("sent T1 = ".count).prefix(36))
    let redis = try RedisClient.connect(host: "127.0.0.1", port: server.port)
    defer { redis.close() }
    XCTAssertTrue(
      try redis.call(["GET", "celery-task-meta-" + uuid]).string?.contains("\"status\": \"SUCCESS\"") == true,
      "T1's result is where Celery's AsyncResult reads it, under the UUID send showed")
    XCTAssertEqual(run("task status " + uuid), "T1 add(2, 3): SUCCESS 5", "a task is also known by its UUID")
    XCTAssertEqual(run("task chain add 2 2 | mul 10 | add 1"), "sent chain T2 add(2, 2) → T3 mul(…, 10) → T4 add(…, 1)")
    XCTAssertEqual(run("task wait T4"), "T4 ready after <t>: SUCCESS 41", "each link given the result before it")
    XCTAssertEqual(run("task group add 1 1 | add 2 2"), "sent group T5 add(1, 1), T6 add(2, 2)")
    XCTAssertEqual(run("task wait T6"), "T6 ready after <t>: SUCCESS 4")
    _ = s.run("task send fail")
    XCTAssertEqual(run("task wait T7"), "T7 ready after <t>: FAILURE ValueError: fail always fails")
    XCTAssertEqual(
      run("task list"),
      """
      ID  TASK        QUEUE   STATE    RESULT
      T1  add(2, 3)   celery  SUCCESS  5
      T2  add(2, 2)   celery  SUCCESS  4
      T3  mul(…, 10)  celery  SUCCESS  40
      T4  add(…, 1)   celery  SUCCESS  41
      T5  add(1, 1)   celery  SUCCESS  2
      T6  add(2, 2)   celery  SUCCESS  4
      T7  fail()      celery  FAILURE  ValueError: fail always fails
      """)
    XCTAssertEqual(run("task queues"), "QUEUE   WAITING\ncelery        0\nunacked: none")
    XCTAssertEqual(run("task send sleep 30s"), "sent T8 = <uuid>: sleep(30s) to queue celery")
    try poll(5) { s.run("celery log").text.contains("Task sleep[") }
    XCTAssertEqual(
      run("task revoke T8 --terminate"), "revoked T8: 1 listening worker will skip it and stop it if running")
    XCTAssertEqual(run("task wait T8 --timeout 3s"), "T8 ready after <t>: REVOKED terminated")
    XCTAssertEqual(run("task send add 1 1 --queue slow"), "sent T9 = <uuid>: add(1, 1) to queue slow")
    XCTAssertEqual(
      run("task wait T9 --timeout 200ms"),
      "T9 not ready after 200ms: PENDING (the backend has nothing for it: not run yet, or lost)")
    XCTAssertEqual(run("task queues"), "QUEUE   WAITING\ncelery        0\nslow          1\nunacked: none")
    XCTAssertEqual(
      run("task worker --queues slow --concurrency 1 --acks-late"),
      "added w2 in this shell: 1 slot, late ack, queues slow\n  visibility timeout 60m, restore scan every 10s × 10")
    XCTAssertEqual(run("task wait T9"), "T9 ready after <t>: SUCCESS 2", "the new worker consumes slow")
    XCTAssertEqual(run("task status T10"), "error: no task 'T10' was sent from this shell (sent: T1..T9)")
    _ = s.run("reset")
    XCTAssertEqual(
      s.run("task send add 1 1").text,
      "error: no broker yet: 'task start' starts a broker, a result backend and workers",
      "a reset ends the lab on Redis")
  }

  func testWhatHasNoMeaningOnRedisIsRefusedInALine() throws {
    let server = try privateRedis()
    let s = ShellSession()
    _ = s.run("task start --redis redis://127.0.0.1:\(server.port)/0 --workers 0")
    _ = s.run("task send add 1 1")
    for (line, error) in [
      (
        "task timeline",
        "task timeline draws the simulation's trace, which Redis does not keep: 'celery log' shows what this"
          + " shell's workers did"
      ),
      (
        "task inspect active",
        "task inspect needs replies on Celery's pidbox, which this shell's workers do not send: Celery's own"
          + " 'celery inspect' asks real workers"
      ),
      (
        "task chord add 1 1 | add 2 2 --body xsum",
        "a chord needs the result backend's chord counter (on_chord_part_return), which this shell's workers do"
          + " not keep: 'task group', then 'task send xsum' on the results"
      ),
      (
        "beat start",
        "beat on Redis is Celery's own scheduler process ('celery beat' on the same Redis); 'reset' returns to the"
          + " simulated beat"
      ),
      (
        "task send flaky 0.5 --retries 2",
        "--retries: on Redis a task declares its retries (max_retries), not the message; this shell's workers"
          + " retry flaky 3 times, 3m apart"
      ),
      (
        "task send add 1 1 --idempotency-key k",
        "--idempotency-key is the simulation's ledger: on Redis the task itself must record its side effect"
      ),
      (
        "task send sleep 5s --time-limit 1s",
        "--time-limit: this shell's workers do not stop a task at Celery's timelimit header (a Celery worker does)"
      ),
      (
        "task worker --prefetch 1",
        "--prefetch has no meaning on Redis here: each slot of this shell's workers takes one message at a time"
      ),
      (
        "task worker --rate-limit add=1/s",
        "--rate-limit: this shell's workers keep no rate limits; in Celery a task declares its rate_limit"
      ),
    ] {
      XCTAssertEqual(s.run(line).text, "error: " + error, line)
    }
    XCTAssertEqual(
      s.run("task queues").text, "QUEUE   WAITING\ncelery        1\nunacked: none",
      "no worker in this shell: the task waits for a real Celery worker")
    XCTAssertEqual(
      s.run("task revoke T1").text, "revoked T1: no worker listens now, so none will skip it")
    XCTAssertEqual(
      s.run("task start --workers 1").text,
      """
      started the task lab: broker, backend, w1
      workers: 4 slots, prefetch 16 unacked (4 × 4), early ack, queues celery
        visibility timeout 60m, restore scan every 10s × 10
      """, "a task start without --redis returns to the simulation")
    XCTAssertEqual(s.run("task send add 1 2").text, "sent T1 add(1, 2) to queue celery")
    XCTAssertEqual(
      s.run("task start --redis redis://127.0.0.1:\(server.port)/0").text,
      "error: the simulated task lab runs in this world: 'reset', then 'task start --redis URL'")
  }

  func testAPublishRedisDidNotTakeIsSaid() throws {
    let server = try privateRedis()
    let s = ShellSession()
    _ = s.run("task start --redis redis://127.0.0.1:\(server.port)/0 --workers 0")
    server.stop()
    XCTAssertEqual(
      s.run("task send add 1 2").text,
      "error: add(1, 2) was not accepted: the connection to Redis at 127.0.0.1:\(server.port) closed before the"
        + " answer came")
    XCTAssertEqual(s.run("task list").text, "(no tasks sent yet)", "a publish not accepted gets no id")
    XCTAssertEqual(
      s.run("task start --redis redis://127.0.0.1:\(server.port)/0").text,
      "error: Redis at 127.0.0.1:\(server.port) is unreachable: connection refused")
    XCTAssertEqual(
      s.run("task send add 1 2").text,
      "error: no broker yet: 'task start' starts a broker, a result backend and workers",
      "a start that could not connect leaves the task commands on no lab")
    XCTAssertEqual(
      s.run("task start --redis redis://127.0.0.1:x/0").text,
      "error: a Redis URL is redis://HOST:PORT/DB, like redis://127.0.0.1:6379/0, not 'redis://127.0.0.1:x/0'")
  }

  func testAGradedSolutionCannotRunTheTaskLabOnRedis() {
    let s = ShellSession()
    s.sandbox = Sandbox(root: FileManager.default.temporaryDirectory.path)
    XCTAssertEqual(
      s.run("task start --redis redis://127.0.0.1:6379/0").text,
      "error: task start --redis reaches a real Redis, which a graded solution may not")
    XCTAssertTrue(s.run("task start --workers 1").text.hasPrefix("started the task lab"), "the simulation is allowed")
  }
}
