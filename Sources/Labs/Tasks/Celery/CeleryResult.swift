import DistLab
import Foundation

/// A task's state as Celery's Redis result backend keeps it: the JSON under
/// `celery-task-meta-<id>` (`status`, `result`, `traceback`, `children`, `date_done`,
/// `task_id`, in that order), also published on the channel of that name. A failure's result
/// is the exception as Celery serializes it (`exc_type`, `exc_message`, `exc_module`).
public struct CeleryResult: Sendable, Equatable {
  public var taskID: String
  /// PENDING, STARTED, RETRY, SUCCESS, FAILURE or REVOKED (Celery's `status`).
  public var state: String
  public var result: Value
  public var traceback: String?
  public var dateDone: String?

  public init(taskID: String, state: String, result: Value, traceback: String? = nil, dateDone: String? = nil) {
    self.taskID = taskID
    self.state = state
    self.result = result
    self.traceback = traceback
    self.dateDone = dateDone
  }

  /// The key Celery's Redis backend stores a task's state under (and publishes on).
  public static func key(_ taskID: String) -> String { "celery-task-meta-" + taskID }

  /// How long Celery keeps a result (`result_expires`, one day), the key's time to live.
  public static let expiresSeconds = 86_400

  /// A failure as Celery serializes its exception.
  public static func failure(taskID: String, type: String, message: String, dateDone: String) -> CeleryResult {
    CeleryResult(
      taskID: taskID, state: "FAILURE",
      result: .map([
        "exc_type": .string(type), "exc_message": .list([.string(message)]), "exc_module": .string("builtins"),
      ]),
      traceback: "Traceback (most recent call last):\n\(type): \(message)\n", dateDone: dateDone)
  }

  public var json: String {
    JSONText.encode(
      .map([
        "status": .string(state), "result": result, "traceback": traceback.map(Value.string) ?? .null,
        "children": .list([]), "date_done": dateDone.map(Value.string) ?? .null, "task_id": .string(taskID),
      ]))
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
      dateDone: v["date_done"]?.stringValue)
  }

  /// The error a failure carries, as `ValueError: boom`.
  public var errorText: String? {
    guard state == "FAILURE" else { return nil }
    let type = result["exc_type"]?.stringValue ?? "Exception"
    let message = result["exc_message"]?.listValue?.first?.stringValue ?? result["exc_message"]?.stringValue ?? ""
    return "\(type): \(message)"
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
