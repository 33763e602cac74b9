import DistLab
import DistLabNet
import DistLabRedis
import Foundation
import XCTest

@testable import DistLabShell

/// `expect` on the task lab after `task start --redis`, on a private redis-server: the
/// subjects read the result backend and the queues as the task commands do, a failed
/// expectation says where and what was found, what only the simulation has is refused in a
/// line, a Redis gone away is one line, and `distlab run` exits 0 or 1 on such a script.
final class TaskSubjectsOnRedisTests: XCTestCase {

  /// Runs `line` as line `n` of `redis.distlab`.
  func run(_ s: ShellSession, _ line: String, _ n: Int) -> String {
    s.run(line, at: SourceLocation(file: "redis.distlab", line: n, column: 1)).text
  }

  func testExpectReadsTheResultBackendAndTheQueues() throws {
    let server = try privateRedis()
    let s = ShellSession()
    _ = run(s, "task start --redis redis://127.0.0.1:\(server.port)/0 --workers 1", 1)
    _ = run(s, "task send add 2 3", 2)
    let failed = run(s, "task send fail", 3)
    let uuid = String(failed.dropFirst("sent T2 = ".count).prefix(36))
    _ = run(s, "task send add 1 1 --queue slow", 4)
    XCTAssertTrue(run(s, "task wait T1", 5).hasSuffix("SUCCESS 5"))
    XCTAssertTrue(run(s, "task wait T2", 6).hasSuffix("FAILURE ValueError: fail always fails"))
    // Another consumer (a Celery worker elsewhere) holds one message, delivered and not
    // acknowledged, as kombu keeps it.
    let redis = try RedisClient.connect(host: "127.0.0.1", port: server.port)
    defer { redis.close() }
    _ = try redis.call(["ZADD", "unacked_index", "1", "tag-1"])
    _ = try redis.call(["HSET", "unacked", "tag-1", "[\"{}\", \"\", \"celery\"]"])
    for (n, line, out) in [
      (7, "expect task.state.T1 == SUCCESS", "✓ task.state.T1 == SUCCESS"),
      (8, "expect task.result.T1 == 5", "✓ task.result.T1 == 5"),
      (9, "expect task.state.\(uuid) == FAILURE", "✓ task.state.\(uuid) == FAILURE"),
      (10, "expect task.result.T2 == null", "✓ task.result.T2 == null"),
      (11, "expect task.state.T3 == PENDING", "✓ task.state.T3 == PENDING"),
      (12, "expect tasks.sent == 3", "✓ tasks.sent == 3"),
      (
        13, "expect tasks.succeeded == 1 and tasks.failed == 1 and tasks.pending == 1",
        "✓ tasks.succeeded == 1 and tasks.failed == 1 and tasks.pending == 1"
      ),
      (14, "expect broker.queued == 1", "✓ broker.queued == 1"),
      (15, "expect broker.unacked == 1", "✓ broker.unacked == 1"),
      (
        16, "expect tasks.succeeded == 2",
        "redis.distlab:16: ✗ expected tasks.succeeded == 2, found tasks.succeeded = 1"
      ),
      (
        17, "expect task.state.T3 == SUCCESS",
        "redis.distlab:17: ✗ expected task.state.T3 == SUCCESS, found task.state.T3 = PENDING"
      ),
      (
        18, "expect task.result.T1 > 5",
        "redis.distlab:18: ✗ expected task.result.T1 > 5, found task.result.T1 = 5"
      ),
      (
        19, "expect broker.queued == 0 and broker.unacked == 0",
        "redis.distlab:19: ✗ expected broker.queued == 0 and broker.unacked == 0, found broker.queued = 1,"
          + " broker.unacked = 1"
      ),
      (
        20, "expect task.state.T9 == SUCCESS",
        "redis.distlab:20:8: error: no task 'T9' was sent from this shell (sent: T1..T3)"
      ),
    ] {
      XCTAssertEqual(run(s, line, n), out, line)
    }
    XCTAssertEqual(run(s, "task revoke T3", 21), "revoked T3: 1 listening worker will skip it")
    try poll(5) { run(s, "task status T3", 22).hasSuffix("REVOKED revoked") }
    XCTAssertEqual(
      run(s, "expect tasks.revoked == 1 and tasks.pending == 0", 23),
      "✓ tasks.revoked == 1 and tasks.pending == 0", "the worker marked the revoked task REVOKED")
    XCTAssertEqual(run(s, "expect task.state.T3 == REVOKED", 24), "✓ task.state.T3 == REVOKED")
  }

  func testWhatOnlyTheSimulationHasIsRefusedInALine() throws {
    let server = try privateRedis()
    let s = ShellSession()
    _ = s.run("task start --redis redis://127.0.0.1:\(server.port)/0 --workers 0")
    _ = s.run("task send add 1 1")
    for (subject, error) in [
      (
        "task.runs.T1",
        "task.runs.T1 counts starts in the simulation's trace, which Redis does not keep: 'celery log' shows what"
          + " this shell's workers ran"
      ),
      (
        "tasks.duplicates",
        "tasks.duplicates counts runs beyond the first in the simulation's trace, which Redis does not keep:"
          + " 'celery log' shows what this shell's workers ran"
      ),
      (
        "tasks.redelivered",
        "tasks.redelivered counts deliveries after a restore in the simulation's trace, which Redis does not keep:"
          + " 'celery log' shows the restores of this shell's workers"
      ),
      (
        "beat.count",
        "beat.count reads the simulated beat; beat on Redis is Celery's own scheduler process ('celery beat' on the"
          + " same Redis)"
      ),
      (
        "beat.sent.tick",
        "beat.sent.tick reads the simulated beat; beat on Redis is Celery's own scheduler process ('celery beat' on"
          + " the same Redis)"
      ),
      (
        "backend.charged",
        "backend.charged reads the simulated backend's account, which Redis does not keep: a charge there only"
          + " returns its amount, which 'expect task.result.KEY' reads"
      ),
      (
        "backend.charges",
        "backend.charges reads the simulated backend's account, which Redis does not keep: a charge there only"
          + " returns its amount, which 'expect task.result.KEY' reads"
      ),
    ] {
      XCTAssertEqual(s.run("expect \(subject) == 1").text, "error: " + error, subject)
    }
    XCTAssertEqual(
      s.run("expect task.runs.T1 == 1", at: SourceLocation(file: "s.distlab", line: 3, column: 1)).text,
      "s.distlab:3:8: error: task.runs.T1 counts starts in the simulation's trace, which Redis does not keep:"
        + " 'celery log' shows what this shell's workers ran")
    _ = s.run("reset")
    XCTAssertEqual(
      s.run("expect task.runs.T1 == 1").text, "error: no task 'T1' was sent from this shell ('task list' shows them)",
      "after a reset the subjects read the simulation again")
  }

  func testARedisGoneAwayIsOneLine() throws {
    let server = try privateRedis()
    let s = ShellSession()
    _ = s.run("task start --redis redis://127.0.0.1:\(server.port)/0 --workers 0")
    _ = s.run("task send add 1 1")
    server.stop()
    let gone = "error: the connection to Redis at 127.0.0.1:\(server.port) closed before the answer came"
    XCTAssertEqual(s.run("expect task.state.T1 == PENDING").text, gone)
    XCTAssertEqual(s.run("expect tasks.pending == 1").text, gone)
    XCTAssertEqual(s.run("expect broker.queued == 1").text, gone)
    XCTAssertEqual(s.run("expect tasks.sent == 1").text, "✓ tasks.sent == 1", "what this shell sent needs no Redis")
  }

  /// `distlab run` on a script against the test's Redis: 0 when every expectation holds, 1
  /// when one fails, the failure said with its place.
  func testDistlabRunExitsByTheExpectationsOnRedis() throws {
    let server = try privateRedis()
    guard let distlab = ProcessMode.defaultExecutable() else { throw XCTSkip("no distlab executable beside the tests") }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("distlab-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    func run(_ last: String) throws -> (status: Int32, out: String, err: String) {
      let path = dir.appendingPathComponent("s.distlab").path
      let script = """
        task start --redis redis://127.0.0.1:\(server.port)/0 --workers 1
        task send add 2 3
        task wait T1
        expect task.state.T1 == SUCCESS
        \(last)

        """
      try script.write(toFile: path, atomically: true, encoding: .utf8)
      let p = Process()
      p.executableURL = URL(fileURLWithPath: distlab)
      p.arguments = ["run", path]
      let out = Pipe()
      let err = Pipe()
      p.standardOutput = out
      p.standardError = err
      try p.run()
      let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      p.waitUntilExit()
      return (p.terminationStatus, o, e)
    }
    let held = try run("expect task.result.T1 == 5 and tasks.succeeded == 1")
    XCTAssertEqual(held.status, 0, held.out + held.err)
    XCTAssertTrue(held.out.hasSuffix("✓ task.result.T1 == 5 and tasks.succeeded == 1\n"), held.out)
    let failed = try run("expect task.result.T1 == 6")
    XCTAssertEqual(failed.status, 1, failed.out + failed.err)
    let path = dir.appendingPathComponent("s.distlab").path
    XCTAssertTrue(
      failed.out.hasSuffix("\(path):5: ✗ expected task.result.T1 == 6, found task.result.T1 = 5\n"), failed.out)
    XCTAssertEqual(failed.err, "\(path): 1 expectation failed\n")
  }
}
