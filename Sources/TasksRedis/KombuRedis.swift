import DistLab
import DistLabRedis
import DistLabTasks
import Foundation

/// The operations Celery 5 makes on a Redis broker and result backend, with kombu's keys and
/// shapes, so that a real Celery client or worker on the same Redis is a peer:
/// - publish: `LPUSH queue envelope` (the anonymous exchange: the routing key is the list);
/// - consume: `BRPOP q… timeout`, then ack emulation — the delivery tag into the `unacked_index`
///   sorted set scored by the time, and `[envelope, exchange, routing_key]` into the `unacked`
///   hash, in one MULTI/EXEC (kombu's `QoS.append`);
/// - ack: both removed (`QoS.ack`); reject with requeue: put back at the far end (`LPUSH`);
/// - restore sweep: under the `unacked_mutex` lock (SET NX PX 300 s), the tags older than the
///   visibility timeout (`ZREVRANGEBYSCORE unacked_index ceil 0`) each put back where BRPOP
///   takes next (`RPUSH`), marked redelivered, in a WATCH/MULTI/EXEC (`QoS.restore_visible`);
/// - results: `SETEX celery-task-meta-<id> 86400 json` and `PUBLISH` on the same name.
public final class KombuRedis: Sendable {
  public let client: RedisClient
  public static let unackedKey = "unacked"
  public static let unackedIndexKey = "unacked_index"
  public static let unackedMutexKey = "unacked_mutex"
  /// kombu's `unacked_mutex_expire`: 5 minutes.
  public static let unackedMutexExpireSeconds = 300
  /// Celery's `visibility_timeout` for Redis: 1 hour.
  public static let defaultVisibilityTimeout: Double = 3600

  public init(client: RedisClient) { self.client = client }

  /// A message received and held unacknowledged: what ack, reject and restore need.
  public struct Delivery: Sendable {
    public var envelope: CeleryEnvelope
    /// The JSON exactly as it was on the queue, as bytes.
    public var bytes: [UInt8]
    public var queue: String
    /// The JSON as text.
    public var raw: String { String(decoding: bytes, as: UTF8.self) }
  }

  /// What came off a queue that is not a task message: kept with why, never lost silently.
  public struct Rejected: Sendable, Equatable {
    public var queue: String
    public var raw: String
    public var reason: String
  }

  /// What a consume took off a queue.
  public enum Received: Sendable {
    case task(Delivery)
    case rejected(Rejected)
  }

  /// The dead-letter list a malformed message is moved to, with its reason.
  public static let deadLetterKey = "distlab.dead"

  static func bytes(_ args: [String]) -> [[UInt8]] { args.map { Array($0.utf8) } }

  /// A time as the unacked index scores it: seconds since 1970, to the microsecond.
  static func score(_ date: Date) -> String {
    let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    let fraction = String(micros % 1_000_000)
    return String(micros / 1_000_000) + "." + String(repeating: "0", count: 6 - fraction.count) + fraction
  }

  static func check(_ v: RESPValue, _ what: String) throws(RedisError) {
    if case .error(let e) = v { throw .protocolError("\(what): Redis answered \(e)") }
  }

  /// `LPUSH`: the message goes to the end of the line BRPOP takes from.
  public func publish(_ envelope: CeleryEnvelope, timeout: Double = 1) throws(RedisError) {
    try Self.check(try client.call(["LPUSH", envelope.queue, envelope.json], timeout: timeout), "LPUSH")
  }

  /// Publishes many at once, in one pipelined write.
  public func publish(all envelopes: [CeleryEnvelope], timeout: Double = 10) throws(RedisError) {
    for a in try client.pipeline(envelopes.map { Self.bytes(["LPUSH", $0.queue, $0.json]) }, timeout: timeout) {
      try Self.check(a, "LPUSH")
    }
  }

  /// Waits up to `seconds` for a message on any of `queues` (the first named first) and holds it
  /// unacknowledged. Nil when none came; a message that is not a task's is moved to the
  /// dead-letter list and returned as rejected.
  public func consume(_ queues: [String], seconds: Int) throws(RedisError) -> Received? {
    let answer = try client.call(["BRPOP"] + queues + [String(seconds)], timeout: Double(seconds) + 5)
    try Self.check(answer, "BRPOP")
    guard let pair = answer.array, pair.count == 2, let queue = pair[0].string, case .bulk(let bytes?) = pair[1] else {
      return nil
    }
    let raw = String(decoding: bytes, as: UTF8.self)
    let envelope: CeleryEnvelope
    do {
      envelope = try CeleryEnvelope(json: bytes)
    } catch {
      let reason = error.description
      let record = JSONText.encode(.map(["queue": .string(queue), "reason": .string(reason), "message": .string(raw)]))
      try Self.check(try client.call(["LPUSH", Self.deadLetterKey, record]), "LPUSH \(Self.deadLetterKey)")
      return .rejected(Rejected(queue: queue, raw: raw, reason: reason))
    }
    let answers = try client.pipeline(holding(envelope, bytes: bytes, queue: queue))
    try Self.check(answers.last ?? .bulk(nil), "MULTI/EXEC")
    return .task(Delivery(envelope: envelope, bytes: bytes, queue: queue))
  }

  /// Acknowledges: the message is done and leaves the unacked set.
  public func ack(_ tag: String) throws(RedisError) {
    let answers = try client.pipeline(acking(tag))
    try Self.check(answers.last ?? .bulk(nil), "ack")
  }

  /// Rejects: with requeue the message goes back to the far end of its queue (kombu's
  /// `restore_by_tag(leftmost=True)`); without, it is dropped.
  public func reject(_ tag: String, requeue: Bool) throws(RedisError) {
    if requeue { _ = try restore(tag, leftmost: true) } else { try ack(tag) }
  }

  /// Puts one unacknowledged message back, marked redelivered, in a WATCH/MULTI/EXEC on the
  /// unacked hash; false when another client changed it first (it restored it, or acked it).
  @discardableResult
  public func restore(_ tag: String, leftmost: Bool = false) throws(RedisError) -> Bool {
    try Self.check(try client.call(["WATCH", Self.unackedKey]), "WATCH")
    let held = try client.call(["HGET", Self.unackedKey, tag])
    let answers = try client.pipeline(Self.restoring(tag, held: held, leftmost: leftmost))
    return !(answers.last?.isNull ?? true)
  }

  /// The MULTI/EXEC that takes `tag` out of the unacked set and puts `held` (its entry in the
  /// unacked hash) back on its queue, marked redelivered.
  static func restoring(_ tag: String, held: RESPValue, leftmost: Bool) -> [[[UInt8]]] {
    var commands = [
      bytes(["MULTI"]), bytes(["ZREM", unackedIndexKey, tag]), bytes(["HDEL", unackedKey, tag]),
    ]
    if let text = held.string, case .list(let parts)? = try? JSONText.decode(text), parts.count == 3,
      let queue = parts[2].stringValue
    {
      var payload = parts[0]
      markRedelivered(&payload)
      commands.append(bytes([leftmost ? "LPUSH" : "RPUSH", queue, JSONText.encode(payload)]))
    }
    commands.append(bytes(["EXEC"]))
    return commands
  }

  /// kombu's `_do_restore_message`: `headers.redelivered` and `delivery_info.redelivered`.
  static func markRedelivered(_ payload: inout Value) {
    guard case .map(var top) = payload else { return }
    for i in top.indices {
      switch top[i].key.stringValue {
      case "headers":
        if case .map(var h) = top[i].value {
          set(&h, "redelivered", .bool(true))
          top[i].value = .map(h)
        }
      case "properties":
        if case .map(var p) = top[i].value {
          for j in p.indices where p[j].key.stringValue == "delivery_info" {
            if case .map(var info) = p[j].value {
              set(&info, "redelivered", .bool(true))
              p[j].value = .map(info)
            }
          }
          top[i].value = .map(p)
        }
      default: break
      }
    }
    payload = .map(top)
  }

  static func set(_ entries: inout [MapEntry], _ key: String, _ value: Value) {
    if let i = entries.firstIndex(where: { $0.key.stringValue == key }) {
      entries[i].value = value
    } else {
      entries.append(MapEntry(.string(key), value))
    }
  }

  /// The restore sweep: every message unacknowledged for longer than `visibilityTimeout`
  /// seconds goes back to its queue. Skipped (0) while another consumer holds the mutex.
  /// Returns how many were restored.
  public func restoreVisible(visibilityTimeout: Double, limit: Int? = nil) throws(RedisError) -> Int {
    let token = UUID().uuidString
    let got = try client.call([
      "SET", Self.unackedMutexKey, token, "NX", "PX", String(Self.unackedMutexExpireSeconds * 1000),
    ])
    guard got == .simple("OK") else { return 0 }
    defer {
      let release = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
      _ = try? client.call(["EVAL", release, "1", Self.unackedMutexKey, token])
    }
    let ceil = Self.score(Date().addingTimeInterval(-visibilityTimeout))
    var query = ["ZREVRANGEBYSCORE", Self.unackedIndexKey, ceil, "0"]
    if let limit { query += ["LIMIT", "0", String(limit)] }
    let tags = try client.call(query).array?.compactMap(\.string) ?? []
    var restored = 0
    for tag in tags where try restore(tag) { restored += 1 }
    return restored
  }

  /// Stores a task's state as Celery's Redis backend does, and publishes it to subscribers.
  public func store(_ result: CeleryResult) throws(RedisError) {
    let answers = try client.pipeline(storing(result))
    try Self.check(answers.first ?? .bulk(nil), "SETEX")
  }

  /// A task's state as the backend has it; PENDING for an id it has never heard of.
  public func result(_ taskID: String) throws(RedisError) -> CeleryResult {
    let v = try client.call(["GET", CeleryResult.key(taskID)])
    guard let text = v.string, let r = try? CeleryResult(json: text) else {
      return CeleryResult(taskID: taskID, state: "PENDING", result: .null)
    }
    return r
  }

  /// How many messages wait on a queue, and how many are held unacknowledged.
  public func depth(_ queue: String) throws(RedisError) -> (waiting: Int, unacked: Int) {
    let a = try client.pipeline([Self.bytes(["LLEN", queue]), Self.bytes(["ZCARD", Self.unackedIndexKey])])
    return (Int(a[0].int ?? 0), Int(a[1].int ?? 0))
  }
}
