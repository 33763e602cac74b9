import DistLab
import Foundation

/// A task message as Celery 5 puts it on a Redis list: kombu's JSON envelope (`body` in
/// base64, `content-type` application/json, `properties` with `delivery_tag` and
/// `delivery_info`) around task protocol 2 (`headers` with `task`, `id`, `root_id`,
/// `parent_id`, `eta`, `expires`, `retries`, `timelimit`, …; a body of `[args, kwargs,
/// embed]`, the embed holding `callbacks`, `errbacks`, `chain` and `chord`). Shapes as
/// Celery's `as_task_v2` and kombu's `prepare_message` and `_inplace_augment_message` make them.
public struct CeleryEnvelope: Sendable, Equatable {
  public var task: String
  public var id: String
  public var args: [Value]
  public var kwargs: [MapEntry] = []
  /// ISO 8601 with the offset, as Python's `isoformat()` writes it; nil when not set.
  public var eta: String?
  public var expires: String?
  public var retries = 0
  /// `timelimit`: [hard, soft] in seconds.
  public var timeLimit: Double?
  public var softTimeLimit: Double?
  public var rootID: String
  public var parentID: String?
  public var group: String?
  /// The task's place in its group (`group_index`, from 0), as `group.apply_async` freezes it.
  public var groupIndex: Int?
  /// The embed's links, as Celery's signatures (kept as they came).
  public var callbacks: Value = .null
  public var errbacks: Value = .null
  public var chain: Value = .null
  public var chord: Value = .null
  /// The queue (the anonymous exchange's routing key is the list's name).
  public var queue: String
  public var exchange = ""
  public var deliveryTag: String
  public var replyTo = ""
  public var origin: String
  public var redelivered = false
  /// `origin` in the properties too: a message a worker sends from a request (a retry) has it
  /// there, as Celery passes the request's options, `origin` among them, on to kombu's publish.
  public var originInProperties = false

  public init(task: String, id: String, args: [Value], queue: String, deliveryTag: String, origin: String) {
    self.task = task
    self.id = id
    self.args = args
    self.queue = queue
    self.deliveryTag = deliveryTag
    self.origin = origin
    rootID = id
  }

  /// A link of a chain as Celery's signatures are written (`task`, `args`, `kwargs`, `options`
  /// with the id the link will run under, `subtask_type`, `immutable`).
  public static func signature(task: String, args: [Value], id: String) -> Value {
    .map([
      "task": .string(task), "args": .list(args), "kwargs": .map([]), "options": .map(["task_id": .string(id)]),
      "subtask_type": .null, "immutable": .bool(false),
    ])
  }

  /// The links after this one, as Celery's embed keeps them: the next is the last.
  public var links: [Value] { chain.listValue ?? [] }

  /// What a worker sends when this task has returned `result` and the chain goes on: the next
  /// link, given the result before its own arguments (unless immutable), the rest of the chain
  /// with it, this task as its parent — as Celery's `trace` does with `chain.pop()`.
  public func next(after result: Value, deliveryTag: String, origin: String) -> CeleryEnvelope? {
    var rest = links
    guard let sig = rest.popLast(), let task = sig["task"]?.stringValue else { return nil }
    let own = sig["args"]?.listValue ?? []
    let args = sig["immutable"] == .bool(true) ? own : [result] + own
    let options = sig["options"]
    var n = CeleryEnvelope(
      task: task, id: options?["task_id"]?.stringValue ?? UUID().uuidString.lowercased(), args: args,
      queue: options?["queue"]?.stringValue ?? queue, deliveryTag: deliveryTag, origin: origin)
    if case .map(let kw)? = sig["kwargs"] { n.kwargs = kw }
    n.chain = rest.isEmpty ? .null : .list(rest)
    n.parentID = id
    n.rootID = rootID
    n.replyTo = options?["reply_to"]?.stringValue ?? ""
    return n
  }

  /// The message Celery's `Task.retry` sends: the same task and arguments under the same id,
  /// one retry more, due `countdown` seconds after `now`, to the same queue under a new delivery
  /// tag, with the same root and — as the retry is sent from the running task — that task as
  /// its parent unless it had one.
  public func retry(countdown: Double, now: Date, deliveryTag: String) -> CeleryEnvelope {
    var again = self
    again.retries += 1
    again.eta = CeleryTime.iso(now.addingTimeInterval(countdown))
    again.parentID = parentID ?? id
    again.deliveryTag = deliveryTag
    again.redelivered = false
    again.originInProperties = true
    return again
  }

  /// Why bytes on a queue are not a task message Celery would send: in a line.
  public struct Malformed: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { "not a Celery task message: \(reason)" }
  }

  /// The body: `[args, kwargs, {callbacks, errbacks, chain, chord}]`.
  var body: Value {
    .list([
      .list(args), .map(kwargs),
      .map(["callbacks": callbacks, "errbacks": errbacks, "chain": chain, "chord": chord]),
    ])
  }

  /// The envelope as one JSON text, as kombu LPUSHes it.
  public var json: String {
    let bodyText = JSONText.encode(body)
    let headers: Value = .map([
      "lang": .string("py"), "task": .string(task), "id": .string(id), "shadow": .null,
      "eta": eta.map(Value.string) ?? .null, "expires": expires.map(Value.string) ?? .null,
      "group": group.map(Value.string) ?? .null, "group_index": groupIndex.map { .int(Int64($0)) } ?? .null,
      "retries": .int(Int64(retries)),
      "timelimit": .list([Self.seconds(timeLimit), Self.seconds(softTimeLimit)]),
      "root_id": .string(rootID), "parent_id": parentID.map(Value.string) ?? .null,
      "argsrepr": .string(PythonRepr.tuple(args)), "kwargsrepr": .string(PythonRepr.dict(kwargs)),
      "origin": .string(origin), "ignore_result": .bool(false), "replaced_task_nesting": .int(0),
      "stamped_headers": .null, "stamps": .map([]),
    ])
    var info: [MapEntry] = [
      MapEntry(.string("exchange"), .string(exchange)), MapEntry(.string("routing_key"), .string(queue)),
    ]
    var head = headers
    if redelivered {
      info.append(MapEntry(.string("redelivered"), .bool(true)))
      if case .map(var h) = head {
        h.append(MapEntry(.string("redelivered"), .bool(true)))
        head = .map(h)
      }
    }
    var properties: [MapEntry] = [
      MapEntry(.string("correlation_id"), .string(id)), MapEntry(.string("reply_to"), .string(replyTo)),
    ]
    if originInProperties { properties.append(MapEntry(.string("origin"), .string(origin))) }
    properties += [
      MapEntry(.string("delivery_mode"), .int(2)), MapEntry(.string("delivery_info"), .map(info)),
      MapEntry(.string("priority"), .int(0)), MapEntry(.string("body_encoding"), .string("base64")),
      MapEntry(.string("delivery_tag"), .string(deliveryTag)),
    ]
    let envelope: Value = .map([
      "body": .string(Data(bodyText.utf8).base64EncodedString()), "content-encoding": .string("utf-8"),
      "content-type": .string("application/json"), "headers": head, "properties": .map(properties),
    ])
    return JSONText.encode(envelope)
  }

  /// Reads an envelope kombu (or this type) wrote; refuses, in a line, what is not one.
  public init(json text: String) throws(Malformed) { try self.init(json: Array(text.utf8)) }

  /// Reads an envelope from its UTF-8 bytes, as a queue holds it.
  public init(json bytes: [UInt8]) throws(Malformed) {
    let v: Value
    do {
      v = try JSONText.decode(bytes: bytes)
    } catch {
      throw Malformed(reason: "\(error)")
    }
    guard let headers = v["headers"], case .map = headers else { throw Malformed(reason: "no headers") }
    guard let props = v["properties"], case .map = props else { throw Malformed(reason: "no properties") }
    guard v["content-type"]?.stringValue == "application/json" else {
      throw Malformed(reason: "content-type \(v["content-type"]?.stringValue ?? "missing"), not application/json")
    }
    guard let task = headers["task"]?.stringValue else {
      throw Malformed(reason: "no task name in the headers (task protocol 1, or not a task at all)")
    }
    guard let id = headers["id"]?.stringValue else { throw Malformed(reason: "no task id in the headers") }
    guard let encoded = v["body"]?.stringValue else { throw Malformed(reason: "no body") }
    let bodyText: String
    if props["body_encoding"]?.stringValue == "base64" {
      guard let data = Data(base64Encoded: encoded) else { throw Malformed(reason: "the body is not base64") }
      bodyText = String(decoding: data, as: UTF8.self)
    } else {
      bodyText = encoded
    }
    let body: Value
    do {
      body = try JSONText.decode(bodyText)
    } catch {
      throw Malformed(reason: "the body: \(error)")
    }
    guard let parts = body.listValue, parts.count == 3, let args = parts[0].listValue, case .map(let kwargs) = parts[1]
    else { throw Malformed(reason: "the body is not [args, kwargs, embed]") }
    let info = props["delivery_info"]
    self.init(
      task: task, id: id, args: args, queue: info?["routing_key"]?.stringValue ?? "celery",
      deliveryTag: props["delivery_tag"]?.stringValue ?? "", origin: headers["origin"]?.stringValue ?? "")
    self.kwargs = kwargs
    eta = headers["eta"]?.stringValue
    expires = headers["expires"]?.stringValue
    retries = Int(headers["retries"]?.intValue ?? 0)
    if let limits = headers["timelimit"]?.listValue, limits.count == 2 {
      timeLimit = Self.seconds(limits[0])
      softTimeLimit = Self.seconds(limits[1])
    }
    rootID = headers["root_id"]?.stringValue ?? id
    parentID = headers["parent_id"]?.stringValue
    group = headers["group"]?.stringValue
    groupIndex = headers["group_index"]?.intValue.map { Int($0) }
    callbacks = parts[2]["callbacks"] ?? .null
    errbacks = parts[2]["errbacks"] ?? .null
    chain = parts[2]["chain"] ?? .null
    chord = parts[2]["chord"] ?? .null
    exchange = info?["exchange"]?.stringValue ?? ""
    replyTo = props["reply_to"]?.stringValue ?? ""
    originInProperties = props["origin"] != nil
    redelivered = info?["redelivered"] == .bool(true) || headers["redelivered"] == .bool(true)
  }

  /// Whole seconds as an integer, as Python writes `30`; others as a float.
  static func seconds(_ d: Double?) -> Value {
    guard let d else { return .null }
    return d == d.rounded() && abs(d) < 1e15 ? .int(Int64(d)) : .double(d)
  }

  static func seconds(_ v: Value) -> Double? {
    switch v {
    case .int(let i): Double(i)
    case .double(let d): d
    default: nil
    }
  }
}

/// Python's `repr` of a task's arguments, as Celery puts it in `argsrepr` and `kwargsrepr`.
enum PythonRepr {
  static func tuple(_ args: [Value]) -> String {
    args.count == 1 ? "(\(of(args[0])),)" : "(" + args.map(of).joined(separator: ", ") + ")"
  }

  static func dict(_ entries: [MapEntry]) -> String {
    "{" + entries.map { "\(of($0.key)): \(of($0.value))" }.joined(separator: ", ") + "}"
  }

  static func of(_ v: Value) -> String {
    switch v {
    case .null: "None"
    case .bool(let b): b ? "True" : "False"
    case .int(let i): String(i)
    case .double(let d): d == d.rounded() && abs(d) < 1e16 ? "\(Int64(d)).0" : "\(d)"
    case .string(let s):
      "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    case .bytes(let b): "b'" + String(decoding: b, as: UTF8.self) + "'"
    case .list(let l): "[" + l.map(of).joined(separator: ", ") + "]"
    case .map(let m): dict(m)
    }
  }
}
