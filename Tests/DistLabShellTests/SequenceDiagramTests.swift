import DistLab
import XCTest

@testable import DistLabShell

final class SequenceDiagramTests: XCTestCase {
  let cli = NodeID.client
  let n1 = NodeID(1)
  let n2 = NodeID(2)
  let n3 = NodeID(3)
  let names: [NodeID: String] = [NodeID(0): "cli", NodeID(1): "n1", NodeID(2): "n2", NodeID(3): "n3"]

  func ms(_ v: Double) -> Nanoseconds { .milliseconds(v) }

  func request(_ method: String, _ args: Value..., id: UInt32 = 1) -> [UInt8] {
    FrameCodec.encode(Frame(kind: .request, callID: id, method: method, args: args))
  }

  func reply(_ value: Value, id: UInt32 = 1) -> [UInt8] {
    FrameCodec.encode(Frame(kind: .reply, callID: id, method: "add", args: [value]))
  }

  func text(_ s: String) -> [UInt8] { FrameCodec.encode(Frame.message(s)) }

  func send(_ t: Double, _ from: NodeID, _ to: NodeID, _ id: Int, _ bytes: [UInt8]) -> TraceEvent {
    TraceEvent(time: ms(t), kind: .send, node: from, peer: to, messageID: id, bytes: bytes)
  }

  func deliver(_ t: Double, _ from: NodeID, _ to: NodeID, _ id: Int, _ bytes: [UInt8], latency: Double) -> TraceEvent {
    TraceEvent(time: ms(t), kind: .deliver, node: to, peer: from, messageID: id, bytes: bytes, latency: ms(latency))
  }

  func render(_ events: [TraceEvent], _ columns: [NodeID]? = nil, style: Style = .plain, width: Int = 100) -> String {
    SequenceDiagram.render(events: events, columns: columns ?? [cli, n1, n2], names: names, style: style, width: width)
  }

  func lines(_ s: String) -> [String] { s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }

  /// The lesson 01 picture: a call and its reply, a lost message, a killed node, a message in flight.
  var exchange: [TraceEvent] {
    [
      send(0, cli, n1, 1, request("add", .int(10), .int(20))),
      send(0, cli, n2, 2, text("hello")),
      // A drop names the receiver the message was meant for (node) and its sender (peer).
      TraceEvent(
        time: ms(0), kind: .drop, node: n2, peer: cli, messageID: 2, bytes: text("hello"), detail: .dropped(.loss)),
      deliver(2, cli, n1, 1, request("add", .int(10), .int(20)), latency: 2),
      TraceEvent(time: ms(2), kind: .exec, node: n1, detail: .exec(method: "add", callID: 1)),
      send(2, n1, cli, 3, reply(.int(30))),
      deliver(3, n1, cli, 3, reply(.int(30)), latency: 1),
      TraceEvent(time: ms(4), kind: .kill, node: n2),
      send(5, cli, n2, 4, text("ping")),
      // Reaching a node that is down.
      TraceEvent(
        time: ms(6), kind: .drop, node: n2, peer: cli, messageID: 4, bytes: text("ping"), detail: .dropped(.nodeDown)),
      TraceEvent(time: ms(7), kind: .restart, node: n2, detail: .incarnation(2)),
      send(8, cli, n2, 5, text("again")),
    ]
  }

  func testGoldenThreeNodeExchange() {
    let expected = """
             cli          n1          n2
      0.000s  ├────────────✗          │   m2 hello dropped: loss
      0.002s  ├──────────▶│           │   m1 add(10, 20) 2ms
      0.002s  │           •           │   n1 exec add rpc#1
      0.003s  │◀──────────┤           │   m3 reply 30 1ms
      0.004s  │           │           ✗   n2 killed
      0.006s  ├────────────✗          ┊   m4 ping dropped: node down
      0.007s  │           │           ↻   n2 restarted (incarnation 2)
      0.008s  ├────────────…          │   m5 again in flight
      """
    let got = render(exchange)
    XCTAssertEqual(got, expected)
    for (g, e) in zip(lines(got), lines(expected)) where g != e { XCTFail("line differs:\n\(g)\n\(e)") }
  }

  func testEmptyEvents() {
    XCTAssertEqual(render([]), "(no events)")
    XCTAssertEqual(render([], style: Style(colour: true)), "(no events)")
  }

  func testArrowsPointFromSenderToReceiver() {
    let call = request("add", .int(1), .int(2))
    let out = lines(
      render(
        [deliver(1, cli, n1, 7, call, latency: 1), deliver(2, n1, cli, 8, reply(.int(3)), latency: 1)], [cli, n1]))
    XCTAssertEqual(out.count, 3)
    XCTAssertEqual(out[1], "0.001s  ├──────────▶│   m7 add(1, 2) 1ms")
    XCTAssertEqual(out[2], "0.002s  │◀──────────┤   m8 reply 3 1ms")
  }

  func testRightToLeftReplyAcrossAMiddleLifeline() {
    let out = lines(render([deliver(1, n2, cli, 4, reply(.int(30)), latency: 0.25)]))
    // The reply crosses n1's lifeline with ─ and its head rests against cli's lifeline.
    XCTAssertEqual(out[1], "0.001s  │◀──────────────────────┤   m4 reply 30 250µs")
  }

  func testDropShowsCrossAndReason() {
    // Without a send in the trace, the drop's peer is the sender: n2 sent to cli, right to left.
    let drop = TraceEvent(
      time: ms(3), kind: .drop, node: cli, peer: n2, messageID: 9, bytes: text("hi"), detail: .dropped(.partition))
    let out = lines(render([drop]))
    XCTAssertEqual(out[1], "0.003s  │          ✗────────────┤   m9 hi dropped: partition")
    // Between neighbours the cross sits halfway.
    let near = TraceEvent(time: ms(3), kind: .drop, node: n2, peer: n1, messageID: 10, detail: .dropped(.cut))
    XCTAssertEqual(lines(render([near]))[1], "0.003s  │           ├─────✗     │   m10 dropped: cut")
  }

  func testSelfMessageAndUnnamedColumns() {
    let events = [
      deliver(1, n3, n3, 2, text("tick"), latency: 0),
      TraceEvent(time: ms(2), kind: .drop, node: n3, peer: n3, messageID: 3, detail: .dropped(.loss)),
    ]
    XCTAssertEqual(
      lines(SequenceDiagram.render(events: events, columns: [cli, n3], names: [:], style: .plain)),
      [
        "       cli          #3",
        "0.001s  │           ◆   m2 tick 0s (to itself)",
        "0.002s  │           ✗   m3 dropped: loss",
      ])
  }

  func testKilledNodeHasDottedLifelineUntilRestart() {
    let events = [
      deliver(1, cli, n1, 1, text("a"), latency: 1),
      TraceEvent(time: ms(2), kind: .kill, node: n1),
      deliver(3, cli, n2, 2, text("b"), latency: 1),
      TraceEvent(time: ms(4), kind: .note, node: n2, detail: .text("still here")),
      TraceEvent(time: ms(5), kind: .restart, node: n1),
      deliver(6, cli, n2, 3, text("c"), latency: 1),
    ]
    let out = lines(render(events))
    XCTAssertEqual(
      out,
      [
        "       cli          n1          n2",
        "0.001s  ├──────────▶│           │   m1 a 1ms",
        "0.002s  │           ✗           │   n1 killed",
        "0.003s  ├──────────────────────▶│   m2 b 1ms",
        "0.004s  │           ┊           •   n2 still here",
        "0.005s  │           ↻           │   n1 restarted",
        "0.006s  ├──────────────────────▶│   m3 c 1ms",
      ])
    // The arrow to n2 crosses n1's dotted lifeline.
    XCTAssertFalse(out[3].contains("┊"))
  }

  func testSkipsEventsOutsideTheColumns() {
    let events = [
      deliver(1, cli, n3, 1, text("a"), latency: 1),
      deliver(2, n3, n1, 2, text("b"), latency: 1),
      TraceEvent(time: ms(3), kind: .kill, node: n3),
      deliver(4, cli, n1, 3, text("c"), latency: 1),
    ]
    let out = lines(render(events, [cli, n1]))
    XCTAssertEqual(out, ["       cli          n1", "0.004s  ├──────────▶│   m3 c 1ms"])
    XCTAssertEqual(render(Array(events.prefix(3)), [cli, n1]), "(no events)")
  }

  func testColumnsFollowTheGivenOrder() {
    let out = lines(render([deliver(1, cli, n1, 1, text("a"), latency: 1)], [n1, cli]))
    XCTAssertEqual(out[0], "        n1         cli")
    XCTAssertEqual(out[1], "0.001s  │◀──────────┤   m1 a 1ms")
  }

  func testDuplicateDeliveryIsMarked() {
    let events = [
      send(1, cli, n1, 5, text("once")),
      TraceEvent(time: ms(1), kind: .duplicate, node: cli, peer: n1, messageID: 5, bytes: text("once")),
      deliver(2, cli, n1, 5, text("once"), latency: 1),
      deliver(4, cli, n1, 5, text("once"), latency: 3),
    ]
    XCTAssertEqual(
      lines(render(events, [cli, n1])),
      [
        "       cli          n1",
        "0.002s  ├──────────▶│   m5 once 1ms",
        "0.004s  ├──────────▶│   m5 once 3ms (dup)",
      ])
  }

  func testOnlyUnsettledSendsAreDrawnInFlight() {
    let events = [
      send(1, n1, n2, 1, text("late")),
      send(1, n1, n2, 2, text("early")),
      deliver(2, n1, n2, 2, text("early"), latency: 1),
    ]
    XCTAssertEqual(
      lines(render(events, [n1, n2])),
      [
        "        n1          n2",
        "0.001s  ├─────…     │   m1 late in flight",
        "0.002s  ├──────────▶│   m2 early 1ms",
      ])
  }

  func testNodeMarkers() {
    let events: [TraceEvent] = [
      TraceEvent(time: ms(0), kind: .spawn, node: n1, detail: .region("eu")),
      TraceEvent(time: ms(1), kind: .pause, node: n1),
      TraceEvent(time: ms(2), kind: .resume, node: n1),
      TraceEvent(time: ms(3), kind: .timer, node: n1),
      TraceEvent(time: ms(4), kind: .dedup, node: n1, detail: .dedupAnswered(callID: 2)),
    ]
    XCTAssertEqual(
      lines(render(events, [cli, n1])),
      [
        "       cli          n1",
        "0.000s  │           ●   n1 spawned (eu)",
        "0.001s  │           ⏸   n1 paused",
        "0.002s  │           ▶   n1 resumed",
        "0.003s  │           •   n1 timer",
        "0.004s  │           •   n1 dedup rpc#2 answered from the table",
      ])
  }

  func testNoTrailingSpacesAndPlainHasNoEscapes() {
    for style in [Style.plain, Style(colour: true)] {
      let out = render(exchange, [cli, n1, n2, n3], style: style)
      for line in lines(out) {
        XCTAssertFalse(line.hasSuffix(" "), "trailing space in \(line.debugDescription)")
      }
    }
    let plain = render(exchange)
    XCTAssertFalse(plain.utf8.contains(0x1B))
  }

  func testColourWrapsDropsNodeEventsAndTimes() {
    let coloured = render(exchange, style: Style(colour: true))
    XCTAssertTrue(coloured.contains("\u{1B}[31m├────────────✗\u{1B}[0m"))
    XCTAssertTrue(coloured.contains("\u{1B}[31mdropped: loss\u{1B}[0m"))
    XCTAssertTrue(coloured.contains("\u{1B}[33m✗\u{1B}[0m"))
    XCTAssertTrue(coloured.contains("\u{1B}[2m0.004s\u{1B}[0m"))
    XCTAssertEqual(stripEscapes(coloured), render(exchange))
  }

  func testDeterministic() {
    XCTAssertEqual(Array(render(exchange).utf8), Array(render(exchange).utf8))
    let many = (1...12).map { NodeID($0) }
    var bigNames: [NodeID: String] = [:]
    for id in many { bigNames[id] = "node-\(id.number)" }
    let events = (1...11).map { i in
      deliver(Double(i), NodeID(i), NodeID(i + 1), i, text("hop"), latency: 1)
    }
    let a = SequenceDiagram.render(events: events, columns: many, names: bigNames, style: .plain)
    let b = SequenceDiagram.render(events: events, columns: many, names: bigNames, style: .plain)
    XCTAssertEqual(a, b)
  }

  func testSpacingFitsTheWidthAndWidensWithManyColumns() {
    // A handful of columns stays within the width.
    let few = render(exchange, [cli, n1, n2, n3])
    XCTAssertLessThanOrEqual(lines(few).map(\.count).max() ?? 0, 100)
    // A narrower width draws the same picture closer together.
    let narrow = render(exchange, width: 60)
    XCTAssertLessThanOrEqual(lines(narrow).map(\.count).max() ?? 0, 60)
    XCTAssertTrue(narrow.contains("0.002s  ├────────▶│         │   m1 add(10, 20) 2ms"), narrow)
    // Twenty columns keep the minimum spacing and let the line grow.
    let many = (0...19).map { NodeID($0) }
    var manyNames: [NodeID: String] = [:]
    for id in many { manyNames[id] = id.isClient ? "cli" : "n\(id.number)" }
    let wide = SequenceDiagram.render(
      events: [deliver(1, cli, NodeID(19), 1, text("far"), latency: 1)], columns: many, names: manyNames,
      style: .plain)
    let arrow = lines(wide)[1]
    XCTAssertTrue(arrow.hasPrefix("0.001s  ├" + String(repeating: "─", count: 19 * 8 - 2) + "▶│"), arrow)
    XCTAssertGreaterThan(arrow.count, 100)
  }

  func testLongNamesWidenTheSpacing() {
    let long: [NodeID: String] = [cli: "cli", n1: "coordinator", n2: "replica-2"]
    let out = lines(
      SequenceDiagram.render(
        events: [deliver(1, n1, n2, 1, text("x"), latency: 1)], columns: [cli, n1, n2], names: long, style: .plain))
    XCTAssertEqual(out[0], "       cli      coordinator   replica-2")
    XCTAssertEqual(out[1], "0.001s  │            ├───────────▶│   m1 x 1ms")
  }

  func testLongLabelsAreShortenedToTheWidth() {
    let big = request("put", .string(String(repeating: "k", count: 200)), .int(1))
    let out = lines(render([deliver(1, cli, n1, 1, big, latency: 1)], [cli, n1]))
    XCTAssertEqual(out[1].count, 100)
    XCTAssertTrue(out[1].hasSuffix("k… 1ms"), out[1])
    XCTAssertTrue(out[1].hasPrefix("0.001s  ├──────────▶│   m1 put(kkk"), out[1])
  }

  func testControlCharactersAreEscaped() {
    let events = [
      deliver(1, cli, n1, 1, text("a\u{1B}[2Jb"), latency: 1),
      TraceEvent(time: ms(2), kind: .note, node: n1, detail: .text("line\nbreak")),
    ]
    let out = render(events, [cli, n1])
    XCTAssertFalse(out.utf8.contains(0x1B))
    XCTAssertEqual(lines(out).count, 3)
    XCTAssertTrue(out.contains("n1 line\\nbreak"), out)
  }

  func testRendersARealWorldTrace() throws {
    // The world's own trace: a call to n1, then a message to n2 after it was killed.
    let world = World()
    let nodes = try world.spawn(count: 2)
    let (a, b) = (nodes[0].id, nodes[1].id)
    _ = try world.call(to: a, method: "add", args: [.int(10), .int(20)])
    _ = try world.kill([b])
    _ = try world.send(from: .client, to: b, texts: ["ping"])
    var worldNames: [NodeID: String] = [.client: "cli"]
    for n in world.allNodes { worldNames[n.id] = n.name }
    let out = lines(
      SequenceDiagram.render(
        events: world.trace.ordered, columns: [.client, a, b], names: worldNames, style: .plain))
    let call = try XCTUnwrap(out.first { $0.contains("add(10, 20)") })
    XCTAssertTrue(call.contains("├──────────▶│"), call)
    let reply = try XCTUnwrap(out.first { $0.contains("reply 30") })
    XCTAssertTrue(reply.contains("│◀──────────┤"), reply)
    let drop = try XCTUnwrap(out.first { $0.contains("dropped: node down") })
    XCTAssertTrue(drop.contains("├────────────✗          ┊"), drop)
    XCTAssertTrue(out.contains { $0.hasSuffix("✗   \(worldNames[b]!) killed") }, out.joined(separator: "\n"))
  }

  func stripEscapes(_ s: String) -> String {
    var out = ""
    var inEscape = false
    for c in s.unicodeScalars {
      if inEscape {
        if c == "m" { inEscape = false }
      } else if c == "\u{1B}" {
        inEscape = true
      } else {
        out.unicodeScalars.append(c)
      }
    }
    return out
  }
}

extension SequenceDiagramTests {
  /// A bulk message's label is cut to 200 characters, so a trace of a large shard load stays
  /// short to draw and to read (its labels were once 30 KB each and took minutes to shorten).
  func testABulkMessagesLabelIsBounded() {
    let frame = Frame(
      kind: .request, callID: 1, method: "kv.mput", args: [.list((0..<2000).map { .string("key-\($0)") })])
    let label = FrameLabel.short(frame)
    XCTAssertEqual(label.count, FrameLabel.maxCharacters)
    XCTAssertTrue(label.hasPrefix("kv.mput([key-0, key-1, "))
    XCTAssertTrue(label.hasSuffix("…"))
    let s = ShellSession(style: Style(colour: false, columns: 120))
    runOK(s, ["spawn 4", "shard use ring", "shard load 10000"])
    for line in runOK(s, ["trace"]).split(separator: "\n") {
      XCTAssertLessThanOrEqual(TextWidth.of(String(line)), 120, String(line))
    }
  }
}
