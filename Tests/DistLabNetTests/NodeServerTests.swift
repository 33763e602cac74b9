import DistLab
import XCTest

@testable import DistLabNet

/// A node as a process of its own, over real TCP on loopback: its calls answered, and each way
/// a peer can break the stream reported in one line while the node goes on serving.
final class NodeServerTests: XCTestCase {
  /// Lines the server reported, for the tests to read.
  final class Reports: Sendable {
    let lines = Locked<[String]>([])
    var all: [String] { lines.withLock { $0 } }
  }

  func serve(_ reports: Reports = Reports()) throws -> (NodeServer, Int) {
    let server = NodeServer(role: StandardNode.role, name: "n1") { line in reports.lines.withLock { $0.append(line) } }
    let (_, port) = try server.listen(host: "127.0.0.1", port: 0)
    addTeardownBlock { server.stop() }
    return (server, port)
  }

  func testCallsAreAnsweredOverTCP() throws {
    let (_, port) = try serve()
    let peer = try XCTUnwrap(FrameClient(port: port, timeout: .seconds(1)))
    XCTAssertEqual(peer.call("add", [.int(2), .int(3)], id: 7)?.args, [.int(5)])
    XCTAssertEqual(peer.call("kv.put", [.string("k"), .string("v")], id: 8)?.kind, .reply)
    let got = try XCTUnwrap(peer.call("kv.get", [.string("k")], id: 9))
    XCTAssertEqual(got.callID, 9)
    XCTAssertEqual(got.args, [.string("v")])
    // A second peer sees the same node's state.
    let other = try XCTUnwrap(FrameClient(port: port, timeout: .seconds(1)))
    XCTAssertEqual(other.call("kv.get", [.string("k")])?.args, [.string("v")])
    XCTAssertEqual(other.call("nope", [])?.kind, .error)
  }

  func testAFrameOverTheLimitClosesThatPeerOnlyWithOneLine() throws {
    let reports = Reports()
    let (_, port) = try serve(reports)
    let bad = try XCTUnwrap(FrameClient(port: port, timeout: .seconds(1)))
    bad.send([0xff, 0xff, 0xff, 0xff, 1, 2, 3])
    XCTAssertTrue(bad.closedByNode)
    let good = try XCTUnwrap(FrameClient(port: port, timeout: .seconds(1)))
    XCTAssertEqual(good.call("add", [.int(1), .int(1)])?.args, [.int(2)])
    XCTAssertEqual(reports.all.count, 1)
    XCTAssertTrue(reports.all.first?.contains("a frame of 4294967295 bytes") == true, "\(reports.all)")
    XCTAssertFalse(reports.all.first?.contains("\n") ?? true)
  }

  func testAPeerThatLeavesMidFrameIsReportedAndTheNodeGoesOn() throws {
    let reports = Reports()
    let (_, port) = try serve(reports)
    do {
      let quitter = try XCTUnwrap(FrameClient(port: port, timeout: .seconds(1)))
      quitter.send(Array(FrameCodec.encode(Frame(kind: .request, callID: 1, method: "add", args: [.int(1)])).prefix(9)))
    }
    let good = try XCTUnwrap(FrameClient(port: port, timeout: .seconds(1)))
    XCTAssertEqual(good.call("add", [.int(4), .int(4)])?.args, [.int(8)])
    // The report comes when the node sees the stream end; give it a moment.
    for _ in 0..<100 where reports.all.isEmpty { usleep(10_000) }
    XCTAssertTrue(reports.all.first?.contains("disconnected in the middle of a frame (9 of") == true, "\(reports.all)")
  }

  func testGarbageInsideAFrameIsNotAnAnswerAndTheConnectionGoesOn() throws {
    let (server, port) = try serve()
    let peer = try XCTUnwrap(FrameClient(port: port, timeout: .seconds(1)))
    // A well-framed length around bytes that are no frame: dropped as undecodable.
    peer.send([0, 0, 0, 3, 0x99, 0x99, 0x99])
    XCTAssertEqual(peer.call("add", [.int(20), .int(22)])?.args, [.int(42)])
    XCTAssertEqual(try server.status().received, 2)
  }

  /// The shell's control messages are the process's to answer: its status, and pause/resume —
  /// a paused node is alive but silent, and what came meanwhile is handled on resume, in order.
  func testControlMessagesReportStatusAndPauseAndResume() throws {
    let (_, port) = try serve()
    let shell = try XCTUnwrap(FrameClient(port: port, timeout: .seconds(1)))
    let status = try XCTUnwrap(shell.call("ctl.status", []))
    XCTAssertEqual(Array(status.args.prefix(5)), [.string("n1"), .string("standard"), .int(1), .int(0), .bool(false)])
    XCTAssertEqual(shell.call("ctl.pause", [])?.kind, .reply)
    let client = try XCTUnwrap(FrameClient(port: port, timeout: .seconds(1)))
    client.send(FrameCodec.encode(Frame(kind: .request, callID: 5, method: "kv.put", args: [.string("k"), .int(1)])))
    XCTAssertEqual(shell.call("ctl.status", [])?.args[4], .bool(true))
    XCTAssertEqual(shell.call("ctl.resume", [])?.kind, .reply)
    XCTAssertEqual(client.readFrame()?.callID, 5, "the held request is answered on resume")
    XCTAssertEqual(client.call("kv.get", [.string("k")])?.args, [.int(1)])
    XCTAssertEqual(shell.call("ctl.reboot", [])?.kind, .error)
  }

  /// A node started elsewhere is killed and restarted by asking its process: the program is
  /// dropped (requests go unanswered, the disk stays) and a fresh one starts as the next
  /// incarnation; the node's clock and its streamed events answer the shell.
  func testKillRestartClockAndTraceAnswerTheShell() throws {
    let (_, port) = try serve()
    let shell = try XCTUnwrap(FrameClient(port: port, timeout: .milliseconds(300)))
    XCTAssertTrue(shell.send(FrameCodec.encode(Frame(kind: .request, method: "ctl.hello", args: [.int(0)]))))
    let before = try XCTUnwrap(shell.call("ctl.clock", [])?.args.first?.intValue)
    let after = try XCTUnwrap(shell.call("ctl.clock", [])?.args.first?.intValue)
    XCTAssertGreaterThanOrEqual(after, before, "the node's clock does not run backwards")
    XCTAssertEqual(shell.call("kv.put", [.string("k"), .int(1)])?.kind, .reply)
    XCTAssertEqual(shell.call("ctl.kill", [.bool(false)])?.kind, .reply)
    XCTAssertNil(shell.call("kv.get", [.string("k")]), "a killed node answers nothing")
    let status = try XCTUnwrap(shell.call("ctl.status", []))
    XCTAssertEqual(status.args[5], .bool(false), "reported down")
    XCTAssertEqual(shell.call("ctl.restart", [])?.args, [.int(2)])
    XCTAssertEqual(shell.call("kv.get", [.string("k")])?.args, [.null], "memory is gone after a restart")
    // Streaming: every event after `ctl.trace true` comes to this connection, clocks rising.
    XCTAssertEqual(shell.call("ctl.trace", [.bool(true)])?.kind, .reply)
    XCTAssertTrue(shell.send(Stamp.wrap(FrameCodec.encode(.message("hi")), seq: 1, clock: 100)))
    var events: [NodeEvent] = []
    while events.count < 1, let f = shell.readFrame(), f.method == "ctl.trace" {
      events += f.args.compactMap(TraceWire.decode)
    }
    let delivery = try XCTUnwrap(events.first { $0.kind == .deliver })
    XCTAssertEqual(delivery.seq, 1)
    XCTAssertEqual(delivery.peer, .client)
    XCTAssertGreaterThan(delivery.clock, 100, "the Lamport clock moves past the stamp it received")
    XCTAssertEqual(shell.call("ctl.kill", [])?.kind, .error, "ctl.kill says whether to wipe")
  }

  /// Two nodes, a and b, listening on loopback: a shell connection to each, and b's port.
  func twoNodes() throws -> (FrameClient, FrameClient, Int) {
    let a = NodeServer(role: StandardNode.role, name: "a") { _ in }
    let b = NodeServer(role: StandardNode.role, name: "b") { _ in }
    let (_, pa) = try a.listen(host: "127.0.0.1", port: 0)
    let (_, pb) = try b.listen(host: "127.0.0.1", port: 0)
    addTeardownBlock {
      a.stop()
      b.stop()
    }
    return (
      try XCTUnwrap(FrameClient(port: pa, timeout: .seconds(1))),
      try XCTUnwrap(FrameClient(port: pb, timeout: .seconds(1))),
      pb
    )
  }

  /// Nodes in processes of their own message each other: told where the others listen, a node
  /// opens a connection to one the first time it sends to it, says who it is, and the other
  /// answers on that same connection.
  func testTwoNodeProcessesMessageEachOtherOverTCP() throws {
    let (shellA, shellB, pb) = try twoNodes()
    XCTAssertEqual(
      shellA.call("ctl.peers", [.int(1), .list([.list([.int(2), .string("127.0.0.1"), .int(Int64(pb))])])])?.kind,
      .reply)
    // b is told its address and no one else's: it reaches a only on the connection a opens.
    XCTAssertEqual(shellB.call("ctl.peers", [.int(2), .list([])])?.kind, .reply)
    XCTAssertEqual(shellA.call("ctl.send", [.int(2), .string("hello b")])?.kind, .reply)
    func inbox(_ shell: FrameClient) -> [Value] { shell.call("ctl.status", [])?.args.last?.listValue ?? [] }
    let deadlineB = Date().addingTimeInterval(3)
    while inbox(shellB).isEmpty, Date() < deadlineB { usleep(5_000) }
    XCTAssertEqual(inbox(shellB).count, 1)
    XCTAssertTrue(inbox(shellB).first?.stringValue?.contains("hello b") == true, "\(inbox(shellB))")
    // b answers over the connection a opened.
    XCTAssertEqual(shellB.call("ctl.send", [.int(1), .string("hello a")])?.kind, .reply)
    let deadlineA = Date().addingTimeInterval(3)
    while inbox(shellA).isEmpty, Date() < deadlineA { usleep(5_000) }
    XCTAssertTrue(inbox(shellA).first?.stringValue?.contains("hello a") == true, "\(inbox(shellA))")
    // A node nobody said where it is: the send is dropped, the node goes on.
    XCTAssertEqual(shellA.call("ctl.send", [.int(9), .string("lost")])?.kind, .reply)
    XCTAssertEqual(shellA.call("add", [.int(1), .int(2)])?.args, [.int(3)])
  }

  /// The shell's fault model is applied where a message leaves a node process: a cut (or
  /// partitioned) destination and loss drop it, duplication sends it twice, a delay holds it;
  /// clearing the faults heals.
  func testFaultsApplyWhereAMessageLeavesANodeProcess() throws {
    let (shellA, shellB, pb) = try twoNodes()
    _ = shellA.call("ctl.peers", [.int(1), .list([.list([.int(2), .string("127.0.0.1"), .int(Int64(pb))])])])
    _ = shellB.call("ctl.peers", [.int(2), .list([])])
    func inbox() -> [String] {
      (shellB.call("ctl.status", [])?.args.last?.listValue ?? []).compactMap(\.stringValue)
    }
    /// The rule for messages from a to b: `[TO, BLOCK, LOSS, DUPLICATION, MODEL, MEAN, SPREAD, FLOOR]`.
    func faults(cut: Bool = false, loss: Double = 0, duplicate: Double = 0, delay: Int64 = 0) {
      let rule: Value = .list([
        .int(2), .string(cut ? "partition" : ""), .double(loss), .double(duplicate), .string("fixed"), .int(delay),
        .int(0), .int(0),
      ])
      XCTAssertEqual(shellA.call("ctl.faults", [.list([rule])])?.kind, .reply)
    }
    func send(_ text: String) { XCTAssertEqual(shellA.call("ctl.send", [.int(2), .string(text)])?.kind, .reply) }
    func arrived(_ text: String, within seconds: Double) -> Int {
      let deadline = Date().addingTimeInterval(seconds)
      var n = 0
      repeat {
        n = inbox().filter { $0.contains(text) }.count
        if n > 0 { return n }
        usleep(10_000)
      } while Date() < deadline
      return n
    }
    faults(cut: true)
    send("cut")
    faults(loss: 1)
    send("lost")
    faults()
    send("healed")
    XCTAssertEqual(arrived("healed", within: 2), 1)
    XCTAssertEqual(inbox().filter { $0.contains("cut") || $0.contains("lost") }, [], "dropped where they left")
    faults(duplicate: 1)
    send("twice")
    _ = arrived("twice", within: 2)
    usleep(100_000)
    XCTAssertEqual(inbox().filter { $0.contains("twice") }.count, 2)
    faults(delay: 300_000_000)
    let sent = Date()
    send("late")
    XCTAssertEqual(arrived("late", within: 3), 1)
    XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(sent), 0.3)
    let badRule: Value = .list([
      .int(2), .string(""), .double(2), .double(0), .string("fixed"), .int(0), .int(0), .int(0),
    ])
    XCTAssertEqual(shellA.call("ctl.faults", [.list([badRule])])?.kind, .error, "a loss of 2 is no probability")
  }
}
