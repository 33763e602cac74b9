import DistLab
import XCTest

@testable import DistLabShell

/// Happens-before rebuilt from Lamport clocks and message pairings: what the process-mode
/// trace marks as an uncertain order, and what it knows for sure.
final class CausalOrderTests: XCTestCase {
  static func event(
    _ kind: TraceEvent.Kind, at node: Int, peer: Int? = nil, id: Int? = nil, ms: Double, clock: UInt64,
    error: Double = 0.1
  ) -> TraceEvent {
    var e = TraceEvent(
      time: .milliseconds(ms), kind: kind, node: NodeID(node), peer: peer.map { NodeID($0) }, messageID: id)
    e.clock = clock
    e.timeError = .milliseconds(error)
    return e
  }

  func testADeliveryIsAfterItsSendWhateverTheClocksSayAndAnUnrelatedEventIsUncertain() {
    // n1 sends m1 to n2; n2's clock reads slow, so the delivery looks earlier than the send.
    // n3 does something on its own at about the same time.
    let events = [
      Self.event(.send, at: 1, peer: 2, id: 1, ms: 10.00, clock: 1),
      Self.event(.deliver, at: 2, peer: 1, id: 1, ms: 9.95, clock: 2),
      Self.event(.exec, at: 3, ms: 10.02, clock: 1),
      Self.event(.send, at: 2, peer: 3, id: 2, ms: 12.0, clock: 3),
      Self.event(.deliver, at: 3, peer: 2, id: 2, ms: 13.0, clock: 4),
    ]
    let order = CausalOrder(events)
    XCTAssertTrue(order.happenedBefore(0, 1), "a send happens before its delivery")
    XCTAssertFalse(order.happenedBefore(1, 0))
    XCTAssertTrue(order.happenedBefore(0, 4), "through n2's message to n3")
    XCTAssertFalse(order.happenedBefore(2, 1) || order.happenedBefore(1, 2), "n3's own event is concurrent")
    XCTAssertTrue(order.happenedBefore(2, 4), "n3's earlier event comes before what n3 receives later")
    XCTAssertFalse(order.uncertain(events, 0, 1), "cause and effect are never uncertain")
    XCTAssertTrue(order.uncertain(events, 1, 2), "50 µs apart with 100 µs of error each, and unrelated")
    XCTAssertFalse(order.uncertain(events, 3, 4))
    XCTAssertEqual(CausalOrder.lamportOrder(events), [0, 2, 1, 3, 4])
  }

  func testEventsFarApartOrOnOneNodeAreCertain() {
    let events = [
      Self.event(.exec, at: 1, ms: 1, clock: 1),
      Self.event(.exec, at: 2, ms: 5, clock: 1),
      Self.event(.exec, at: 2, ms: 5.01, clock: 2),
    ]
    let order = CausalOrder(events)
    XCTAssertFalse(order.uncertain(events, 0, 1), "4 ms apart is beyond the clocks' error")
    XCTAssertFalse(order.uncertain(events, 1, 2), "one node's events keep their order")
  }
}
