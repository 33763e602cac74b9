import DistLab
import DistLabRedis
import XCTest

@testable import DistLabShell

/// `celery …` in the shell against a private redis-server: connect, send in Celery's format,
/// run with the shell's own worker, read the result back, and the refusals in a line.
final class CeleryCommandTests: XCTestCase {
  func testTheShellSendsRunsAndReadsTasksOnARealRedis() throws {
    let server = try privateRedis()
    let s = ShellSession()
    defer { s.world.reset() }
    XCTAssertEqual(
      s.run("celery send add 1 2").text, "error: no Redis yet: 'celery connect redis://127.0.0.1:6379/0' first")
    XCTAssertTrue(s.run("celery connect redis://127.0.0.1:\(server.port)/0").text.hasPrefix("connected to Redis "))
    let sent = s.run("celery send add 10 20").text
    XCTAssertTrue(sent.hasPrefix("C1 = ") && sent.hasSuffix(": add(10, 20) on celery"), sent)
    XCTAssertEqual(s.run("celery status C1").text, "C1 PENDING", "no worker yet: the backend has never heard of it")
    XCTAssertEqual(
      s.run("celery queues").text, "QUEUE   WAITING\ncelery        1\nunacked (delivered, not acknowledged): 0")
    XCTAssertEqual(
      s.run("celery worker start --concurrency 2").text,
      "a worker with 2 slots consumes celery, acknowledging as each task starts\n"
        + "flaky retries its failure up to 3 times (max_retries), 180s apart (default_retry_delay)")
    XCTAssertTrue(s.run("celery wait C1").text.hasPrefix("C1 SUCCESS 30  (after "))
    _ = s.run("celery send fail")
    XCTAssertTrue(s.run("celery wait C2").text.hasPrefix("C2 FAILURE ValueError: fail always fails"))
    XCTAssertEqual(s.run("celery send add 1").text, "error: add takes 2 arguments (add X Y), not 1")
    XCTAssertEqual(
      s.run("celery chain add 2 2 | mul 10 | add 1").text, "C3 add(2, 2) → C4 mul(…, 10) → C5 add(…, 1) on celery")
    XCTAssertTrue(s.run("celery wait C5").text.hasPrefix("C5 SUCCESS 41"), "each link given the result before it")
    XCTAssertEqual(
      s.run("celery chain add 1 1 | mul 2 3").text,
      "error: mul takes 1 argument after the result before it (mul X Y), not 2")
    XCTAssertEqual(s.run("celery status C9").text, "error: no task 'C9' was sent from this shell (sent: C1..C5)")
    XCTAssertTrue(s.run("celery log").text.contains("Task add["), s.run("celery log").text)
    _ = s.run("celery send add 1 1 --countdown 1s")
    XCTAssertEqual(s.run("celery revoke C6").text, "revoked C6: 1 listener heard the broadcast")
    XCTAssertTrue(s.run("celery wait C6").text.hasPrefix("C6 REVOKED"), "discarded when it came up")
    XCTAssertEqual(
      s.run("celery worker start").text, "error: a worker already runs in this shell ('celery worker stop' first)")
    XCTAssertEqual(s.run("celery worker stop").text, "the worker stopped after storing 5 results")
    XCTAssertEqual(
      s.run("celery connect redis://127.0.0.1:notaport").text,
      "error: a Redis URL is redis://HOST:PORT/DB, like redis://127.0.0.1:6379/0, not 'redis://127.0.0.1:notaport'")
    server.stop()
    XCTAssertEqual(
      s.run("celery send add 1 2").text,
      "error: the connection to Redis at 127.0.0.1:\(server.port) closed before the answer came",
      "a publish Redis did not take is said, never dropped silently")
  }

  /// A failing flaky shows RETRY between its runs and FAILURE after the last; a running sleep
  /// stops at a revoke with --terminate; what these flags cannot take is refused in a line.
  func testRetriesAndTerminateFromTheShell() throws {
    let server = try privateRedis()
    let s = ShellSession()
    defer { s.world.reset() }
    _ = s.run("celery connect redis://127.0.0.1:\(server.port)/0")
    XCTAssertEqual(
      s.run("celery worker start --max-retries 1 --retry-delay 1s").text,
      "a worker with 4 slots consumes celery, acknowledging as each task starts\n"
        + "flaky retries its failure up to 1 time (max_retries), 1s apart (default_retry_delay)")
    _ = s.run("celery send flaky 1")
    var status = s.run("celery status C1").text
    let deadline = Date().addingTimeInterval(5)
    while status == "C1 PENDING" && Date() < deadline {
      usleep(20_000)
      status = s.run("celery status C1").text
    }
    XCTAssertEqual(status, "C1 RETRY ConnectionError: flaky failed", "between the first run and the retry")
    XCTAssertTrue(s.run("celery wait C1").text.hasPrefix("C1 FAILURE ConnectionError: flaky failed  (after "))
    let log = s.run("celery log").text
    XCTAssertTrue(log.contains("] retry: Retry in 1s: ConnectionError('flaky failed')"), log)
    _ = s.run("celery send sleep 30s")
    let running = Date().addingTimeInterval(5)
    while !s.run("celery log").text.contains("Task sleep[") && Date() < running { usleep(20_000) }
    XCTAssertEqual(
      s.run("celery revoke C2 --terminate").text,
      "revoked C2, terminating it by SIGTERM where it runs: 1 listener heard the broadcast")
    XCTAssertTrue(s.run("celery wait C2 --timeout 3s").text.hasPrefix("C2 REVOKED terminated  (after "))
    XCTAssertTrue(s.run("celery log").text.contains("Terminating "))
    for (line, error) in [
      (
        "celery revoke C2 --terminate --signal SIGFOO",
        "--signal names a signal like SIGTERM, SIGKILL or SIGINT, not 'SIGFOO'"
      ),
      ("celery revoke C2 --signal KILL", "--signal goes with --terminate: add --terminate to stop the task"),
      ("celery worker start --retry-delay -1s", "--retry-delay must be a duration like 250ms, 2s or 1m, not '-1s'"),
      ("celery worker start --max-retries -1", "--max-retries must be between 0 and 1000, not -1"),
      ("celery worker stop --max-retries 2", "--max-retries goes with start, not stop"),
    ] {
      XCTAssertTrue(s.run(line).text.hasPrefix("error: " + error), "\(line): \(s.run(line).text)")
    }
    XCTAssertEqual(
      s.run("celery revoke C2 --terminate --signal kill").text,
      "revoked C2, terminating it by SIGKILL where it runs: 1 listener heard the broadcast",
      "a signal named as Celery takes it, in any case")
  }

  func testAGradedSolutionCannotReachARedis() {
    let s = ShellSession()
    s.sandbox = Sandbox(root: FileManager.default.temporaryDirectory.path)
    XCTAssertEqual(
      s.run("celery connect redis://127.0.0.1:6379/0").text,
      "error: celery reaches a real Redis, which a graded solution may not")
  }
}
