import DistLab
import DistLabRedis
import DistLabTasks
import Foundation
import NIOCore

/// One task taken off a queue, on its slot's event loop: held until its ETA, discarded when
/// revoked or expired, run for its duration unless terminated, acknowledged early or late, and
/// its state stored — with a retry or a chain's next link sent in the same write.
extension RedisTaskWorker {
  func run(_ d: KombuRedis.Delivery, _ broker: KombuRedis) -> EventLoopFuture<Void> {
    let m = d.envelope
    let loop = broker.client.eventLoop
    say(m.id, "Task \(m.task)[\(m.id)] received")
    guard let definition = TaskCatalog.definition(m.task) else {
      // As Celery's worker: an unregistered task is logged and its message discarded; its state
      // stays PENDING, since nothing ever ran it.
      say(m.id, "Received unregistered task of type '\(m.task)'. The message has been ignored and discarded.")
      return broker.acknowledging(m.deliveryTag)
    }
    // Held unacknowledged until due: past the visibility timeout, another worker gets it too.
    // A worker stopping meanwhile puts it back, as kombu restores what a consumer holds when it
    // closes.
    return due(m.eta.flatMap(CeleryTime.date), on: loop).flatMap { due in
      guard due else {
        self.say(nil, "Restoring 1 unacknowledged message(s)")
        return broker.restoring(m.deliveryTag)
      }
      return self.start(m, definition, broker)
    }
  }

  /// Succeeds with true at `date` (at once when it is nil or past), or with false as soon as the
  /// worker is stopping.
  func due(_ date: Date?, on loop: EventLoop) -> EventLoopFuture<Bool> {
    let left = date?.timeIntervalSinceNow ?? 0
    guard left > 0 else { return loop.makeSucceededFuture(true) }
    guard isRunning else { return loop.makeSucceededFuture(false) }
    return loop.scheduleTask(in: .nanoseconds(Int64(min(left, 0.25) * 1e9))) {}.futureResult.flatMap {
      self.due(date, on: loop)
    }
  }

  /// Why a task that has come up is discarded instead of run (`revoked`, `expired`); nil to run.
  func discardReason(_ m: CeleryEnvelope) -> String? {
    if revoked.withLock({ $0.contains(m.id) }) { return "revoked" }
    if let expires = m.expires.flatMap(CeleryTime.date), expires < Date() { return "expired" }
    return nil
  }

  /// A task that has come up: discarded if revoked or expired, else run and its state stored.
  func start(_ m: CeleryEnvelope, _ spec: TaskCatalog.Definition, _ broker: KombuRedis) -> EventLoopFuture<Void> {
    let tag = m.deliveryTag
    let loop = broker.client.eventLoop
    if let reason = discardReason(m) {
      say(m.id, "Discarding revoked task: \(m.task)[\(m.id)]")
      var r = CeleryResult.revoked(taskID: m.id, reason: reason, dateDone: CeleryTime.iso(Date()))
      r.parentID = m.parentID
      return broker.all(broker.storing(r) + broker.acking(tag), "discard")
    }
    let types = spec.arguments.map(\.type)
    let args = m.args.enumerated().map { i, v in
      i < types.count && types[i] == .duration ? Self.nanoseconds(seconds: v) : v
    }
    var random = SystemRandomNumberGenerator()
    let problem = Self.typeError(m.task, spec, args)
    let (duration, outcome) = spec.perform(args, draw: Double(random.next() % 1_000_000) / 1e6)
    let began = DispatchTime.now().uptimeNanoseconds
    let finish = { @Sendable () -> Ending in
      guard let problem else { return self.ending(outcome, m, broker, began: began) }
      self.say(
        m.id, "Task \(m.task)[\(m.id)] raised unexpected: " + CeleryResult.repr(type: "TypeError", message: problem))
      var r = CeleryResult.failure(taskID: m.id, type: "TypeError", message: problem, dateDone: CeleryTime.iso(Date()))
      r.parentID = m.parentID
      return Ending(commands: broker.storing(r), ready: true)
    }
    let late = settings.acksLate
    let done: EventLoopFuture<Ending>
    if problem == nil && duration > .zero {
      // Early ack: sent as the slot takes the task, before it runs; late ack: after its
      // result is stored, in the same write.
      let early = late ? loop.makeSucceededVoidFuture() : broker.acknowledging(tag)
      done = perform(m, duration, on: loop, finish).flatMap { ran in
        let e = ran ?? self.terminated(m, broker)
        return broker.all(e.commands + (late ? broker.acking(tag) : []), "store").map { e }
      }.and(early).map { e, _ in e }
    } else {
      // A run that takes no time: the ack (first, when early) and the result go in one write,
      // in the order Redis then applies them.
      let e = finish()
      done = broker.all(late ? e.commands + broker.acking(tag) : broker.acking(tag) + e.commands, "ack and store")
        .map { e }
    }
    return done.map { e in if e.ready { self.stored.withLock { $0 += 1 } } }
  }

  /// A duration argument: seconds on the wire (Celery's `sleep(2)`), nanoseconds in the lab.
  static func nanoseconds(seconds v: Value) -> Value {
    switch v {
    case .int(let s): .int(s &* 1_000_000_000)
    case .double(let s): .int(Int64((s * 1e9).rounded()))
    default: v
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
}
