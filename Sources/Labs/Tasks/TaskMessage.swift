import DistLab

/// A task message as it travels from producer to broker to worker: Celery's protocol 2 in
/// the fields the lab needs. A retry is a new message with the same id and one more retry.
public struct TaskMessage: Hashable, Sendable {
  /// The task id: `T1`, `T2`, … (Celery uses a UUID; short ids read better in a lesson).
  public var id: String
  /// The task's name: `add`, `sleep`, …
  public var task: String
  public var args: [Value]
  public var queue: String
  /// Not to run before this virtual time (Celery's `eta`, or `countdown` from now).
  public var eta: Nanoseconds?
  /// Revoked instead of run when received after this virtual time (Celery's `expires`).
  public var expires: Nanoseconds?
  /// How many times the task has been retried so far.
  public var retries: Int
  /// How many retries a failure may still make (`autoretry_for` with `max_retries`); 0: none.
  public var maxRetries: Int
  /// Set by the broker's restore: the message was delivered before and not acknowledged.
  public var redelivered: Bool
  /// `retry_backoff` (with `retry_jitter`): retries wait a random time up to 1s, 2s, 4s, …
  /// (at most `retry_backoff_max`) instead of `default_retry_delay`.
  public var retryBackoff = false
  /// A key the task's side effect is recorded under, so that a repeated run changes nothing.
  public var idempotencyKey: String?
  /// `soft_time_limit` and `time_limit`: the run is stopped past these.
  public var softTimeLimit: Nanoseconds?
  public var timeLimit: Nanoseconds?
  /// The links still to run after this one (a chain): each gets this task's result first.
  public var chain: [TaskLink] = []
  /// The chord this task is a header part of, if any.
  public var chord: ChordPart?
  /// A signature still waiting for a result to be put first in its arguments (a chain's later
  /// link as the producer sent it); never on the wire.
  public var partial = false

  public init(
    id: String, task: String, args: [Value], queue: String = TaskDefaults.queue, eta: Nanoseconds? = nil,
    expires: Nanoseconds? = nil, retries: Int = 0, maxRetries: Int = 0, redelivered: Bool = false
  ) {
    self.id = id
    self.task = task
    self.args = args
    self.queue = queue
    self.eta = eta
    self.expires = expires
    self.retries = retries
    self.maxRetries = maxRetries
    self.redelivered = redelivered
  }

  /// The message as one value on the wire and on the broker's disk.
  public var value: Value {
    var entries: [MapEntry] = [
      MapEntry(.string("id"), .string(id)), MapEntry(.string("task"), .string(task)),
      MapEntry(.string("args"), .list(args)), MapEntry(.string("queue"), .string(queue)),
      MapEntry(.string("retries"), .int(Int64(retries))), MapEntry(.string("max_retries"), .int(Int64(maxRetries))),
    ]
    if let eta { entries.append(MapEntry(.string("eta"), .int(eta.value))) }
    if let expires { entries.append(MapEntry(.string("expires"), .int(expires.value))) }
    if redelivered { entries.append(MapEntry(.string("redelivered"), .bool(true))) }
    if let idempotencyKey { entries.append(MapEntry(.string("idempotency_key"), .string(idempotencyKey))) }
    if retryBackoff { entries.append(MapEntry(.string("retry_backoff"), .bool(true))) }
    if let softTimeLimit { entries.append(MapEntry(.string("soft_time_limit"), .int(softTimeLimit.value))) }
    if let timeLimit { entries.append(MapEntry(.string("time_limit"), .int(timeLimit.value))) }
    if !chain.isEmpty { entries.append(MapEntry(.string("chain"), .list(chain.map(\.value)))) }
    if let chord { entries.append(MapEntry(.string("chord"), chord.value)) }
    return .map(entries)
  }

  /// Reads a message back; nil for anything that is not one. One pass over the map (every
  /// worker reads every message it is given): the first entry under each key counts, as a
  /// lookup by key would find it.
  public init?(_ v: Value) {
    guard let fields = TaskMessageFields(v) else { return nil }
    guard case .string(let id)? = fields.id, case .string(let task)? = fields.task, case .list(let args)? = fields.args,
      case .string(let queue)? = fields.queue
    else { return nil }
    self.init(
      id: id, task: task, args: args, queue: queue, eta: TaskMessageFields.time(fields.eta),
      expires: TaskMessageFields.time(fields.expires), retries: TaskMessageFields.count(fields.retries),
      maxRetries: TaskMessageFields.count(fields.maxRetries), redelivered: fields.redelivered == .bool(true))
    retryBackoff = fields.retryBackoff == .bool(true)
    if case .string(let key)? = fields.idempotencyKey { idempotencyKey = key }
    softTimeLimit = TaskMessageFields.time(fields.softTimeLimit)
    timeLimit = TaskMessageFields.time(fields.timeLimit)
    if case .list(let links)? = fields.chain { chain = links.compactMap(TaskLink.init) }
    if let chord = fields.chord { self.chord = ChordPart(chord) }
  }

  /// `add(2, 3)`, `sleep(10s)`: how the task reads in views, durations as durations.
  public var call: String {
    let types = TaskCatalog.definition(task)?.arguments.map(\.type) ?? []
    let shown = args.enumerated().map { i, v in
      i < types.count && types[i] == .duration
        ? (v.intValue.map { Nanoseconds($0).description } ?? v.description)
        : v.description
    }
    return "\(task)(" + ((partial ? ["…"] : []) + shown).joined(separator: ", ") + ")"
  }
}

/// A task message's entries by key, as one pass over its map finds them (the first of each).
struct TaskMessageFields {
  var id, task, args, queue, eta, expires, retries, maxRetries, redelivered: Value?
  var retryBackoff, idempotencyKey, softTimeLimit, timeLimit, chain, chord: Value?

  /// The entries of a map, read in one pass; nil when `v` is not a map.
  init?(_ v: Value) {
    guard case .map(let entries) = v else { return nil }
    for e in entries {
      guard case .string(let key) = e.key else { continue }
      take(key, e.value)
    }
  }

  /// An int field as a time; nil when absent or not an int.
  static func time(_ v: Value?) -> Nanoseconds? {
    guard case .int(let n)? = v else { return nil }
    return Nanoseconds(n)
  }

  /// An int field as a count; 0 when absent or not an int.
  static func count(_ v: Value?) -> Int {
    guard case .int(let n)? = v else { return 0 }
    return Int(n)
  }

  private mutating func take(_ key: String, _ value: Value) {
    func keep(_ slot: inout Value?) { if slot == nil { slot = value } }
    switch key {
    case "id": keep(&id)
    case "task": keep(&task)
    case "args": keep(&args)
    case "queue": keep(&queue)
    case "retries": keep(&retries)
    case "max_retries": keep(&maxRetries)
    case "eta": keep(&eta)
    case "expires": keep(&expires)
    case "redelivered": keep(&redelivered)
    case "idempotency_key": keep(&idempotencyKey)
    case "retry_backoff": keep(&retryBackoff)
    case "soft_time_limit": keep(&softTimeLimit)
    case "time_limit": keep(&timeLimit)
    case "chain": keep(&chain)
    case "chord": keep(&chord)
    default: break
    }
  }
}

/// A signature in a canvas: the id it will run under, the task and its own arguments (the
/// previous result, or a chord's results, goes before them).
public struct TaskLink: Hashable, Sendable {
  public var id: String
  public var task: String
  public var args: [Value]

  public init(id: String, task: String, args: [Value]) {
    self.id = id
    self.task = task
    self.args = args
  }

  var value: Value { .map(["id": .string(id), "task": .string(task), "args": .list(args)]) }

  init?(_ v: Value) {
    guard let id = v["id"]?.stringValue, let task = v["task"]?.stringValue, let args = v["args"]?.listValue else {
      return nil
    }
    self.init(id: id, task: task, args: args)
  }
}

/// A chord header task's place: the chord's size, its own index, and the body to run with
/// every header result once all have succeeded (the body's id names the chord).
public struct ChordPart: Hashable, Sendable {
  public var size: Int
  public var index: Int
  public var body: TaskLink

  var value: Value { .map(["size": .int(Int64(size)), "index": .int(Int64(index)), "body": body.value]) }

  init(size: Int, index: Int, body: TaskLink) {
    self.size = size
    self.index = index
    self.body = body
  }

  init?(_ v: Value) {
    guard let size = v["size"]?.intValue, let index = v["index"]?.intValue, let body = v["body"].flatMap(TaskLink.init)
    else { return nil }
    self.init(size: Int(size), index: Int(index), body: body)
  }
}

/// Celery's defaults, as the lab uses them; each names the setting it stands for.
public enum TaskDefaults {
  /// `task_default_queue`.
  public static let queue = "celery"
  /// `broker_transport_options['visibility_timeout']` for Redis: one hour.
  public static let visibilityTimeout = Nanoseconds.seconds(3600)
  /// kombu's Redis `unacked_restore_interval`: seconds between restore calls.
  public static let restoreInterval = Nanoseconds.seconds(10)
  /// kombu's Redis `unacked_restore_throttle`: only every Nth restore call scans.
  public static let restoreThrottle = 10
  /// kombu's Redis `brpop_timeout`: how long one BRPOP waits for a message.
  public static let brpopTimeout = Nanoseconds.seconds(1)
  /// `worker_prefetch_multiplier`.
  public static let prefetchMultiplier = 4
  /// `worker_concurrency` is the machine's CPU count in Celery; the lab's workers have 4 slots.
  public static let concurrency = 4
  /// `default_retry_delay`: three minutes between retries unless a countdown is given.
  public static let retryDelay = Nanoseconds.seconds(180)
  /// `retry_backoff_max`: the longest backoff, ten minutes.
  public static let retryBackoffMax = Nanoseconds.seconds(600)
  /// How long a producer, worker or shell waits for the broker or backend to answer.
  public static let callTimeout = Nanoseconds.seconds(1)

  /// One attempt, waiting `callTimeout`.
  public static var callOptions: CallOptions { CallOptions(timeout: callTimeout) }
}
