import DistLab
import DistLabRedis
import DistLabTasks
import Foundation
import NIOPosix

/// A task worker whose broker and result backend are a real Redis, speaking Celery's wire: it
/// takes tasks that any Celery client (or the lab) sends, runs the lab's built-in tasks, stores
/// their results where Celery's `AsyncResult` reads them, and acknowledges as Celery does —
/// when a slot takes the task (early, the default) or when it has returned (`acks_late`).
/// Arguments the lab reads as durations are seconds on the wire, as Celery's tasks take them.
/// Each slot is a thread with its own connection (a BRPOP holds its connection while it waits).
public final class RedisTaskWorker: Sendable {
  public struct Settings: Sendable {
    public var host: String
    public var port: Int
    public var db = 0
    public var queues = ["celery"]
    public var concurrency = 4
    /// Celery's `task_acks_late`.
    public var acksLate = false
    /// Celery's `visibility_timeout` for Redis (`broker_transport_options`), in seconds.
    public var visibilityTimeout = KombuRedis.defaultVisibilityTimeout
    /// kombu's `unacked_restore_interval` × `unacked_restore_throttle`: seconds between sweeps.
    public var restoreEvery: Double = 100
    /// This worker's name in Celery's terms (`celery@host`), reported in its log lines.
    public var name = "distlab@" + (ProcessInfo.processInfo.hostName)

    public init(host: String, port: Int) {
      self.host = host
      self.port = port
    }
  }

  /// One line of what the worker did, in the words of Celery's worker log.
  public struct LogLine: Sendable, Equatable {
    public var taskID: String?
    public var text: String
  }

  public let settings: Settings
  let group: MultiThreadedEventLoopGroup
  let running = Locked(true)
  let lines = Locked<[LogLine]>([])
  let finished = DispatchGroup()

  /// Connects every slot (failing, in a line, when Redis cannot be reached) and starts them.
  public init(_ settings: Settings) throws(RedisError) {
    self.settings = settings
    group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    var brokers: [KombuRedis] = []
    for _ in 0..<max(1, settings.concurrency) {
      do {
        brokers.append(
          KombuRedis(
            client: try RedisClient.connect(host: settings.host, port: settings.port, db: settings.db, on: group)))
      } catch {
        for b in brokers { b.client.close() }
        try? group.syncShutdownGracefully()
        throw error
      }
    }
    // A consumer starting restores what others left unacknowledged past the timeout, as
    // kombu's does when it starts consuming.
    _ = try? brokers[0].restoreVisible(visibilityTimeout: settings.visibilityTimeout)
    for (i, broker) in brokers.enumerated() {
      finished.enter()
      let t = Thread { [self] in
        slot(i, broker)
        broker.client.close()
        finished.leave()
      }
      t.start()
    }
  }

  /// Every line so far.
  public var log: [LogLine] { lines.withLock { $0 } }

  func say(_ id: String?, _ text: String) { lines.withLock { $0.append(LogLine(taskID: id, text: text)) } }

  /// Stops taking tasks; each slot finishes what it runs and leaves within a second or so.
  public func stop() {
    running.withLock { $0 = false }
    finished.wait()
    try? group.syncShutdownGracefully()
  }

  func slot(_ index: Int, _ broker: KombuRedis) {
    var nextSweep = Date().addingTimeInterval(settings.restoreEvery)
    var random = SystemRandomNumberGenerator()
    while running.withLock({ $0 }) {
      do {
        if index == 0, Date() >= nextSweep {
          let n = try broker.restoreVisible(visibilityTimeout: settings.visibilityTimeout)
          if n > 0 { say(nil, "Restoring \(n) unacknowledged message(s)") }
          nextSweep = Date().addingTimeInterval(settings.restoreEvery)
        }
        guard let received = try broker.consume(settings.queues, seconds: 1) else { continue }
        switch received {
        case .rejected(let r):
          say(nil, "Rejected a message on \(r.queue), moved to \(KombuRedis.deadLetterKey): \(r.reason)")
        case .task(let d):
          try run(d, broker, draw: Double(random.next() % 1_000_000) / 1e6)
        }
      } catch {
        say(nil, "\(error)")
        if running.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.5) }
      }
    }
  }

  func run(_ d: KombuRedis.Delivery, _ broker: KombuRedis, draw: Double) throws(RedisError) {
    let m = d.envelope
    let tag = m.deliveryTag
    say(m.id, "Task \(m.task)[\(m.id)] received")
    guard let definition = TaskCatalog.definition(m.task) else {
      // As Celery's worker: an unregistered task is logged and its message discarded; its state
      // stays PENDING, since nothing ever ran it.
      say(m.id, "Received unregistered task of type '\(m.task)'. The message has been ignored and discarded.")
      try broker.ack(tag)
      return
    }
    if let eta = m.eta.flatMap(CeleryTime.date), eta > Date() {
      // Held unacknowledged until due: past the visibility timeout, another worker gets it too.
      while eta > Date() && running.withLock({ $0 }) {
        Thread.sleep(forTimeInterval: min(0.05, eta.timeIntervalSinceNow))
      }
      guard running.withLock({ $0 }) else { return }
    }
    if let expires = m.expires.flatMap(CeleryTime.date), expires < Date() {
      say(m.id, "Discarding revoked task: \(m.task)[\(m.id)] (expired)")
      try broker.store(CeleryResult(taskID: m.id, status: "REVOKED", result: .null, dateDone: CeleryTime.iso(Date())))
      try broker.ack(tag)
      return
    }
    if !settings.acksLate { try broker.ack(tag) }
    let types = definition.arguments.map(\.type)
    let args = m.args.enumerated().map { i, v in
      i < types.count && types[i] == .duration ? Self.nanoseconds(seconds: v) : v
    }
    if let problem = Self.typeError(m.task, definition, args) {
      try broker.store(
        CeleryResult.failure(taskID: m.id, type: "TypeError", message: problem, dateDone: CeleryTime.iso(Date())))
      say(m.id, "Task \(m.task)[\(m.id)] raised unexpected: TypeError(\(problem))")
      if settings.acksLate { try broker.ack(tag) }
      return
    }
    let (duration, outcome) = definition.perform(args, draw: draw)
    if duration > .zero { Thread.sleep(forTimeInterval: Double(duration.value) / 1e9) }
    let done = CeleryTime.iso(Date())
    switch outcome {
    case .success(let v):
      try broker.store(CeleryResult(taskID: m.id, status: "SUCCESS", result: v, dateDone: done))
      say(m.id, "Task \(m.task)[\(m.id)] succeeded: \(v)")
    case .failure(let text):
      let parts = text.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      let type = parts.count == 2 ? parts[0] : "Exception"
      let message = parts.count == 2 ? parts[1] : text
      try broker.store(CeleryResult.failure(taskID: m.id, type: type, message: message, dateDone: done))
      say(m.id, "Task \(m.task)[\(m.id)] raised unexpected: \(type)(\(message))")
    case .workerLost:
      try broker.store(
        CeleryResult.failure(
          taskID: m.id, type: "WorkerLostError", message: "Worker exited prematurely", dateDone: done))
      say(m.id, "Task \(m.task)[\(m.id)] raised unexpected: WorkerLostError")
    }
    if settings.acksLate { try broker.ack(tag) }
  }

  /// Why the arguments do not fit the task, as Python's TypeError says it; nil when they do.
  static func typeError(_ name: String, _ d: TaskCatalog.Definition, _ args: [Value]) -> String? {
    guard args.count == d.arguments.count else {
      return "\(name)() takes \(d.arguments.count) positional arguments but \(args.count) were given"
    }
    for (i, (v, spec)) in zip(args, d.arguments).enumerated() where !spec.type.accepts(v) {
      return "\(name)() argument \(i + 1) (\(spec.label)) must be \(spec.type), not \(v)"
    }
    return nil
  }

  /// A duration argument: seconds on the wire (Celery's `sleep(2)`), nanoseconds in the lab.
  static func nanoseconds(seconds v: Value) -> Value {
    switch v {
    case .int(let s): .int(s &* 1_000_000_000)
    case .double(let s): .int(Int64((s * 1e9).rounded()))
    default: v
    }
  }
}
