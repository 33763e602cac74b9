import DistLab
import DistLabRedis
import DistLabTasks
import DistLabTasksRedis
import Foundation

/// The task lab on a real Redis, beside real Celery on the same server in the same run: `add`
/// tasks end to end (published in Celery's wire format, run, results stored where Celery's
/// `AsyncResult` reads them) by a distlab worker with 4 slots, and by Celery 5's own worker
/// (prefork, concurrency 4) from the Python environment `scripts/celery-venv.sh` makes.
enum RedisBench {
  enum Failure: Error, CustomStringConvertible {
    case noCelery
    case celeryStalled(done: Int, of: Int)
    var description: String {
      switch self {
      case .noCelery: "no Celery environment at .build-venv (scripts/celery-venv.sh makes it)"
      case .celeryStalled(let done, let of): "Celery's worker finished \(done) of \(of) tasks within 60 s"
      }
    }
  }

  static func envelopes(_ n: Int, prefix: String) -> [CeleryEnvelope] {
    (0..<n).map { i in
      CeleryEnvelope(
        task: "add", id: "\(prefix)-\(i)", args: [.int(Int64(i)), .int(1)], queue: "celery",
        deliveryTag: "\(prefix)-tag-\(i)", origin: "distlab-bench")
    }
  }

  /// Tasks a second by a distlab worker with 4 slots, all `n` queued before it starts.
  static func distlab(_ redis: LocalRedisServer, tasks n: Int) throws -> Double {
    let producer = KombuRedis(client: try RedisClient.connect(host: "127.0.0.1", port: redis.port))
    defer { producer.client.close() }
    for chunk in stride(from: 0, to: n, by: 1000) {
      try producer.publish(all: Array(envelopes(n, prefix: "d")[chunk..<min(n, chunk + 1000)]))
    }
    var settings = RedisTaskWorker.Settings(host: "127.0.0.1", port: redis.port)
    settings.concurrency = 4
    let t0 = BenchClock.now()
    let worker = try RedisTaskWorker(settings)
    defer { worker.stop() }
    while worker.completed < n { usleep(2_000) }
    return Double(n) / (Double(BenchClock.now() - t0) / 1e9)
  }

  /// The `.build-venv` Python beside the working folder or the executable.
  static var python: String? {
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    let candidates = [
      URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
      exe.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent(),
    ]
    return candidates.map { $0.appendingPathComponent(".build-venv/bin/python").path }.first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
  }

  /// Tasks a second by Celery's own worker (prefork, 4 processes) on the same Redis: started
  /// and warmed up with one task first, then timed over `n` queued at once.
  static func celery(_ redis: LocalRedisServer, tasks n: Int) throws -> Double {
    guard let python else { throw Failure.noCelery }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("distlab-celery-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try """
    from celery import Celery
    import os
    url = os.environ["DISTLAB_REDIS"]
    app = Celery("lab", broker=url, backend=url)
    @app.task(name="add")
    def add(x, y):
        return x + y
    """.write(to: folder.appendingPathComponent("bench_lab.py"), atomically: true, encoding: .utf8)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: python)
    p.arguments = [
      "-m", "celery", "-A", "bench_lab", "worker", "-c", "4", "--without-gossip", "--without-mingle", "-l", "error",
    ]
    p.currentDirectoryURL = folder
    var env = ProcessInfo.processInfo.environment
    env["DISTLAB_REDIS"] = "redis://127.0.0.1:\(redis.port)/0"
    env["PYTHONPATH"] = folder.path
    p.environment = env
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    defer {
      p.terminate()
      p.waitUntilExit()
    }
    let broker = KombuRedis(client: try RedisClient.connect(host: "127.0.0.1", port: redis.port))
    defer { broker.client.close() }
    try broker.publish(all: envelopes(1, prefix: "warm"))
    let ready = Date().addingTimeInterval(60)
    while try broker.result("warm-0").state != "SUCCESS" {
      guard Date() < ready else { throw Failure.celeryStalled(done: 0, of: 1) }
      usleep(50_000)
    }
    let all = envelopes(n, prefix: "c")
    let t0 = BenchClock.now()
    try broker.publish(all: all)
    let deadline = Date().addingTimeInterval(60)
    var done = 0
    while done < n {
      guard Date() < deadline else { throw Failure.celeryStalled(done: done, of: n) }
      usleep(20_000)
      let keys = all.map { Array(CeleryResult.key($0.id).utf8) }
      let got = try broker.client.call(bytes: [Array("MGET".utf8)] + keys, timeout: 10)
      done = (got.array ?? []).filter { !$0.isNull }.count
    }
    return Double(n) / (Double(BenchClock.now() - t0) / 1e9)
  }
}
