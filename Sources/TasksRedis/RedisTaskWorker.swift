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
/// Each slot has a connection of its own (a BRPOP holds its connection while it waits). A
/// failing `flaky` is retried as Celery's `autoretry_for` does, and a revoke with terminate
/// stops the task where it runs.
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
    /// The task option `max_retries` (in Celery declared on the task) of the tasks that retry
    /// their failure (`autoretry_for`): retries after the first run, then the failure stands.
    public var maxRetries = CeleryRetry.defaultMaxRetries
    /// The task option `default_retry_delay`, in seconds: how long a retry waits.
    public var retryDelay = CeleryRetry.defaultDelay
    /// The task options `retry_backoff` with `retry_jitter`: a retry waits a random whole number
    /// of seconds up to 1, 2, 4, … (at most `retry_backoff_max`) instead of `retryDelay`.
    public var retryBackoff = false

    public init(host: String, port: Int) {
      self.host = host
      self.port = port
    }
  }

  /// One line of what the worker did, in the words of Celery's worker log.
  public struct LogLine: Sendable, Equatable {
    public var taskID: String?
    public var text: String

    public init(taskID: String?, text: String) {
      self.taskID = taskID
      self.text = text
    }
  }

  public let settings: Settings
  let group: MultiThreadedEventLoopGroup
  let running = Locked(true)
  let lines = Locked<[LogLine]>([])
  let stored = Locked(0)
  /// Ids revoked by a broadcast (`celery revoke`, Celery's `app.control.revoke`): discarded as
  /// REVOKED when they come up, as Celery's worker keeps its revoked set.
  let revoked = Locked<Set<String>>([])
  /// The tasks running now, by id: what a revoke with terminate stops.
  let active = Locked<[String: [Running]]>([:])
  /// Revoked ids not running here, for the sweeper to mark REVOKED at once if not yet begun.
  let unmarked = Locked<[String]>([])
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
      control = Locked(try Self.listen(settings, group, hearing: Self.hearing(revoked, active, unmarked, lines)))
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

  /// How many tasks' final states this worker has stored.
  public var completed: Int { stored.withLock { $0 } }

  /// Every line so far.
  public var log: [LogLine] { lines.withLock { $0 } }

  /// The most lines the log keeps (the newest).
  static let logLimit = 10_000

  func say(_ id: String?, _ text: String) { Self.say(lines, id, text) }

  static func say(_ lines: Locked<[LogLine]>, _ id: String?, _ text: String) {
    lines.withLock { log in
      if log.count >= Self.logLimit { log.removeFirst(Self.logLimit / 2) }
      log.append(LogLine(taskID: id, text: text))
    }
  }

  var isRunning: Bool { running.withLock { $0 } }

  /// Stops taking tasks, as Celery's warm shutdown: each slot finishes what it runs and leaves
  /// within a second or so; a message held for its ETA goes back to its queue.
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
        if let again = try? Self.listen(settings, group, hearing: Self.hearing(revoked, active, unmarked, lines)) {
          control.withLock { $0 = again }
        } else {
          nextListen = Date().addingTimeInterval(2)
        }
      }
      mark(
        unmarked.withLock { ids in
          defer { ids = [] }
          return ids
        }, broker)
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
  static let connectionMaxRetries = 100

  /// A slot whose connection was lost connects again, as Celery's consumer does: waiting 2 s,
  /// then 2 s more each time up to 30 s (kombu's `ensure_connection` intervals), at most 100
  /// times. What it held unacknowledged waits in Redis for the restore sweep.
  func reconnect(on loop: EventLoop, attempt: Int) {
    let wait = min(2 * attempt, 30)
    say(
      nil,
      "consumer: Cannot connect to redis://\(settings.host):\(settings.port)/\(settings.db). Trying again in"
        + " \(wait).00 seconds... (\(attempt)/\(Self.connectionMaxRetries))")
    _ = loop.scheduleTask(in: .seconds(Int64(wait))) {
      guard self.isRunning else { return self.finished.leave() }
      RedisClient.connecting(host: self.settings.host, port: self.settings.port, db: self.settings.db, on: loop)
        .whenComplete { result in
          switch result {
          case .success(let client):
            self.say(nil, "Connected to redis://\(self.settings.host):\(self.settings.port)/\(self.settings.db)")
            self.cycle(KombuRedis(client: client))
          case .failure:
            guard attempt < Self.connectionMaxRetries else {
              self.say(nil, "consumer: gave up after \(Self.connectionMaxRetries) attempts to reach Redis")
              return self.finished.leave()
            }
            self.reconnect(on: loop, attempt: attempt + 1)
          }
        }
    }
  }
}
