import XCTest

@testable import DistLab
@testable import DistLabNet

/// What travels between the shell and node processes besides frames: the stamp before each
/// frame, a node's events on their way to the shell, and the network model as one node's rules.
final class WireTests: XCTestCase {
  func testAStampCarriesCountAndClockAndKeepsTheFrameWhole() throws {
    let frame = FrameCodec.encode(Frame(kind: .request, callID: 9, method: "add", args: [.int(1), .int(2)]))
    let unit = Stamp.wrap(frame, seq: (2 << 40) + 7, clock: 1234)
    XCTAssertEqual(unit.count, frame.count + Stamp.headerSize)
    XCTAssertEqual(
      Int(unit[0..<4].reduce(0) { $0 << 8 | UInt32($1) }), unit.count - 4, "the unit keeps a length prefix")
    let (seq, clock, inner) = try XCTUnwrap(Stamp.unwrap(unit))
    XCTAssertEqual(seq, (2 << 40) + 7)
    XCTAssertEqual(clock, 1234)
    XCTAssertEqual(inner, frame)
    XCTAssertNil(Stamp.unwrap(frame), "a bare frame is not stamped")
  }

  func testEveryTraceDetailSurvivesTheTripToTheShell() throws {
    let details: [TraceDetail] = [
      .none, .dropped(.partition), .dropped(.cut), .dropped(.loss), .dropped(.nodeDown), .region("eu-west"),
      .incarnation(3), .exec(method: "add", callID: 7), .dedupAnswered(callID: 8), .dedupIgnored(callID: 9),
      .retry(callID: 10, attempt: 2), .gaveUp(callID: 11, attempts: 3), .pastHorizon, .text("hello"),
      .event(topic: "task.started", values: [.string("T1"), .int(2)]),
    ]
    for d in details {
      let e = NodeEvent(
        time: .milliseconds(5), kind: .note, peer: NodeID(3), seq: 42, clock: 17, bytes: [1, 2, 3], detail: d,
        atReceiver: true)
      XCTAssertEqual(TraceWire.decode(TraceWire.encode(e)), e, "\(d)")
    }
    XCTAssertNil(TraceWire.decode(.list([.int(1)])), "a malformed event is refused, not guessed")
  }

  func testANodesRulesAreTheNetworkSeenFromThatNode() throws {
    var network = NetworkConfig()
    let (a, b, c) = (NodeID(1), NodeID(2), NodeID(3))
    network.partitions = [[[a], [b, c]]]
    network.cuts = [DirectedLink(from: b, to: c)]
    network.loss = 0.25
    network.linkLatency[Link(a, c)] = .uniform(mean: .milliseconds(8), spread: .milliseconds(2))
    let fromA = LinkRules(network: network, me: a, others: [a, b, c])
    XCTAssertEqual(fromA.rules[b]?.block, .partition)
    XCTAssertEqual(fromA.rules[c]?.latency, .uniform(mean: .milliseconds(8), spread: .milliseconds(2)))
    XCTAssertEqual(fromA.rules[.client]?.block, nil, "the shell is reachable from every side")
    XCTAssertNil(fromA.rules[a], "no rule for itself")
    let fromB = LinkRules(network: network, me: b, others: [a, b, c])
    XCTAssertEqual(fromB.rules[c]?.block, .cut)
    XCTAssertEqual(LinkRules(network: network, me: c, others: [a, b, c]).rules[b]?.block, nil, "a cut is one-way")
    XCTAssertEqual(fromB.rules[c]?.loss, 0.25)
    XCTAssertEqual(LinkRules(wire: fromA.wire), fromA, "the wire form loses nothing")
    XCTAssertNil(LinkRules(wire: [.list([.int(2), .string("flood")])]), "a malformed rule is refused")
  }
}
