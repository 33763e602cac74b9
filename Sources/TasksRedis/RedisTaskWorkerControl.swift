import DistLab
import DistLabRedis
import DistLabTasks
import Foundation
import NIOCore

/// The worker's side of Celery's remote control: it listens to the pidbox broadcasts, keeps the
/// revoked set, and stops a running task a revoke with terminate names — its slot stores
/// REVOKED (`terminated`), acknowledges, and goes on to the next task, as Celery's does.
extension RedisTaskWorker {
  /// A task running in a slot, as a revoke with terminate reaches it.
  final class Running: Sendable {
    let loop: EventLoop
    let stop: @Sendable () -> Void

    init(loop: EventLoop, stop: @escaping @Sendable () -> Void) {
      self.loop = loop
      self.stop = stop
    }
  }

  /// A connection subscribed to the control broadcasts, each handed to `hearing`.
  static func listen(
    _ settings: Settings, _ group: EventLoopGroup, hearing: @escaping @Sendable (CeleryControl.Broadcast) -> Void
  ) throws(RedisError) -> RedisClient {
    let client = try RedisClient.connect(host: settings.host, port: settings.port, db: settings.db, on: group)
    do {
      try client.subscribe([CeleryControl.channel(db: settings.db)]) { _, payload in
        if let b = CeleryControl.read(payload) { hearing(b) }
      }
    } catch {
      client.close()
      throw error
    }
    return client
  }

  /// What a broadcast does, as Celery 5.7's `revoke` control command: the ids join the revoked
  /// set, those not running here go to be marked REVOKED, and with terminate each that runs
  /// here is stopped ("Terminating <id> (15)"); otherwise the worker says "Tasks flagged as
  /// revoked: <ids>".
  static func hearing(
    _ revoked: Locked<Set<String>>, _ active: Locked<[String: [Running]]>, _ unmarked: Locked<[String]>,
    _ lines: Locked<[LogLine]>
  ) -> @Sendable (CeleryControl.Broadcast) -> Void {
    { b in
      guard b.method == "revoke", !b.taskIDs.isEmpty else { return }
      revoked.withLock { $0.formUnion(b.taskIDs) }
      let idle = active.withLock { running in b.taskIDs.filter { running[$0] == nil } }
      unmarked.withLock { $0 += idle }
      guard b.terminate else {
        return say(lines, b.taskIDs.first, "Tasks flagged as revoked: " + b.taskIDs.joined(separator: ", "))
      }
      let name = b.signal ?? CelerySignal.defaultName
      guard let signal = CelerySignal.signum(name) else {
        return say(lines, b.taskIDs.first, "pidbox command error: " + CelerySignal.refusal(name))
      }
      for id in b.taskIDs {
        for r in active.withLock({ $0[id] ?? [] }) {
          say(lines, id, "Terminating \(id) (\(signal.number))")
          r.loop.execute { r.stop() }
        }
      }
    }
  }

  /// The states in which Celery 5.7's worker marks a revoked task REVOKED at once: not begun
  /// anywhere (a task another worker has started, or that has a result, is left alone).
  static let markable: Set<String> = ["PENDING", "RECEIVED", "RETRY", "REJECTED"]

  /// Marks each id REVOKED (`revoked`) unless it has begun or ended, on the sweeper's connection.
  func mark(_ ids: [String], _ broker: KombuRedis) {
    for id in ids {
      guard let state = try? broker.result(id).state, Self.markable.contains(state) else { continue }
      do {
        try broker.store(CeleryResult.revoked(taskID: id, reason: "revoked", dateDone: CeleryTime.iso(Date())))
      } catch {
        say(id, "Failed to mark task \(id) as revoked in backend: \(error)")
      }
    }
  }

  /// Runs `finish` after `duration`, unless a revoke with terminate stops the task first: then
  /// nil, and `finish` never runs.
  func perform(
    _ m: CeleryEnvelope, _ duration: Nanoseconds, on loop: EventLoop, _ finish: @escaping @Sendable () -> Ending
  ) -> EventLoopFuture<Ending?> {
    let promise = loop.makePromise(of: Ending?.self)
    let settled = Locked(false)
    let claim = { @Sendable () -> Bool in
      settled.withLock { done in
        defer { done = true }
        return !done
      }
    }
    let timer = loop.scheduleTask(in: .nanoseconds(duration.value)) {
      if claim() { promise.succeed(finish()) }
    }
    let running = Running(loop: loop) {
      timer.cancel()
      if claim() { promise.succeed(nil) }
    }
    active.withLock { $0[m.id, default: []].append(running) }
    return promise.futureResult.always { _ in
      self.active.withLock { all in
        all[m.id]?.removeAll { $0 === running }
        if all[m.id]?.isEmpty == true { all[m.id] = nil }
      }
    }
  }
}
