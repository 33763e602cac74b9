import DistLabRedis
import Foundation
import XCTest

/// Real Celery for the interop tests: the lab's Celery app (`Tests/Interop/celery_lab.py`) run
/// by the Python of `.build-venv`, as a worker or as a client script, on a test's Redis.
extension XCTestCase {
  func requireCelery() throws {
    guard FileManager.default.isExecutableFile(atPath: CeleryInteropTests.python) else {
      throw XCTSkip("no Celery environment at .build-venv (scripts/celery-venv.sh makes it)")
    }
  }

  /// A real Celery worker on `redis`, stopped (SIGTERM, Celery's warm shutdown) when the test
  /// ends: the solo pool, or with `prefork` one pool process, which a revoke can terminate.
  @discardableResult
  func startCeleryWorker(_ redis: LocalRedisServer, env: [String: String] = [:], prefork: Bool = false) throws
    -> Process
  {
    let worker = try python(
      ["-m", "celery", "-A", "celery_lab", "worker"] + (prefork ? ["-c", "1"] : ["--pool=solo"])
        + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"],
      redis: redis, env: env)
    worker.standardOutput = FileHandle.nullDevice
    worker.standardError = FileHandle.nullDevice
    try worker.run()
    addTeardownBlock {
      if worker.isRunning { worker.terminate() }
      worker.waitUntilExit()
    }
    return worker
  }

  /// Runs Python with the lab's Celery app importable and its Redis set.
  func python(_ args: [String], redis: LocalRedisServer, env: [String: String] = [:]) throws -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: CeleryInteropTests.python)
    p.arguments = args
    p.currentDirectoryURL = CeleryInteropTests.app
    var environment = ProcessInfo.processInfo.environment
    environment["DISTLAB_REDIS"] = "redis://127.0.0.1:\(redis.port)/0"
    environment["PYTHONPATH"] = CeleryInteropTests.app.path
    for (k, v) in env { environment[k] = v }
    p.environment = environment
    return p
  }

  /// Runs a Celery client script to its end; the lines it printed.
  func client(_ script: String, redis: LocalRedisServer, env: [String: String] = [:]) throws -> [String] {
    let p = try python(["-c", script], redis: redis, env: env)
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    XCTAssertEqual(p.terminationStatus, 0, "the client script ended in an error")
    return text.split(separator: "\n").map(String.init)
  }

  /// Polls `done` every 50 ms for up to `seconds`.
  func poll(_ seconds: Double, until done: () throws -> Bool) rethrows {
    let deadline = Date().addingTimeInterval(seconds)
    while try !done() && Date() < deadline { usleep(50_000) }
  }
}
