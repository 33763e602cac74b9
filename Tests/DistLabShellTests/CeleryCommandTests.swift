import DistLab
import DistLabRedis
import XCTest

@testable import DistLabShell

/// `celery …` in the shell against a private redis-server: connect, send in Celery's format,
/// run with the shell's own worker, read the result back, and the refusals in a line.
final class CeleryCommandTests: XCTestCase {
  func testTheShellSendsRunsAndReadsTasksOnARealRedis() throws {
    let server: LocalRedisServer
    do { server = try LocalRedisServer() } catch { throw XCTSkip("\(error)") }
    defer { server.stop() }
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
      "a worker with 2 slots consumes celery, acknowledging as each task starts")
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

  func testAGradedSolutionCannotReachARedis() {
    let s = ShellSession()
    s.sandbox = Sandbox(root: FileManager.default.temporaryDirectory.path)
    XCTAssertEqual(
      s.run("celery connect redis://127.0.0.1:6379/0").text,
      "error: celery reaches a real Redis, which a graded solution may not")
  }
}
