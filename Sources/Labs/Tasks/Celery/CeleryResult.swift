import DistLab
import Foundation

/// A task's state as Celery's Redis result backend keeps it: the JSON under
/// `celery-task-meta-<id>` (`status`, `result`, `traceback`, `children`, `date_done`,
/// `parent_id` when the task has a parent, `task_id`, in that order), also published on the
/// channel of that name. A failure's result is the exception as Celery serializes it
/// (`exc_type`, `exc_message`, `exc_module`); so are a retry's and a revoke's.
public struct CeleryResult: Sendable, Equatable {
  public var taskID: String
  /// PENDING, STARTED, RETRY, SUCCESS, FAILURE or REVOKED (Celery's `status`).
  public var state: String
  public var result: Value
  public var traceback: String?
  /// Results the task sent while it ran, each `[[id, parent], group]` (a retry is its own).
  public var children: [Value] = []
  /// Only the ready states (SUCCESS, FAILURE, REVOKED) have one: RETRY is not ready.
  public var dateDone: String?
  public var parentID: String?

  public init(
    taskID: String, state: String, result: Value, traceback: String? = nil, dateDone: String? = nil,
    parentID: String? = nil
  ) {
    self.taskID = taskID
    self.state = state
    self.result = result
    self.traceback = traceback
    self.dateDone = dateDone
    self.parentID = parentID
  }

  /// The key Celery's Redis backend stores a task's state under (and publishes on).
  public static func key(_ taskID: String) -> String { "celery-task-meta-" + taskID }

  /// How long Celery keeps a result (`result_expires`, one day), the key's time to live.
  public static let expiresSeconds = 86_400

  /// An exception as Celery's backend serializes it.
  static func exception(_ type: String, _ message: String, module: String = "builtins") -> Value {
    .map(["exc_type": .string(type), "exc_message": .list([.string(message)]), "exc_module": .string(module)])
  }

  /// An exception as Python's `repr` writes it, as Celery's log shows it: `ValueError('boom')`.
  public static func repr(type: String, message: String) -> String { "\(type)(\(PythonRepr.of(.string(message))))" }

  /// A value as Python's `repr` writes it (`30`, `'abc'`, `None`): how Celery's worker log
  /// shows a task's return value.
  public static func repr(_ value: Value) -> String { PythonRepr.of(value) }

  /// A failure as Celery serializes its exception.
  public static func failure(taskID: String, type: String, message: String, dateDone: String) -> CeleryResult {
    CeleryResult(
      taskID: taskID, state: "FAILURE", result: exception(type, message),
      traceback: "Traceback (most recent call last):\n\(type): \(message)\n", dateDone: dateDone)
  }

  /// What Celery's `Task.retry` leaves until the retry runs: RETRY with the exception as its
  /// result, the `Retry` raised while handling it as its traceback, the retry (the same id) as
  /// a child, and no `date_done`.
  public static func retry(taskID: String, type: String, message: String, countdown: String) -> CeleryResult {
    var r = CeleryResult(
      taskID: taskID, state: "RETRY", result: exception(type, message),
      traceback: "Traceback (most recent call last):\n\(type): \(message)\n\nDuring handling of the above exception,"
        + " another exception occurred:\n\nTraceback (most recent call last):\ncelery.exceptions.Retry: "
        + CeleryRetry.text(countdown: countdown, type: type, message: message) + "\n")
    r.children = [.list([.list([.string(taskID), .null]), .null])]
    return r
  }

  /// REVOKED as Celery's worker stores it: a `TaskRevokedError` whose message is why —
  /// `revoked`, `expired` or `terminated`.
  public static func revoked(taskID: String, reason: String, dateDone: String) -> CeleryResult {
    CeleryResult(
      taskID: taskID, state: "REVOKED", result: exception("TaskRevokedError", reason, module: "celery.exceptions"),
      dateDone: dateDone)
  }

  public var json: String {
    var entries: [MapEntry] = [
      MapEntry(.string("status"), .string(state)), MapEntry(.string("result"), result),
      MapEntry(.string("traceback"), traceback.map(Value.string) ?? .null),
      MapEntry(.string("children"), .list(children)),
      MapEntry(.string("date_done"), dateDone.map(Value.string) ?? .null),
    ]
    if let parentID { entries.append(MapEntry(.string("parent_id"), .string(parentID))) }
    entries.append(MapEntry(.string("task_id"), .string(taskID)))
    return JSONText.encode(.map(entries))
  }

  public init(json text: String) throws(CeleryEnvelope.Malformed) {
    let v: Value
    do {
      v = try JSONText.decode(text)
    } catch {
      throw CeleryEnvelope.Malformed(reason: "\(error)")
    }
    guard let state = v["status"]?.stringValue, let id = v["task_id"]?.stringValue else {
      throw CeleryEnvelope.Malformed(reason: "a result needs status and task_id")
    }
    self.init(
      taskID: id, state: state, result: v["result"] ?? .null, traceback: v["traceback"]?.stringValue,
      dateDone: v["date_done"]?.stringValue, parentID: v["parent_id"]?.stringValue)
    children = v["children"]?.listValue ?? []
  }

  /// The error a failure or a retry carries, as `ValueError: boom`.
  public var errorText: String? {
    guard state == "FAILURE" || state == "RETRY" else { return nil }
    let type = result["exc_type"]?.stringValue ?? "Exception"
    let message = result["exc_message"]?.listValue?.first?.stringValue ?? result["exc_message"]?.stringValue ?? ""
    return "\(type): \(message)"
  }

  /// Why a task was revoked (`revoked`, `expired`, `terminated`); nil for other states.
  public var revokedReason: String? {
    guard state == "REVOKED" else { return nil }
    return result["exc_message"]?.listValue?.first?.stringValue
  }
}

/// Times as Celery writes them: Python's `isoformat()` of an aware UTC time
/// (`2026-12-01T02:45:31.170404+00:00`), read back with any offset.
public enum CeleryTime {
  public static func iso(_ date: Date) -> String {
    let seconds = date.timeIntervalSince1970
    let whole = floor(seconds)
    var micros = Int(((seconds - whole) * 1_000_000).rounded())
    var t = time_t(whole)
    if micros == 1_000_000 {
      micros = 0
      t += 1
    }
    var parts = tm()
    gmtime_r(&t, &parts)
    func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
    let micro = String(micros)
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):"
      + "\(two(parts.tm_min)):\(two(parts.tm_sec))." + String(repeating: "0", count: 6 - micro.count) + micro
      + "+00:00"
  }

  /// `YYYY-MM-DDTHH:MM:SS[.ffffff][+HH:MM|Z]`; nil for anything else.
  public static func date(_ text: String) -> Date? {
    let b = Array(text.utf8)
    func num(_ from: Int, _ n: Int) -> Int? {
      guard from + n <= b.count else { return nil }
      return Int(String(decoding: b[from..<from + n], as: UTF8.self))
    }
    guard b.count >= 19, let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2),
      let mi = num(14, 2), let s = num(17, 2), b[4] == 0x2D, b[7] == 0x2D, b[10] == UInt8(ascii: "T")
    else { return nil }
    var at = 19
    var fraction = 0.0
    if at < b.count, b[at] == UInt8(ascii: ".") {
      let start = at + 1
      at = start
      while at < b.count, (0x30...0x39).contains(b[at]) { at += 1 }
      guard at > start, let f = Double("0." + String(decoding: b[start..<at], as: UTF8.self)) else { return nil }
      fraction = f
    }
    var offset = 0
    if at < b.count {
      if b[at] == UInt8(ascii: "Z") {
        at += 1
      } else {
        guard b[at] == UInt8(ascii: "+") || b[at] == UInt8(ascii: "-"), let oh = num(at + 1, 2), let om = num(at + 4, 2)
        else { return nil }
        offset = (oh * 3600 + om * 60) * (b[at] == UInt8(ascii: "-") ? -1 : 1)
        at += 6
      }
    }
    guard at == b.count else { return nil }
    var parts = tm()
    parts.tm_year = Int32(y - 1900)
    parts.tm_mon = Int32(mo - 1)
    parts.tm_mday = Int32(d)
    parts.tm_hour = Int32(h)
    parts.tm_min = Int32(mi)
    parts.tm_sec = Int32(s)
    let t = timegm(&parts)
    return Date(timeIntervalSince1970: Double(t) - Double(offset) + fraction)
  }
}
