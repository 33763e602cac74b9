import DistLab
import DistLabTasks
import Foundation
import XCTest

/// The lab's messages and results in the exact shapes Celery 5.7 and kombu 5.7 put in Redis:
/// the samples here were read out of a real Redis that a real Celery client and worker used
/// (the failure's traceback shortened to its last frame).
final class CeleryWireTests: XCTestCase {
  /// `add.apply_async((10, 20), task_id=…)`, as kombu LPUSHed it onto the `celery` list.
  static let addMessage = #"""
    {"body": "W1sxMCwgMjBdLCB7fSwgeyJjYWxsYmFja3MiOiBudWxsLCAiZXJyYmFja3MiOiBudWxsLCAiY2hhaW4iOiBudWxsLCAiY2hvcmQiOiBudWxsfV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "add", "id": "c0ffee00-0000-4000-8000-000000000001", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "c0ffee00-0000-4000-8000-000000000001", "parent_id": null, "argsrepr": "(10, 20)", "kwargsrepr": "{}", "origin": "gen19216@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "c0ffee00-0000-4000-8000-000000000001", "reply_to": "747e88af-acce-3d1e-8e89-da7dd8cf2d28", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "3429392d-1aae-4ed8-97cf-76ee53e8cbbc"}}
    """#

  /// `sleep.apply_async(('naïve "x"',), countdown=10, expires=60, time_limit=30, soft_time_limit=20)`.
  static let sleepMessage = #"""
    {"body": "W1sibmFcdTAwZWZ2ZSBcInhcIiJdLCB7fSwgeyJjYWxsYmFja3MiOiBudWxsLCAiZXJyYmFja3MiOiBudWxsLCAiY2hhaW4iOiBudWxsLCAiY2hvcmQiOiBudWxsfV0=", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "sleep", "id": "c0ffee00-0000-4000-8000-000000000002", "shadow": null, "eta": "2026-12-01T02:47:27.451805+00:00", "expires": "2026-12-01T02:48:17.451805+00:00", "group": null, "group_index": null, "retries": 0, "timelimit": [30, 20], "root_id": "c0ffee00-0000-4000-8000-000000000002", "parent_id": null, "argsrepr": "('na\u00efve \"x\"',)", "kwargsrepr": "{}", "origin": "gen20742@vm", "ignore_result": false, "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}}, "properties": {"correlation_id": "c0ffee00-0000-4000-8000-000000000002", "reply_to": "814d4275-e7f0-3498-8795-a206333dfbfc", "delivery_mode": 2, "expiration": "60000", "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "d3f8fe4e-c922-4904-852a-a1f6ae92a57f"}}
    """#

  /// What the worker stored under `celery-task-meta-c0ffee00-…-0001` after running it.
  static let success = #"""
    {"status": "SUCCESS", "result": 30, "traceback": null, "children": [], "date_done": "2026-12-01T02:45:31.170404+00:00", "task_id": "c0ffee00-0000-4000-8000-000000000001"}
    """#

  static let failure = #"""
    {"status": "FAILURE", "result": {"exc_type": "ValueError", "exc_message": ["boom"], "exc_module": "builtins"}, "traceback": "Traceback (most recent call last):\n  File \"/tmp/lab.py\", line 6, in fail\nValueError: boom\n", "children": [], "date_done": "2026-12-01T02:45:36.101759+00:00", "task_id": "a405b3b7-a5b7-4b22-b4e7-1b94f619df9a"}
    """#

  func testCeleryPublishesAreReadAsTasks() throws {
    let add = try CeleryEnvelope(json: Self.addMessage)
    XCTAssertEqual(add.task, "add")
    XCTAssertEqual(add.id, "c0ffee00-0000-4000-8000-000000000001")
    XCTAssertEqual(add.args, [.int(10), .int(20)])
    XCTAssertEqual(add.queue, "celery")
    XCTAssertEqual(add.deliveryTag, "3429392d-1aae-4ed8-97cf-76ee53e8cbbc")
    XCTAssertEqual(add.rootID, add.id)
    XCTAssertNil(add.eta)
    XCTAssertFalse(add.redelivered)
    let sleep = try CeleryEnvelope(json: Self.sleepMessage)
    XCTAssertEqual(sleep.args, [.string("naïve \"x\"")])
    XCTAssertEqual(sleep.eta, "2026-12-01T02:47:27.451805+00:00")
    XCTAssertEqual(sleep.expires, "2026-12-01T02:48:17.451805+00:00")
    XCTAssertEqual(sleep.timeLimit, 30)
    XCTAssertEqual(sleep.softTimeLimit, 20)
    let eta = try XCTUnwrap(sleep.eta.flatMap(CeleryTime.date))
    let expires = try XCTUnwrap(sleep.expires.flatMap(CeleryTime.date))
    XCTAssertEqual(expires.timeIntervalSince(eta), 50, accuracy: 1e-6, "countdown 10, expires 60")
  }

  func testTheLabWritesTheSameBytesCeleryDoes() throws {
    var m = CeleryEnvelope(
      task: "add", id: "c0ffee00-0000-4000-8000-000000000001", args: [.int(10), .int(20)], queue: "celery",
      deliveryTag: "3429392d-1aae-4ed8-97cf-76ee53e8cbbc", origin: "gen19216@vm")
    m.replyTo = "747e88af-acce-3d1e-8e89-da7dd8cf2d28"
    XCTAssertEqual(m.json, Self.addMessage, "byte for byte as Celery's client wrote it")
    let sleep = try CeleryEnvelope(json: Self.sleepMessage)
    XCTAssertEqual(try CeleryEnvelope(json: sleep.json), sleep, "what the lab writes it reads back the same")
    XCTAssertTrue(sleep.json.contains(#""argsrepr": "('na\u00efve \"x\"',)""#), "argsrepr as Python's repr")
    XCTAssertTrue(sleep.json.contains(#""timelimit": [30, 20]"#))
  }

  /// kombu's restore marks a message redelivered in its headers and its delivery info.
  func testARestoredMessageIsMarkedRedelivered() throws {
    var m = try CeleryEnvelope(json: Self.addMessage)
    m.redelivered = true
    let text = m.json
    XCTAssertTrue(text.contains(#""stamps": {}, "redelivered": true}"#), text)
    XCTAssertTrue(text.contains(#""routing_key": "celery", "redelivered": true}"#), text)
    XCTAssertTrue(try CeleryEnvelope(json: text).redelivered)
  }

  func testResultsReadAndWriteAsCelerysBackendDoes() throws {
    let ok = try CeleryResult(json: Self.success)
    XCTAssertEqual(ok.state, "SUCCESS")
    XCTAssertEqual(ok.result, .int(30))
    XCTAssertEqual(ok.json, Self.success, "byte for byte as Celery's worker stored it")
    let bad = try CeleryResult(json: Self.failure)
    XCTAssertEqual(bad.errorText, "ValueError: boom")
    XCTAssertEqual(bad.json, Self.failure)
    let made = CeleryResult.failure(taskID: "t", type: "ValueError", message: "boom", dateDone: "d")
    XCTAssertEqual(made.errorText, "ValueError: boom")
    XCTAssertEqual(CeleryResult.key("t"), "celery-task-meta-t")
  }

  func testTimesAreWrittenAsPythonsIsoformat() throws {
    let text = "2026-12-01T02:45:31.170404+00:00"
    XCTAssertEqual(CeleryTime.date(text).map(CeleryTime.iso), text)
    XCTAssertEqual(CeleryTime.date("2026-12-01T04:45:31+02:00"), CeleryTime.date("2026-12-01T02:45:31Z"))
    XCTAssertNil(CeleryTime.date("yesterday"))
  }

  func testWhatIsNotACeleryMessageIsRefusedInALine() {
    func reason(_ text: String) -> String {
      do {
        _ = try CeleryEnvelope(json: text)
        return "accepted"
      } catch {
        return error.description
      }
    }
    XCTAssertEqual(reason("not json"), "not a Celery task message: JSON at byte 0: not a value")
    XCTAssertEqual(
      reason(#"{"headers": {}, "properties": {}, "content-type": "application/json", "body": ""}"#),
      "not a Celery task message: no task name in the headers (task protocol 1, or not a task at all)")
    XCTAssertEqual(
      reason(
        #"{"headers": {"task": "add", "id": "x"}, "properties": {}, "content-type": "application/x-python-serialize", "body": ""}"#
      ),
      "not a Celery task message: content-type application/x-python-serialize, not application/json")
    XCTAssertEqual(
      reason(
        #"{"headers": {"task": "add", "id": "x"}, "properties": {"body_encoding": "base64"}, "content-type": "application/json", "body": "%%%"}"#
      ), "not a Celery task message: the body is not base64")
  }

  /// `(add.s(1, 1) | mul.s(10)).apply_async()`'s body as Celery 5.7 wrote it: the next link
  /// is the embed's last, and runs under the id Celery gave it, with the result first.
  func testAChainsNextLinkIsBuiltAsCelerysWorkerBuildsIt() throws {
    let body =
      #"[[1, 1], {}, {"callbacks": null, "errbacks": null, "chain": [{"task": "mul", "args": [10], "kwargs": {}, "options": {"task_id": "b65ef2bb-28ff-440e-8dc2-589f4e21db4c", "reply_to": "d810f260-84c5-3105-839a-6f5cc267b01c"}, "subtask_type": null, "immutable": false}], "chord": null}]"#
    var m = try CeleryEnvelope(json: Self.addMessage)
    m.chain = try JSONText.decode(body).listValue?[2]["chain"] ?? .null
    let next = try XCTUnwrap(m.next(after: .int(2), deliveryTag: "t", origin: "o"))
    XCTAssertEqual(next.task, "mul")
    XCTAssertEqual(next.id, "b65ef2bb-28ff-440e-8dc2-589f4e21db4c")
    XCTAssertEqual(next.args, [.int(2), .int(10)])
    XCTAssertEqual(next.parentID, m.id)
    XCTAssertEqual(next.rootID, m.rootID)
    XCTAssertEqual(next.replyTo, "d810f260-84c5-3105-839a-6f5cc267b01c")
    XCTAssertNil(next.next(after: .int(20), deliveryTag: "t", origin: "o"), "the last link ends the chain")
  }
}
