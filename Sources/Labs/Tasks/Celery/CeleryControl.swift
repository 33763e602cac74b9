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

  /// A revoke of `taskID` as Celery's `app.control.revoke` publishes it.
  public static func revoke(_ taskID: String, terminate: Bool = false, clock: Int = 1) -> String {
    let body = JSONText.encode(
      .map([
        "method": .string("revoke"),
        "arguments": .map(["task_id": .string(taskID), "terminate": .bool(terminate), "signal": .string("SIGTERM")]),
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

  /// The method and its task id, read from a broadcast (nil for what is not one).
  public static func read(_ bytes: [UInt8]) -> (method: String, taskID: String?)? {
    guard let v = try? JSONText.decode(bytes: bytes), let encoded = v["body"]?.stringValue else { return nil }
    let text: String
    if v["properties"]?["body_encoding"]?.stringValue == "base64" {
      guard let data = Data(base64Encoded: encoded) else { return nil }
      text = String(decoding: data, as: UTF8.self)
    } else {
      text = encoded
    }
    guard let body = try? JSONText.decode(text), let method = body["method"]?.stringValue else { return nil }
    let id = body["arguments"]?["task_id"]
    return (method, id?.stringValue ?? id?.listValue?.first?.stringValue)
  }
}
