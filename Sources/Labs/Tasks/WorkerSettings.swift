import DistLab

/// How a worker runs, each field Celery's setting of the same meaning, with Celery's default.
public struct WorkerSettings: Hashable, Sendable {
  public var broker: NodeID
  public var backend: NodeID
  /// `-Q`: the queues it consumes, in order.
  public var queues: [String] = [TaskDefaults.queue]
  /// `worker_concurrency`: how many tasks run at once.
  public var concurrency = TaskDefaults.concurrency
  /// `worker_prefetch_multiplier`: unacknowledged messages allowed per slot; 0 is unlimited.
  public var prefetchMultiplier = TaskDefaults.prefetchMultiplier
  /// `task_acks_late`: acknowledge after the task returns instead of when it starts.
  public var acksLate = false
  /// `task_track_started`: store STARTED when a task starts.
  public var trackStarted = false
  /// `task_reject_on_worker_lost`: with late ack, a task whose pool process died is requeued
  /// instead of acknowledged and failed.
  public var rejectOnWorkerLost = false
  /// `broker_transport_options['visibility_timeout']`.
  public var visibilityTimeout = TaskDefaults.visibilityTimeout
  /// `unacked_restore_interval` and `unacked_restore_throttle` (kombu's Redis transport).
  public var restoreInterval = TaskDefaults.restoreInterval
  public var restoreThrottle = TaskDefaults.restoreThrottle
  /// A task's `rate_limit`, per worker as in Celery: at most so many starts a second.
  public var rateLimits: [String: RateLimit] = [:]

  public init(broker: NodeID, backend: NodeID) {
    self.broker = broker
    self.backend = backend
  }

  /// The most unacknowledged messages at once (`concurrency × multiplier`); nil: no bound.
  public var prefetchLimit: Int? { prefetchMultiplier == 0 ? nil : concurrency * prefetchMultiplier }

  var value: Value {
    .map([
      "broker": .int(Int64(broker.number)), "backend": .int(Int64(backend.number)),
      "queues": .list(queues.map(Value.string)), "concurrency": .int(Int64(concurrency)),
      "prefetch": .int(Int64(prefetchMultiplier)), "acks_late": .bool(acksLate), "track_started": .bool(trackStarted),
      "reject_on_worker_lost": .bool(rejectOnWorkerLost),
      "visibility": .int(visibilityTimeout.value), "restore_interval": .int(restoreInterval.value),
      "restore_throttle": .int(Int64(restoreThrottle)),
      "rate_limits": .map(rateLimits.keys.sorted().map { MapEntry(.string($0), .string(rateLimits[$0]?.text ?? "")) }),
    ])
  }

  init?(_ v: Value) {
    guard let b = v["broker"]?.intValue, let r = v["backend"]?.intValue else { return nil }
    self.init(broker: NodeID(Int(b)), backend: NodeID(Int(r)))
    queues = (v["queues"]?.listValue ?? []).compactMap(\.stringValue)
    concurrency = max(1, Int(v["concurrency"]?.intValue ?? Int64(concurrency)))
    prefetchMultiplier = max(0, Int(v["prefetch"]?.intValue ?? Int64(prefetchMultiplier)))
    acksLate = v["acks_late"] == .bool(true)
    trackStarted = v["track_started"] == .bool(true)
    rejectOnWorkerLost = v["reject_on_worker_lost"] == .bool(true)
    visibilityTimeout = Nanoseconds(v["visibility"]?.intValue ?? visibilityTimeout.value)
    restoreInterval = Nanoseconds(max(1, v["restore_interval"]?.intValue ?? restoreInterval.value))
    restoreThrottle = max(1, Int(v["restore_throttle"]?.intValue ?? Int64(restoreThrottle)))
    if case .map(let entries)? = v["rate_limits"] {
      for e in entries {
        if let task = e.key.stringValue, let r = e.value.stringValue.flatMap(RateLimit.init) { rateLimits[task] = r }
      }
    }
  }
}

/// Celery's rate limit, `10/s`, `100/m` or `1000/h`: tasks a worker may start per second,
/// minute or hour, spaced evenly (a token bucket holding one token).
public struct RateLimit: Hashable, Sendable {
  public let count: Int
  public let per: Character
  public var text: String { "\(count)/\(per)" }

  public init?(_ text: String) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let n = Int(parts[0]), n >= 1, n <= 1_000_000, let unit = parts[1].first,
      parts[1].count == 1, "smh".contains(unit)
    else { return nil }
    count = n
    per = unit
  }

  /// The time between two starts.
  public var spacing: Nanoseconds {
    let seconds: Double = per == "s" ? 1 : per == "m" ? 60 : 3600
    return .seconds(seconds / Double(count))
  }
}
