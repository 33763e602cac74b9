import DistLab
import XCTest

@testable import DistLabTasks

/// A task message travels as a map: every field the lab uses must come back as it was sent,
/// and what is not a task message must be refused, by the worker's reader and the broker's.
final class TaskMessageValueTests: XCTestCase {
  func testEveryFieldComesBackAsItWasSent() throws {
    var m = TaskMessage(
      id: "T7", task: "sleep", args: [.int(5), .string("x")], queue: "slow", eta: .seconds(30),
      expires: .seconds(90), retries: 2, maxRetries: 5, redelivered: true)
    m.retryBackoff = true
    m.idempotencyKey = "order-17"
    m.softTimeLimit = .seconds(10)
    m.timeLimit = .seconds(20)
    m.chain = [TaskLink(id: "T8", task: "add", args: [.int(1)])]
    m.chord = ChordPart(size: 3, index: 1, body: TaskLink(id: "T9", task: "xsum", args: []))
    XCTAssertEqual(TaskMessage(m.value), m)
    let plain = TaskMessage(id: "T1", task: "add", args: [.int(2), .int(3)])
    XCTAssertEqual(TaskMessage(plain.value), plain)
    XCTAssertEqual(TaskMessage(plain.value)?.queue, "celery")
  }

  func testTheFirstEntryUnderAKeyCounts() throws {
    let v = Value.map([
      MapEntry(.string("id"), .string("T1")), MapEntry(.string("task"), .string("add")),
      MapEntry(.string("args"), .list([])), MapEntry(.string("queue"), .string("celery")),
      MapEntry(.string("retries"), .int(1)), MapEntry(.string("retries"), .int(9)),
      MapEntry(.string("id"), .string("T2")),
    ])
    let m = try XCTUnwrap(TaskMessage(v))
    XCTAssertEqual(m.id, "T1")
    XCTAssertEqual(m.retries, 1)
    let held = try XCTUnwrap(QueuedMessage(v))
    XCTAssertEqual(held.id, "T1")
    XCTAssertEqual(held.value, v, "the broker keeps the message as it was published")
  }

  func testWhatIsNotATaskMessageIsRefused() {
    let whole: [MapEntry] = [
      MapEntry(.string("id"), .string("T1")), MapEntry(.string("task"), .string("add")),
      MapEntry(.string("args"), .list([])), MapEntry(.string("queue"), .string("celery")),
    ]
    XCTAssertNotNil(TaskMessage(.map(whole)))
    for missing in whole.indices {
      var entries = whole
      entries.remove(at: missing)
      XCTAssertNil(TaskMessage(.map(entries)), "without \(whole[missing].key)")
      XCTAssertNil(QueuedMessage(.map(entries)), "without \(whole[missing].key)")
    }
    var wrongType = whole
    wrongType[2] = MapEntry(.string("args"), .string("2 3"))
    XCTAssertNil(TaskMessage(.map(wrongType)))
    XCTAssertNil(QueuedMessage(.map(wrongType)))
    XCTAssertNil(TaskMessage(.list([.string("T1")])))
    XCTAssertNil(QueuedMessage(.int(1)))
  }

  func testARedeliveredCopyIsMarkedAndOtherwiseTheSame() throws {
    let m = TaskMessage(id: "T3", task: "add", args: [.int(1), .int(2)], queue: "q", eta: .seconds(4))
    let again = try XCTUnwrap(TaskMessage(QueuedMessage(m).redelivered.value))
    XCTAssertTrue(again.redelivered)
    var expected = m
    expected.redelivered = true
    XCTAssertEqual(again, expected)
  }
}
