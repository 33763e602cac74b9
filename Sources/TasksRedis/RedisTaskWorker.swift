import DistLab
import DistLabRedis
import DistLabTasks
import Foundation
import NIOCore
import NIOPosix

/// A task worker whose broker and result backend are a real Redis, speaking Celery's wire: it
/// takes tasks that any Celery client (or the lab) sends, runs the lab's built-in tasks, stores
/// their results where Celery's `AsyncResult` reads them, and acknowledges as Celery does —
/// when a slot takes the task (early, the default) or when it has returned (`acks_late`).
/// Arguments the lab reads as durations are seconds on the wire, as Celery's tasks take them.
/// Each slot has a connection of its own (a BRPOP holds its connection while it waits).
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
  let stored = Locked(0)
  /// Ids revoked by a broadcast (`celery revoke`, Celery's `app.control.revoke`): discarded as
  /// REVOKED when they come up, as Celery's worker keeps its revoked set.
  let revoked = Locked<Set<String>>([])
  /// The connection that listens to the control broadcasts (made again by the sweeper when
  /// Redis comes back after going away).
  let control: Locked<RedisClient>
  let finished = DispatchGroup()

  /// Connects every slot and the sweeper (failing, in a line, when Redis cannot be reached)
  /// and starts them. Slots run on one event loop, each a chain of futures on its own
  /// connection: take a task, run it, store its result, take the next.
  public init(_ settings: Settings) throws(RedisError) {
    self.settings = settings
    group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    var brokers: [KombuRedis] = []
    for _ in 0...max(1, settings.concurrency) {
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
    let sweeper = brokers.removeFirst()
    do {
      control = Locked(try Self.listen(settings, group, revoked, lines))
    } catch {
      for b in brokers + [sweeper] { b.client.close() }
      try? group.syncShutdownGracefully()
      throw error
    }
    // A consumer starting restores what others left unacknowledged past the timeout, as
    // kombu's does when it starts consuming; then every `restoreEvery` seconds.
    _ = try? sweeper.restoreVisible(visibilityTimeout: settings.visibilityTimeout)
    finished.enter()
    Thread { [self] in
      sweep(sweeper).client.close()
      finished.leave()
    }.start()
    for broker in brokers {
      finished.enter()
      broker.client.eventLoop.execute { self.cycle(broker) }
    }
  }

  /// A connection subscribed to the control broadcasts: a revoke adds its id to `revoked`.
  static func listen(
    _ settings: Settings, _ group: EventLoopGroup, _ revoked: Locked<Set<String>>, _ lines: Locked<[LogLine]>
  ) throws(RedisError) -> RedisClient {
    let client = try RedisClient.connect(host: settings.host, port: settings.port, db: settings.db, on: group)
    do {
      try client.subscribe([CeleryControl.channel(db: settings.db)]) { _, payload in
        guard let (method, id) = CeleryControl.read(payload), method == "revoke", let id else { return }
        revoked.withLock { _ = $0.insert(id) }
        lines.withLock { $0.append(LogLine(taskID: id, text: "Tasks flagged as revoked: \(id)")) }
      }
    } catch {
      client.close()
      throw error
    }
    return client
  }

  /// How many tasks' final states this worker has stored.
  public var completed: Int { stored.withLock { $0 } }

  /// Every line so far.
  public var log: [LogLine] { lines.withLock { $0 } }

  /// The most lines the log keeps (the newest).
  static let logLimit = 10_000

  func say(_ id: String?, _ text: String) {
    lines.withLock { log in
      if log.count >= Self.logLimit { log.removeFirst(Self.logLimit / 2) }
      log.append(LogLine(taskID: id, text: text))
    }
  }

  var isRunning: Bool { running.withLock { $0 } }

  /// Stops taking tasks; each slot finishes what it runs and leaves within a second or so.
  public func stop() {
    running.withLock { $0 = false }
    finished.wait()
    control.withLock { $0.close(waiting: false) }
    try? group.syncShutdownGracefully()
  }

  /// The sweeper's loop, on a thread of its own: returns the connection it ends with.
  func sweep(_ first: KombuRedis) -> KombuRedis {
    var broker = first
    var next = Date().addingTimeInterval(settings.restoreEvery)
    var nextListen = Date()
    while isRunning {
      Thread.sleep(forTimeInterval: 0.1)
      if !control.withLock({ $0.isOpen }), Date() >= nextListen {
        // The broadcasts' connection went with Redis: listen again once it is back.
        if let again = try? Self.listen(settings, group, revoked, lines) {
          control.withLock { $0 = again }
        } else {
          nextListen = Date().addingTimeInterval(2)
        }
      }
      guard Date() >= next else { continue }
      if !broker.client.isOpen,
        let again = try? RedisClient.connect(host: settings.host, port: settings.port, db: settings.db, on: group)
      {
        broker.client.close()
        broker = KombuRedis(client: again)
      }
      do {
        let n = try broker.restoreVisible(visibilityTimeout: settings.visibilityTimeout)
        if n > 0 { say(nil, "Restoring \(n) unacknowledged message(s)") }
      } catch {
        say(nil, "\(error)")
      }
      next = Date().addingTimeInterval(settings.restoreEvery)
    }
    return broker
  }

  /// One slot's loop, on its connection's event loop.
  func cycle(_ broker: KombuRedis) {
    guard isRunning else {
      broker.client.close(waiting: false)
      return finished.leave()
    }
    broker.consuming(settings.queues, seconds: 1).whenComplete { result in
      switch result {
      case .failure(let error):
        self.say(nil, "\(error)")
        if broker.client.isOpen {
          _ = broker.client.eventLoop.scheduleTask(in: .milliseconds(500)) { self.cycle(broker) }
        } else {
          broker.client.close(waiting: false)
          self.reconnect(on: broker.client.eventLoop, attempt: 1)
        }
      case .success(nil):
        self.cycle(broker)
      case .success(.rejected(let r)?):
        self.say(nil, "Rejected a message on \(r.queue), moved to \(KombuRedis.deadLetterKey): \(r.reason)")
        self.cycle(broker)
      case .success(.task(let d)?):
        self.run(d, broker).whenComplete { outcome in
          if case .failure(let error) = outcome { self.say(d.envelope.id, "\(error)") }
          self.cycle(broker)
        }
      }
    }
  }

  /// Celery's `broker_connection_max_retries`.
  static let maxRetries = 100

  /// A slot whose connection was lost connects again, as Celery's consumer does: waiting 2 s,
  /// then 2 s more each time up to 30 s (kombu's `ensure_connection` intervals), at most 100
  /// times. What it held unacknowledged waits in Redis for the restore sweep.
  func reconnect(on loop: EventLoop, attempt: Int) {
    let wait = min(2 * attempt, 30)
    say(
      nil,
      "consumer: Cannot connect to redis://\(settings.host):\(settings.port)/\(settings.db). Trying again in"
        + " \(wait).00 seconds... (\(attempt)/\(Self.maxRetries))")
    _ = loop.scheduleTask(in: .seconds(Int64(wait))) {
      guard self.isRunning else { return self.finished.leave() }
      RedisClient.connecting(host: self.settings.host, port: self.settings.port, db: self.settings.db, on: loop)
        .whenComplete { result in
          switch result {
          case .success(let client):
            self.say(nil, "Connected to redis://\(self.settings.host):\(self.settings.port)/\(self.settings.db)")
            self.cycle(KombuRedis(client: client))
          case .failure:
            guard attempt < Self.maxRetries else {
              self.say(nil, "consumer: gave up after \(Self.maxRetries) attempts to reach Redis")
              return self.finished.leave()
            }
            self.reconnect(on: loop, attempt: attempt + 1)
          }
        }
    }
  }

  func run(_ d: KombuRedis.Delivery, _ broker: KombuRedis) -> EventLoopFuture<Void> {
    let m = d.envelope
    let tag = m.deliveryTag
    let loop = broker.client.eventLoop
    say(m.id, "Task \(m.task)[\(m.id)] received")
    guard let definition = TaskCatalog.definition(m.task) else {
      // As Celery's worker: an unregistered task is logged and its message discarded; its state
      // stays PENDING, since nothing ever ran it.
      say(m.id, "Received unregistered task of type '\(m.task)'. The message has been ignored and discarded.")
      return broker.acknowledging(tag)
    }
    // Held unacknowledged until due: past the visibility timeout, another worker gets it too.
    let due = m.eta.flatMap(CeleryTime.date).map { $0.timeIntervalSinceNow } ?? 0
    let start: EventLoopFuture<Void> =
      due > 0
      ? loop.scheduleTask(in: .nanoseconds(Int64(due * 1e9))) {}.futureResult : loop.makeSucceededVoidFuture()
    return start.flatMap { () -> EventLoopFuture<Void> in
      if self.revoked.withLock({ $0.contains(m.id) }) {
        self.say(m.id, "Discarding revoked task: \(m.task)[\(m.id)]")
        let revoked = CeleryResult(taskID: m.id, state: "REVOKED", result: .null, dateDone: CeleryTime.iso(Date()))
        return broker.storingResult(revoked).flatMap { broker.acknowledging(tag) }
      }
      if let expires = m.expires.flatMap(CeleryTime.date), expires < Date() {
        self.say(m.id, "Discarding revoked task: \(m.task)[\(m.id)] (expired)")
        let revoked = CeleryResult(taskID: m.id, state: "REVOKED", result: .null, dateDone: CeleryTime.iso(Date()))
        return broker.storingResult(revoked).flatMap { broker.acknowledging(tag) }
      }
      let types = definition.arguments.map(\.type)
      let args = m.args.enumerated().map { i, v in
        i < types.count && types[i] == .duration ? Self.nanoseconds(seconds: v) : v
      }
      var random = SystemRandomNumberGenerator()
      let problem = Self.typeError(m.task, definition, args)
      let (duration, outcome) = definition.perform(args, draw: Double(random.next() % 1_000_000) / 1e6)
      let finish = { () -> CeleryResult in
        if let problem {
          self.say(m.id, "Task \(m.task)[\(m.id)] raised unexpected: TypeError(\(problem))")
          return CeleryResult.failure(
            taskID: m.id, type: "TypeError", message: problem, dateDone: CeleryTime.iso(Date()))
        }
        return self.result(of: outcome, m)
      }
      let done: EventLoopFuture<Void>
      if problem == nil && duration > .zero {
        // Early ack: sent as the slot takes the task, before it runs; late ack: after its
        // result is stored, in the same write.
        let early = self.settings.acksLate ? loop.makeSucceededVoidFuture() : broker.acknowledging(tag)
        done = loop.scheduleTask(in: .nanoseconds(duration.value), finish).futureResult.flatMap { r in
          broker.all(
            broker.storing(r) + self.following(m, r) + (self.settings.acksLate ? broker.acking(tag) : []), "store")
        }.and(early).map { _ in }
      } else {
        // A run that takes no time: the ack (first, when early) and the result go in one write,
        // in the order Redis then applies them.
        let r = finish()
        let commands =
          self.settings.acksLate
          ? broker.storing(r) + self.following(m, r) + broker.acking(tag)
          : broker.acking(tag) + broker.storing(r) + self.following(m, r)
        done = broker.all(commands, "ack and store")
      }
      return done.map { self.stored.withLock { $0 += 1 } }
    }
  }

  /// The chain's next link, published once this task has succeeded (nothing otherwise: a failed
  /// link ends the chain, and the links after it stay PENDING).
  func following(_ m: CeleryEnvelope, _ r: CeleryResult) -> [[[UInt8]]] {
    guard r.state == "SUCCESS",
      let next = m.next(after: r.result, deliveryTag: UUID().uuidString.lowercased(), origin: settings.name)
    else { return [] }
    say(next.id, "Task \(m.task)[\(m.id)] chained \(next.task)[\(next.id)]")
    return [KombuRedis.bytes(["LPUSH", next.queue, next.json])]
  }

  /// The state a run ends in, said in the log as Celery's worker says it.
  func result(of outcome: TaskOutcome, _ m: CeleryEnvelope) -> CeleryResult {
    let done = CeleryTime.iso(Date())
    switch outcome {
    case .success(let v):
      say(m.id, "Task \(m.task)[\(m.id)] succeeded: \(v)")
      return CeleryResult(taskID: m.id, state: "SUCCESS", result: v, dateDone: done)
    case .failure(let text):
      let parts = text.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      let type = parts.count == 2 ? parts[0] : "Exception"
      let message = parts.count == 2 ? parts[1] : text
      say(m.id, "Task \(m.task)[\(m.id)] raised unexpected: \(type)(\(message))")
      return CeleryResult.failure(taskID: m.id, type: type, message: message, dateDone: done)
    case .workerLost:
      say(m.id, "Task \(m.task)[\(m.id)] raised unexpected: WorkerLostError")
      return CeleryResult.failure(
        taskID: m.id, type: "WorkerLostError", message: "Worker exited prematurely", dateDone: done)
    }
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
