import DistLab
import Foundation

/// Celery's remote control over Redis, in the part the lab speaks: `revoke`, broadcast to every
/// worker as kombu's fanout does it on Redis — a PUBLISH on `/<db>.celery.pidbox` of a JSON
/// envelope whose body is `{"method": "revoke", "arguments": {"task_id", "terminate",
/// "signal"}, "destination", "pattern", "matcher"}` (as `app.control.revoke` sends it).
public enum CeleryControl {
  /// The channel the broadcast goes to for database `db`.
  public static func channel(db: Int) -> String { "/\(db).celery.pidbox" }

  /// How long a broadcast stays good (Celery's `control` messages expire; a second is its
  /// default reply timeout, the message itself lasts longer).
  static let expiresSeconds = 10.0

  /// A revoke of `taskID` as Celery's `app.control.revoke` publishes it; with `terminate`, a
  /// worker running the task stops it by `signal` (a name as `SIGTERM`, Celery's default).
  public static func revoke(
    _ taskID: String, terminate: Bool = false, signal: String = CelerySignal.defaultName, clock: Int = 1
  ) -> String {
    let body = JSONText.encode(
      .map([
        "method": .string("revoke"),
        "arguments": .map(["task_id": .string(taskID), "terminate": .bool(terminate), "signal": .string(signal)]),
        "destination": .null, "pattern": .null, "matcher": .null,
      ]))
    return JSONText.encode(
      .map([
        "body": .string(Data(body.utf8).base64EncodedString()), "content-encoding": .string("utf-8"),
        "content-type": .string("application/json"),
        "headers": .map([
          "clock": .int(Int64(clock)), "expires": .double(Date().timeIntervalSince1970 + expiresSeconds),
        ]),
        "properties": .map([
          "delivery_mode": .int(2),
          "delivery_info": .map(["exchange": .string("celery.pidbox"), "routing_key": .string("")]),
          "priority": .int(0), "body_encoding": .string("base64"),
          "delivery_tag": .string(UUID().uuidString.lowercased()),
        ]),
      ]))
  }

  /// A broadcast as a worker reads it: the method, the task ids it names (`task_id` is one id
  /// or a list), and for a revoke whether to terminate and by which signal.
  public struct Broadcast: Sendable, Equatable {
    public var method: String
    public var taskIDs: [String]
    public var terminate: Bool
    public var signal: String?

    public init(method: String, taskIDs: [String], terminate: Bool = false, signal: String? = nil) {
      self.method = method
      self.taskIDs = taskIDs
      self.terminate = terminate
      self.signal = signal
    }
  }

  /// Reads a broadcast (nil for what is not one).
  public static func read(_ bytes: [UInt8]) -> Broadcast? {
    guard let v = try? JSONText.decode(bytes: bytes), let encoded = v["body"]?.stringValue else { return nil }
    let text: String
    if v["properties"]?["body_encoding"]?.stringValue == "base64" {
      guard let data = Data(base64Encoded: encoded) else { return nil }
      text = String(decoding: data, as: UTF8.self)
    } else {
      text = encoded
    }
    guard let body = try? JSONText.decode(text), let method = body["method"]?.stringValue else { return nil }
    let arguments = body["arguments"]
    let id = arguments?["task_id"]
    return Broadcast(
      method: method, taskIDs: id?.stringValue.map { [$0] } ?? id?.listValue?.compactMap(\.stringValue) ?? [],
      terminate: arguments?["terminate"] == .bool(true),
      signal: arguments?["signal"]?.stringValue ?? arguments?["signal"]?.intValue.map { String($0) })
  }
}
