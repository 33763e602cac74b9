import DistLab
import DistLabRedis
import DistLabShell
import DistLabTasks
import DistLabTasksRedis
import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// The lab's claims checked against real Celery: a scenario runs once in the simulation and
/// once on a real Redis with real Celery 5.7 workers killed by SIGKILL, and the outcomes — how
/// many times each task ran, and its final state — must be the same.
final class CeleryFidelityTests: XCTestCase {
  /// What became of each of a scenario's tasks, by the lab's short id.
  struct Outcome: Equatable, CustomStringConvertible {
    var runs: [String: Int] = [:]
    var states: [String: String] = [:]
    var description: String {
      runs.keys.sorted().map { "\($0): ran \(runs[$0]!), \(states[$0] ?? "?")" }.joined(separator: "; ")
    }
  }

  /// A real Celery worker in a process group of its own (Foundation starts each child as a group
  /// leader), so a SIGKILL to the group takes its pool processes with it.
  final class CeleryWorker {
    let process = Process()

    init(redis: LocalRedisServer, env: [String: String], beat schedule: String? = nil) throws {
      let root = CeleryInteropTests.root
      process.executableURL = URL(fileURLWithPath: CeleryInteropTests.python)
      process.arguments =
        schedule.map { ["-m", "celery", "-A", "celery_lab", "beat", "-s", $0, "--pidfile=", "-l", "warning"] } ?? [
          "-m", "celery", "-A", "celery_lab", "worker", "-c", "1", "--without-gossip",
          "--without-mingle", "--without-heartbeat", "-l", "warning",
        ]
      process.currentDirectoryURL = root.appendingPathComponent("Tests/Interop")
      var environment = ProcessInfo.processInfo.environment
      environment["DISTLAB_REDIS"] = "redis://127.0.0.1:\(redis.port)/0"
      environment["PYTHONPATH"] = root.appendingPathComponent("Tests/Interop").path
      for (k, v) in env { environment[k] = v }
      process.environment = environment
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
    }

    /// SIGKILL to the worker and its pool processes: a crash, nothing cleaned up.
    func kill() {
      Glibc.kill(-process.processIdentifier, SIGKILL)
      Glibc.kill(process.processIdentifier, SIGKILL)
      let deadline = Date().addingTimeInterval(5)
      while process.isRunning && Date() < deadline { usleep(10_000) }
    }

    deinit { if process.isRunning { kill() } }
  }

  /// Publishes the tasks as the lab's T1, T2, …: each a Celery message with its own UUID.
  func publish(_ broker: KombuRedis, _ tasks: [(String, [Value])], eta: [Int: Double] = [:]) throws -> [String] {
    var ids: [String] = []
    for (i, (task, args)) in tasks.enumerated() {
      let id = UUID().uuidString.lowercased()
      var m = CeleryEnvelope(
        task: task, id: id, args: args, queue: "celery", deliveryTag: UUID().uuidString.lowercased(),
        origin: "distlab-fidelity")
      if let seconds = eta[i] { m.eta = CeleryTime.iso(Date().addingTimeInterval(seconds)) }
      try broker.publish(m)
      ids.append(id)
    }
    return ids
  }

  func runs(_ broker: KombuRedis) throws -> [String] {
    (try broker.client.call(["LRANGE", "distlab.runs", "0", "-1"]).array ?? []).compactMap(\.string)
  }

  func outcome(_ broker: KombuRedis, _ ids: [String]) throws -> Outcome {
    let ran = try runs(broker)
    var o = Outcome()
    for (i, id) in ids.enumerated() {
      o.runs["T\(i + 1)"] = ran.filter { $0 == id }.count
      o.states["T\(i + 1)"] = try broker.result(id).state
    }
    return o
  }

  func wait(_ seconds: Double, until done: () throws -> Bool) rethrows {
    let deadline = Date().addingTimeInterval(seconds)
    while try !done() && Date() < deadline { usleep(50_000) }
  }

  /// A numeric subject's value, read as a student reads it: through `expect`.
  static func number(_ s: ShellSession, _ subject: String) -> Int {
    let text = s.run("expect \(subject) == -1").text
    return Int(text.split(separator: " ").last ?? "") ?? -1
  }

  /// The same scenario in the simulation, read through the lab's own subjects.
  func simulated(_ lines: [String], tasks: Int) -> Outcome {
    let s = ShellSession()
    for line in lines { XCTAssertNotEqual(s.run(line).status, .error, line) }
    var o = Outcome()
    for i in 1...tasks {
      o.runs["T\(i)"] = Self.number(s, "task.runs.T\(i)")
      for state in ["PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE", "REVOKED"]
      where s.run("expect task.state.T\(i) == \(state)").text.hasPrefix("✓") {
        o.states["T\(i)"] = state
      }
    }
    return o
  }

  /// A visibility timeout of 3 s and a restore sweep every second, in Celery's settings and
  /// the lab's flags alike, so that what comes back comes back within a test's patience.
  static let quickRestore = [
    "DISTLAB_VISIBILITY": "3", "DISTLAB_RESTORE_INTERVAL": "1", "DISTLAB_RESTORE_THROTTLE": "1",
  ]
  static let quickRestoreFlags = "--visibility-timeout 3s --restore-interval 1s --restore-throttle 1"

  /// A one-slot worker runs T1 (`sleep 2`) with T2 (`add 1 2`) reserved behind it and is killed
  /// by SIGKILL; a second worker takes over. Real Celery's outcome, then the lab's.
  func killedWorker(acksLate: Bool) throws -> (real: Outcome, sim: Outcome) {
    let redis = try startRedis(for: self)
    let env = Self.quickRestore.merging(["DISTLAB_ACKS_LATE": acksLate ? "1" : "0"]) { $1 }
    let broker = KombuRedis(client: try RedisClient.connect(host: "127.0.0.1", port: redis.port))
    defer { broker.client.close() }
    let first = try CeleryWorker(redis: redis, env: env)
    let ids = try publish(broker, [("sleep", [.int(2)]), ("add", [.int(1), .int(2)])])
    try wait(30) { try runs(broker).contains(ids[0]) }
    first.kill()
    let second = try CeleryWorker(redis: redis, env: env)
    defer { second.kill() }
    try wait(40) {
      try broker.result(ids[1]).state == "SUCCESS" && (!acksLate || broker.result(ids[0]).state == "SUCCESS")
    }
    usleep(1_500_000)
    let sim = simulated(
      [
        "task start --workers 1 --concurrency 1 \(acksLate ? "--acks-late " : "")\(Self.quickRestoreFlags)",
        "task send sleep 2s", "task send add 1 2", "advance 500ms", "kill w1", "restart w1", "advance 20s",
      ], tasks: 2)
    return (try outcome(broker, ids), sim)
  }

  /// Early ack, and the worker killed while its one slot runs T1 and T2 waits reserved: T1 was
  /// acknowledged as it started, so it is lost and stays PENDING; T2 was unacknowledged, so it
  /// comes back once the visibility timeout has passed and a sweep runs, and completes once.
  func testAWorkerKilledUnderEarlyAckLosesItsRunningTaskAsCeleryDoes() throws {
    try requireCelery()
    let (real, sim) = try killedWorker(acksLate: false)
    XCTAssertEqual(real, Outcome(runs: ["T1": 1, "T2": 1], states: ["T1": "PENDING", "T2": "SUCCESS"]), "real Celery")
    XCTAssertEqual(sim, real, "the simulation against real Celery")
  }

  /// Late ack, the same kill: T1 was still unacknowledged, so it comes back, marked redelivered,
  /// and runs again to the end — twice in all; T2 runs once.
  func testAWorkerKilledUnderLateAckRunsItsTaskAgainAsCeleryDoes() throws {
    try requireCelery()
    let (real, sim) = try killedWorker(acksLate: true)
    XCTAssertEqual(real, Outcome(runs: ["T1": 2, "T2": 1], states: ["T1": "SUCCESS", "T2": "SUCCESS"]), "real Celery")
    XCTAssertEqual(sim, real, "the simulation against real Celery")
  }

  /// An ETA past the visibility timeout: the worker holds the message unacknowledged until it is
  /// due, the sweep puts it back meanwhile, the same worker takes the copy too, and at the ETA
  /// both run — twice, where one was sent.
  func testAnETAPastTheVisibilityTimeoutRunsTwiceAsWithCelery() throws {
    try requireCelery()
    let redis = try startRedis(for: self)
    let broker = KombuRedis(client: try RedisClient.connect(host: "127.0.0.1", port: redis.port))
    defer { broker.client.close() }
    let worker = try CeleryWorker(redis: redis, env: Self.quickRestore)
    defer { worker.kill() }
    let ids = try publish(broker, [("add", [.int(1), .int(2)])], eta: [0: 5])
    try wait(30) { try broker.result(ids[0]).state == "SUCCESS" }
    usleep(2_000_000)
    let real = try outcome(broker, ids)
    XCTAssertEqual(real, Outcome(runs: ["T1": 2], states: ["T1": "SUCCESS"]), "real Celery")
    let sim = simulated(
      [
        "task start --workers 1 --concurrency 1 \(Self.quickRestoreFlags)", "task send add 1 2 --countdown 5s",
        "advance 20s",
      ], tasks: 1)
    XCTAssertEqual(sim, real, "the simulation against real Celery")
  }

  /// Periodic tasks published by `beats` real `celery beat` processes over `seconds`: each run's
  /// id is a publish, as each beat sends every entry under a new id.
  func realPublishes(beats: Int, seconds: Double) throws -> Int {
    let redis = try startRedis(for: self)
    let env = ["DISTLAB_BEAT_EVERY": "1"]
    let broker = KombuRedis(client: try RedisClient.connect(host: "127.0.0.1", port: redis.port))
    defer { broker.client.close() }
    let worker = try CeleryWorker(redis: redis, env: env)
    defer { worker.kill() }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("beats-\(getpid())-\(redis.port)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let started = try (0..<beats).map { i in
      try CeleryWorker(redis: redis, env: env, beat: folder.appendingPathComponent("schedule-\(i)").path)
    }
    // Counted from each beat's first publish on, so start-up time does not count.
    try wait(30) { try Set(runs(broker)).count >= beats }
    usleep(UInt32(seconds * 1e6))
    for b in started { b.kill() }
    usleep(1_000_000)
    return Set(try runs(broker)).count
  }

  /// A second beat doubles every periodic task, as the lab's `beat start --force` shows: with
  /// real `celery beat` processes, two publish the entry twice as often as one.
  func testTwoRealBeatsDoubleThePeriodicTasksAsTheLabsDo() throws {
    try requireCelery()
    let one = try realPublishes(beats: 1, seconds: 3.5)
    let two = try realPublishes(beats: 2, seconds: 3.5)
    XCTAssertGreaterThanOrEqual(one, 3, "one beat every 1s over 3.5s")
    XCTAssertTrue((2 * one - 2)...(2 * one + 2) ~= two, "two beats: \(two) publishes, one beat: \(one)")
    func simulated(_ beats: [String]) -> Int {
      let s = ShellSession()
      for line in ["task start", "beat add tick add 1 1 --every 2s"] + beats + ["advance 7s"] {
        XCTAssertNotEqual(s.run(line).status, .error, line)
      }
      return Self.number(s, "beat.sent.tick")
    }
    let simOne = simulated(["beat start"])
    XCTAssertGreaterThanOrEqual(simOne, 3)
    XCTAssertEqual(simulated(["beat start", "beat start --force"]), 2 * simOne, "the lab doubles exactly")
  }
}
