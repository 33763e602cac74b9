import DistLab

/// A Celery worker: it asks the broker for messages (one `BRPOP` at a time) while it holds
/// fewer unacknowledged messages than its prefetch limit, runs them in its slots, stores each
/// outcome in the result backend and acknowledges — when a slot accepts the task (early ack,
/// the default) or after it returns (`acks_late`). Tasks with an ETA wait in memory, unacked,
/// until due, each raising the prefetch limit by one as Celery's do. Like kombu's Redis
/// transport it asks the broker to restore unacked messages past the visibility timeout when
/// it starts and then on every `restore_throttle`th tick of `restore_interval`.
///
/// Everything but its settings is memory: a killed worker forgets what it reserved and what
/// it was running, and only the broker's restore brings those messages back.
public final class WorkerService: StartingService {
  // Hot paths read single fields (`settings?.broker`): binding the whole struct would copy
  // it, counting a reference to each of its lists and tables, on every message.
  var settings: WorkerSettings?
  /// The BRPOP's argument, the queues in order: made once, sent with every fetch.
  var fetchQueues: Value = .list([])
  /// Messages received and not yet acknowledged.
  var unacked = 0
  /// ETA messages held, each of which raises the prefetch limit by one.
  var etaHeld = 0
  var fetching = false
  var reserved: [Delivery] = []
  var scheduled: [Delivery] = []
  var slots: [Running?] = []
  var revoked: Set<String> = []
  var restoreCalls = 0
  var started = 0
  var succeeded = 0
  var failed = 0
  var retried = 0

  struct Delivery {
    var message: TaskMessage
    var tag: Int64
    var timer: TimerHandle?
  }

  struct Running {
    var delivery: Delivery
    var since: Nanoseconds
    /// Nil for work that finishes at once.
    var timer: TimerHandle?
    /// Set when a time limit, not the task, ends the run.
    var stopped: String?
  }
  /// When each rate-limited task may next start.
  var nextStart: [String: Nanoseconds] = [:]
  var rateTimer: TimerHandle?

  public init() {}

  public static let methods: [ServiceMethod<WorkerService>] = [
    ServiceMethod("worker.configure", [ArgumentSpec("SETTINGS", .map)], "starts consuming with these settings") {
      w, r, node in
      guard let s = WorkerSettings(r.args[0]) else { return .error("not worker settings") }
      node.disk["settings"] = s.value
      if w.settings == nil { w.begin(s, node: node) }
      return .value([])
    },
    ServiceMethod(
      "worker.revoke", [ArgumentSpec("ID", .string), ArgumentSpec("TERMINATE", .bool)],
      "remember the id as revoked; with TERMINATE stop it if it is running"
    ) { w, r, node in
      w.revoke(r.key(0), terminate: r.args[1] == .bool(true), node: node)
      return .value([])
    },
    ServiceMethod(
      "worker.inspect", [ArgumentSpec("WHAT", .string)], "active, reserved, scheduled, revoked or stats, as a list"
    ) { w, r, node in
      .value([w.inspect(r.key(0), node: node)])
    },
  ]

  public func start(_ node: ProgramNode) {
    if let s = node.disk["settings"].flatMap(WorkerSettings.init) { begin(s, node: node) }
  }

  public func metrics() -> [(String, Double)] {
    [
      ("active", Double(slots.compactMap { $0 }.count)), ("reserved", Double(reserved.count + scheduled.count)),
      ("succeeded", Double(succeeded)), ("failed", Double(failed)), ("retried", Double(retried)),
    ]
  }

  func begin(_ s: WorkerSettings, node: ProgramNode) {
    settings = s
    fetchQueues = .list(s.queues.map(Value.string))
    slots = Array(repeating: nil, count: s.concurrency)
    // kombu's on_poll_init: the first restore call scans at once.
    restoreTick(node)
    node.every(s.restoreInterval) { [unowned self] node in self.restoreTick(node) }
    pump(node)
  }

  func restoreTick(_ node: ProgramNode) {
    guard let s = settings else { return }
    restoreCalls += 1
    guard (restoreCalls - 1) % s.restoreThrottle == 0 else { return }
    node.call(s.broker, "broker.restore", [.int(s.visibilityTimeout.value)], options: TaskDefaults.callOptions) {
      _, _ in
    }
  }

  // MARK: Consuming

  var canConsume: Bool {
    guard let limit = settings?.prefetchLimit else { return true }
    return unacked < limit + etaHeld
  }

  /// Starts what can start, then asks for more while the prefetch limit allows. A task that
  /// finishes at once asks for another pump from inside this one; it runs when this one ends.
  func pump(_ node: ProgramNode) {
    guard !pumping else {
      pumpAgain = true
      return
    }
    pumping = true
    repeat {
      pumpAgain = false
      pumpOnce(node)
    } while pumpAgain
    pumping = false
  }

  var pumping = false
  var pumpAgain = false

  private func pumpOnce(_ node: ProgramNode) {
    guard let broker = settings?.broker else { return }
    // Celery's consumer polls again as soon as a message is handed to the pool, before a pool
    // process has accepted (and, under early ack, acknowledged) it; so the next BRPOP goes
    // out first, and once more after the slots, if their acknowledgements made room.
    fetch(from: broker, node: node)
    let limited = settings?.rateLimits.isEmpty == false
    var k = 0
    var wake: Nanoseconds?
    while k < reserved.count, let free = slots.firstIndex(where: { $0 == nil }) {
      let task = reserved[k].message.task
      if limited, let limit = settings?.rateLimits[task] {
        let due = nextStart[task] ?? .zero
        if due > node.now {
          wake = min(wake ?? due, due)
          k += 1
          continue
        }
        nextStart[task] = node.now + limit.spacing
      }
      run(reserved.remove(at: k), slot: free, node: node)
    }
    if let wake, rateTimer == nil {
      rateTimer = node.after(wake - node.now) { [unowned self] node in
        self.rateTimer = nil
        self.pump(node)
      }
    }
    fetch(from: broker, node: node)
  }

  /// One BRPOP, unless one is in flight or the prefetch limit is reached.
  private func fetch(from broker: NodeID, node: ProgramNode) {
    guard !fetching, canConsume else { return }
    fetching = true
    // A BRPOP waits up to its own timeout before the broker answers, so the call waits longer.
    let options = CallOptions(timeout: TaskDefaults.brpopTimeout + TaskDefaults.callTimeout)
    node.call(broker, "broker.fetch", [fetchQueues], options: options) {
      [unowned self] node, result in
      self.fetching = false
      switch result {
      case .value(let v) where v.count == 2:
        if let m = TaskMessage(v[0]), let tag = v[1].intValue {
          self.received(Delivery(message: m, tag: tag), node: node)
        }
        self.pump(node)
      case .value:
        self.pump(node)
      case .error, .timeout:
        // The broker did not answer: try again in a second, as Celery reconnects.
        node.after(.seconds(1)) { [unowned self] node in self.pump(node) }
      }
    }
  }

  func received(_ d: Delivery, node: ProgramNode) {
    unacked += 1
    node.event("task.received", [.string(d.message.id), .int(d.tag), .bool(d.message.redelivered)])
    if let reason = discardReason(d.message, node: node) { return discard(d, reason, node: node) }
    if let eta = d.message.eta, eta > node.now {
      etaHeld += 1
      var held = d
      held.timer = node.after(eta - node.now) { [unowned self] node in
        guard let k = self.scheduled.firstIndex(where: { $0.tag == d.tag }) else { return }
        self.scheduled.remove(at: k)
        self.etaHeld -= 1
        self.reserved.append(d)
        self.pump(node)
      }
      scheduled.append(held)
      return
    }
    reserved.append(d)
  }

  /// Revoked (by id) or expired messages are not run: acknowledged and marked REVOKED.
  func discardReason(_ m: TaskMessage, node: ProgramNode) -> String? {
    if !revoked.isEmpty, revoked.contains(m.id) { return "revoked" }
    if let expires = m.expires, node.now > expires { return "expired" }
    return nil
  }

  func discard(_ d: Delivery, _ reason: String, node: ProgramNode) {
    store(d.message, .revoked, error: .string(reason), node: node)
    ack(d, node: node)
  }

  // MARK: Running

  func run(_ d: Delivery, slot: Int, node: ProgramNode) {
    if let reason = discardReason(d.message, node: node) { return discard(d, reason, node: node) }
    guard settings != nil, let definition = TaskCatalog.definition(d.message.task) else {
      store(d.message, .failure, error: .string("NotRegistered: \(d.message.task)"), node: node)
      return ack(d, node: node)
    }
    if settings?.acksLate == false { ack(d, node: node) }
    if settings?.trackStarted == true { store(d.message, .started, node: node) }
    started += 1
    node.event("task.started", [.string(d.message.id), .int(Int64(slot)), .int(Int64(d.message.retries))])
    // A time limit shorter than the run ends it: the soft one raises in the task, the hard one
    // kills the process running it (Celery's SoftTimeLimitExceeded, TimeLimitExceeded).
    var runFor = definition.duration(d.message.args)
    var stopped: String?
    if let soft = d.message.softTimeLimit, soft < runFor, soft <= (d.message.timeLimit ?? soft) {
      runFor = soft
      stopped = "SoftTimeLimitExceeded()"
    }
    if let hard = d.message.timeLimit, hard < runFor {
      runFor = hard
      stopped = "TimeLimitExceeded(\(hard))"
    }
    // Work that takes no time (add, mul) finishes at once, without a timer.
    guard runFor > .zero else {
      slots[slot] = Running(delivery: d, since: node.now, timer: nil, stopped: stopped)
      return finish(slot: slot, node: node)
    }
    let timer = node.after(runFor) { [unowned self] node in self.finish(slot: slot, node: node) }
    slots[slot] = Running(delivery: d, since: node.now, timer: timer, stopped: stopped)
  }

  func finish(slot: Int, node: ProgramNode) {
    guard let running = slots[slot], let backend = settings?.backend, let broker = settings?.broker,
      let acksLate = settings?.acksLate
    else { return }
    slots[slot] = nil
    let m = running.delivery.message
    let draw = Double(node.random() >> 11) / Double(1 << 53)
    let definition = TaskCatalog.definition(m.task)
    let outcome =
      running.stopped.map(TaskOutcome.failure) ?? definition?.run(m.args, draw) ?? .failure("NotRegistered")
    switch outcome {
    case .success(let v):
      succeeded += 1
      if definition?.charges == true {
        node.tell(backend, "backend.charge", [v, m.idempotencyKey.map(Value.string) ?? .null])
      }
      store(m, .success, result: v, node: node)
      node.event("task.succeeded", [.string(m.id), .int(Int64(slot))])
      followUp(m, result: v, node: node)
    case .failure(let error) where m.retries < m.maxRetries:
      retried += 1
      var again = m
      again.retries += 1
      again.redelivered = false
      again.eta = node.now + retryCountdown(m, node: node)
      store(m, .retry, error: .string(error), node: node)
      node.event("task.retry", [.string(m.id), .int(Int64(slot)), .string(error)])
      publish(again, node: node)
    case .workerLost where acksLate && settings?.rejectOnWorkerLost == true:
      // Requeued at the back of its queue, marked redelivered; no state is stored.
      node.event("task.lost", [.string(m.id), .int(Int64(slot)), .bool(true)])
      node.tell(broker, "broker.reject", [.int(running.delivery.tag), .bool(true)])
      unacked -= 1
      return pump(node)
    case .workerLost:
      // Celery acknowledges even under late ack, and marks the task failed.
      failed += 1
      let error = "WorkerLostError('Worker exited prematurely: signal 9 (SIGKILL).')"
      store(m, .failure, error: .string(error), node: node)
      node.event("task.lost", [.string(m.id), .int(Int64(slot)), .bool(false)])
    case .failure(let error):
      failed += 1
      store(m, .failure, error: .string(error), node: node)
      node.event("task.failed", [.string(m.id), .int(Int64(slot)), .string(error)])
      // A failed link ends its chain: the links after it are never sent and stay PENDING.
      if let chord = m.chord { chordPart(m, chord, result: .null, error: error, node: node) }
    }
    if acksLate { ack(running.delivery, node: node) }
    pump(node)
  }

  /// `default_retry_delay`, or with `retry_backoff` a random time from 0 up to 2^retries
  /// seconds, at most `retry_backoff_max` (Celery's full jitter).
  func retryCountdown(_ m: TaskMessage, node: ProgramNode) -> Nanoseconds {
    guard m.retryBackoff else { return TaskDefaults.retryDelay }
    let cap = min(TaskDefaults.retryBackoffMax.value, Int64(1) << min(m.retries, 30) * 1_000_000_000)
    let seconds = Int64(node.random() % UInt64(cap / 1_000_000_000 + 1))
    return Nanoseconds(seconds * 1_000_000_000)
  }

  /// What a success sets off: the chain's next link with the result first in its arguments,
  /// or this chord part's count at the backend.
  func followUp(_ m: TaskMessage, result: Value, node: ProgramNode) {
    if let next = m.chain.first {
      var message = TaskMessage(id: next.id, task: next.task, args: [result] + next.args, queue: m.queue)
      message.chain = Array(m.chain.dropFirst())
      publish(message, node: node)
    }
    if let chord = m.chord { chordPart(m, chord, result: result, error: nil, node: node) }
  }

  /// Tells the backend a chord part finished; the worker whose part completes the chord
  /// publishes the body with every result, as Celery's Redis backend does.
  func chordPart(_ m: TaskMessage, _ chord: ChordPart, result: Value, error: String?, node: ProgramNode) {
    guard let s = settings else { return }
    var part: [MapEntry] = [
      MapEntry(.string("id"), .string(m.id)), MapEntry(.string("size"), .int(Int64(chord.size))),
      MapEntry(.string("index"), .int(Int64(chord.index))), MapEntry(.string("result"), result),
    ]
    if let error {
      part.append(MapEntry(.string("failed"), .bool(true)))
      part.append(MapEntry(.string("error"), .string(error)))
    }
    node.call(s.backend, "backend.chord_part", [.string(chord.body.id), .map(part)], options: TaskDefaults.callOptions)
    {
      [unowned self] node, answer in
      guard case .value(let v) = answer, v.first == .bool(true), v.count > 1 else { return }
      self.publish(
        TaskMessage(id: chord.body.id, task: chord.body.task, args: [v[1]] + chord.body.args, queue: m.queue),
        node: node)
    }
  }

  func publish(_ message: TaskMessage, node: ProgramNode) {
    guard let s = settings else { return }
    node.call(s.broker, "broker.publish", [message.value], options: TaskDefaults.callOptions) { _, _ in }
  }

  /// Stores the task's state with its result or its error (one of them, if either).
  func store(
    _ m: TaskMessage, _ state: TaskState, error: Value? = nil, result: Value? = nil, node: ProgramNode
  ) {
    guard let backend = settings?.backend else { return }
    var entries = [
      MapEntry(.string("state"), .string(state.rawValue)), MapEntry(.string("retries"), .int(Int64(m.retries))),
      MapEntry(.string("worker"), .int(Int64(node.me.number))),
    ]
    if let error { entries.append(MapEntry(.string("error"), error)) }
    if let result { entries.append(MapEntry(.string("result"), result)) }
    // Like an acknowledgement, the store's answer would change nothing the worker does.
    node.tell(backend, "backend.store", [.string(m.id), .map(entries)])
  }

  func ack(_ d: Delivery, node: ProgramNode) {
    guard let broker = settings?.broker else { return }
    unacked -= 1
    node.tell(broker, "broker.ack", [.int(d.tag)])
  }

  // MARK: Control

  func revoke(_ id: String, terminate: Bool, node: ProgramNode) {
    revoked.insert(id)
    if let k = scheduled.firstIndex(where: { $0.message.id == id }) {
      let d = scheduled.remove(at: k)
      if let t = d.timer { node.cancel(t) }
      etaHeld -= 1
      discard(d, "revoked", node: node)
    }
    if terminate, let slot = slots.firstIndex(where: { $0?.delivery.message.id == id }), let running = slots[slot] {
      if let t = running.timer { node.cancel(t) }
      slots[slot] = nil
      store(running.delivery.message, .revoked, error: .string("terminated"), node: node)
      if settings?.acksLate == true { ack(running.delivery, node: node) }
      node.event("task.terminated", [.string(id), .int(Int64(slot))])
    }
    pump(node)
  }

  func inspect(_ what: String, node: ProgramNode) -> Value {
    func entry(_ d: Delivery, _ extra: [MapEntry] = []) -> Value {
      .map(
        [
          MapEntry(.string("id"), .string(d.message.id)), MapEntry(.string("task"), .string(d.message.call)),
          MapEntry(.string("tag"), .int(d.tag)), MapEntry(.string("redelivered"), .bool(d.message.redelivered)),
        ] + extra)
    }
    switch what {
    case "active":
      return .list(
        slots.enumerated().compactMap { slot, r in
          r.map {
            entry(
              $0.delivery,
              [MapEntry(.string("slot"), .int(Int64(slot))), MapEntry(.string("since"), .int($0.since.value))])
          }
        })
    case "reserved": return .list(reserved.map { entry($0) })
    case "scheduled":
      return .list(scheduled.map { entry($0, [MapEntry(.string("eta"), .int($0.message.eta?.value ?? 0))]) })
    case "revoked": return .list(revoked.sorted().map(Value.string))
    default:
      return .map([
        "concurrency": .int(Int64(slots.count)), "prefetch": .int(Int64(settings?.prefetchLimit ?? 0)),
        "unacked": .int(Int64(unacked)), "started": .int(Int64(started)), "succeeded": .int(Int64(succeeded)),
        "failed": .int(Int64(failed)), "retried": .int(Int64(retried)),
      ])
    }
  }
}
