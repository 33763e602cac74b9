import DistLab
import DistLabTasks
import Foundation
import XCTest

/// Celery 5.7's retries and revokes with terminate in the exact shapes its worker put in Redis
/// (read out of a real Redis while a real worker retried `flaky` and terminated `sleep`): the
/// retry message, RETRY, REVOKED for a terminated task, and the terminate broadcast.
final class CeleryRetryWireTests: XCTestCase {
  /// `flaky.apply_async((1.0,), task_id=…)`, as kombu LPUSHed it.
  static let sent = #"""
    {"body": "W1sxLjBdLCB7fSwgeyJjYWxsYmFja3MiOiBudWxsLCAiZXJyYmFja3MiOiBudWxsLCAiY2hhaW4iOiBudWxsLCAiY2hvcmQiOiBudWxsfV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "flaky", "id": "c0ffee00-0000-4000-8000-000000000003", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "c0ffee00-0000-4000-8000-000000000003", "parent_id": null, "argsrepr": "(1.0,)", "kwargsrepr": "{}", "origin": "gen26599@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "c0ffee00-0000-4000-8000-000000000003", "reply_to": "305ffd02-9ec2-3226-ba63-d3d64e6563a1", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "fe5281dc-d8e4-45c0-a96d-e7ae20bfb0d1"}}
    """#

  /// The retry a Celery worker (`max_retries` 2, `default_retry_delay` 0.5) LPUSHed after the first
  /// run failed.
  static let firstRetry = #"""
    {"body": "W1sxLjBdLCB7fSwgeyJjYWxsYmFja3MiOiBudWxsLCAiZXJyYmFja3MiOiBudWxsLCAiY2hhaW4iOiBudWxsLCAiY2hvcmQiOiBudWxsfV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "flaky", "id": "c0ffee00-0000-4000-8000-000000000003", "shadow": null, "eta": "2026-12-01T05:02:04.020013+00:00", "expires": null, "group": null, "group_index": null, "retries": 1, "timelimit": [null, null], "root_id": "c0ffee00-0000-4000-8000-000000000003", "parent_id": "c0ffee00-0000-4000-8000-000000000003", "argsrepr": "(1.0,)", "kwargsrepr": "{}", "origin": "gen26599@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "c0ffee00-0000-4000-8000-000000000003", "reply_to": "305ffd02-9ec2-3226-ba63-d3d64e6563a1", "origin": "gen26599@vm", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "a0afccf1-78d9-4768-93a2-006def7c744d"}}
    """#

  /// What it stored meanwhile (the traceback shortened to a frame before and after).
  static let firstRetryState = #"""
    {"status": "RETRY", "result": {"exc_type": "ConnectionError", "exc_message": ["flaky failed"], "exc_module": "builtins"}, "traceback": "Traceback (most recent call last):\n  File \"/tmp/lab.py\", line 72, in flaky\nConnectionError: flaky failed\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File \"celery/app/task.py\", line 963, in retry\ncelery.exceptions.Retry: Retry in 0.5s: ConnectionError('flaky failed')\n", "children": [[["c0ffee00-0000-4000-8000-000000000003", null], null]], "date_done": null, "task_id": "c0ffee00-0000-4000-8000-000000000003"}
    """#

  /// The second retry, sent from the run of the first.
  static let secondRetry = #"""
    {"body": "W1sxLjBdLCB7fSwgeyJjYWxsYmFja3MiOiBudWxsLCAiZXJyYmFja3MiOiBudWxsLCAiY2hhaW4iOiBudWxsLCAiY2hvcmQiOiBudWxsfV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "flaky", "id": "c0ffee00-0000-4000-8000-000000000003", "shadow": null, "eta": "2026-12-01T05:02:04.522003+00:00", "expires": null, "group": null, "group_index": null, "retries": 2, "timelimit": [null, null], "root_id": "c0ffee00-0000-4000-8000-000000000003", "parent_id": "c0ffee00-0000-4000-8000-000000000003", "argsrepr": "(1.0,)", "kwargsrepr": "{}", "origin": "gen26599@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "c0ffee00-0000-4000-8000-000000000003", "reply_to": "305ffd02-9ec2-3226-ba63-d3d64e6563a1", "origin": "gen26599@vm", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "66e26ec8-5557-4259-bc52-8cba8ebfff0e"}}
    """#

  /// What the run of the first retry stored: its parent, itself, in the meta now.
  static let secondRetryState = #"""
    {"status": "RETRY", "result": {"exc_type": "ConnectionError", "exc_message": ["flaky failed"], "exc_module": "builtins"}, "traceback": "Traceback (most recent call last):\n  File \"/tmp/lab.py\", line 72, in flaky\nConnectionError: flaky failed\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File \"celery/app/task.py\", line 963, in retry\ncelery.exceptions.Retry: Retry in 0.5s: ConnectionError('flaky failed')\n", "children": [[["c0ffee00-0000-4000-8000-000000000003", null], null]], "date_done": null, "parent_id": "c0ffee00-0000-4000-8000-000000000003", "task_id": "c0ffee00-0000-4000-8000-000000000003"}
    """#

  /// What a Celery worker (prefork) stored for a `sleep(30)` it was running when
  /// `app.control.revoke(id, terminate=True)` came.
  static let terminated = #"""
    {"status": "REVOKED", "result": {"exc_type": "TaskRevokedError", "exc_message": ["terminated"], "exc_module": "celery.exceptions"}, "traceback": null, "children": [], "date_done": "2026-12-01T04:56:16.884209+00:00", "task_id": "f9edc608-a467-4d86-941d-711f054137ab"}
    """#

  /// That revoke's body, as `app.control.revoke` published it on `/0.celery.pidbox`.
  static let terminateBody = #"""
    {"method": "revoke", "arguments": {"task_id": "f9edc608-a467-4d86-941d-711f054137ab", "terminate": true, "signal": "SIGTERM"}, "destination": null, "pattern": null, "matcher": null}
    """#

  func testARetryIsTheMessageCelerysWorkerSends() throws {
    let sent = try CeleryEnvelope(json: Self.sent)
    let first = try CeleryEnvelope(json: Self.firstRetry)
    let at = try XCTUnwrap(first.eta.flatMap(CeleryTime.date)).addingTimeInterval(-0.5)
    XCTAssertEqual(
      sent.retry(countdown: 0.5, now: at, deliveryTag: first.deliveryTag).json, Self.firstRetry,
      "byte for byte: one retry more, due in 0.5s, the task its own parent, origin in the properties")
    let second = try CeleryEnvelope(json: Self.secondRetry)
    let then = try XCTUnwrap(second.eta.flatMap(CeleryTime.date)).addingTimeInterval(-0.5)
    XCTAssertEqual(first.retry(countdown: 0.5, now: then, deliveryTag: second.deliveryTag).json, Self.secondRetry)
    XCTAssertEqual(second.retries, 2)
    XCTAssertEqual(second.parentID, sent.id)
  }

  func testRetryIsStoredAsCelerysBackendStoresIt() throws {
    for (text, parent) in [
      (Self.firstRetryState, nil), (Self.secondRetryState, "c0ffee00-0000-4000-8000-000000000003"),
    ] {
      let celery = try CeleryResult(json: text)
      XCTAssertEqual(celery.json, text, "read and written back the same")
      var lab = CeleryResult.retry(
        taskID: celery.taskID, type: "ConnectionError", message: "flaky failed", countdown: "0.5")
      lab.parentID = parent
      XCTAssertEqual(
        lab.traceback?.split(separator: "\n").last, celery.traceback?.split(separator: "\n").last,
        "the traceback ends in the Retry Celery raised")
      lab.traceback = celery.traceback
      XCTAssertEqual(lab.json, text, "RETRY: the exception, the retry as a child, no date_done")
      XCTAssertEqual(lab.errorText, "ConnectionError: flaky failed")
    }
  }

  func testATerminatedTaskIsRevokedAsCelerysWorkerStoresIt() throws {
    let celery = try CeleryResult(json: Self.terminated)
    let lab = CeleryResult.revoked(taskID: celery.taskID, reason: "terminated", dateDone: celery.dateDone ?? "")
    XCTAssertEqual(lab.json, Self.terminated)
    XCTAssertEqual(lab.revokedReason, "terminated")
  }

  func testRevokeWithTerminateIsCelerysBroadcast() throws {
    let id = "f9edc608-a467-4d86-941d-711f054137ab"
    let envelope = try JSONText.decode(CeleryControl.revoke(id, terminate: true))
    let body = try XCTUnwrap(envelope["body"]?.stringValue.flatMap { Data(base64Encoded: $0) })
    XCTAssertEqual(String(decoding: body, as: UTF8.self), Self.terminateBody)
    let heard = try XCTUnwrap(
      CeleryControl.read(Array(CeleryControl.revoke(id, terminate: true, signal: "SIGKILL").utf8)))
    XCTAssertEqual(heard, CeleryControl.Broadcast(method: "revoke", taskIDs: [id], terminate: true, signal: "SIGKILL"))
  }

  /// Signal names as Celery's `signals.signum` takes them, and refuses them.
  func testSignalsAreNamedAsCeleryNamesThem() {
    XCTAssertEqual(CelerySignal.signum("TERM")?.number, SIGTERM)
    XCTAssertEqual(CelerySignal.signum("SIGKILL")?.number, 9)
    XCTAssertNil(CelerySignal.signum("sigterm"))
    XCTAssertNil(CelerySignal.signum("SIGFOO"))
    XCTAssertEqual(CelerySignal.refusal("sigterm"), "TypeError('signal name must be uppercase string.')")
    XCTAssertEqual(CelerySignal.refusal("FOO"), #"AttributeError("module 'signal' has no attribute 'SIGFOO'")"#)
  }

  /// `get_exponential_backoff_interval(factor=1, retries, maximum=600, full_jitter=True)`: a
  /// whole number of seconds from 0 up to 2^retries, at most 600; without backoff the delay.
  func testABackoffDrawsUpToTwiceAsLongEachRetry() {
    func wait(_ retries: Int, _ draw: Double) -> Double {
      CeleryRetry.countdown(retries: retries, delay: 180, backoff: true, draw: draw)
    }
    XCTAssertEqual((0..<3).map { wait($0, 0.999) }, [1, 2, 4], "the top of each range")
    XCTAssertEqual(wait(3, 0), 0, "full jitter starts at 0")
    XCTAssertEqual(wait(12, 0.999), 600, "retry_backoff_max")
    XCTAssertEqual(CeleryRetry.countdown(retries: 5, delay: 0.2, backoff: false, draw: 0.7), 0.2)
    XCTAssertEqual(CeleryRetry.seconds(180), "180")
    XCTAssertEqual(CeleryRetry.seconds(0.2), "0.2")
  }
}
