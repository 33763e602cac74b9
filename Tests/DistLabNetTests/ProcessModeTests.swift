import Foundation
import XCTest

@testable import DistLab
@testable import DistLabNet

#if canImport(Glibc)
  import Glibc
#endif

/// Process mode with real processes on loopback: every node a `distlab node` child of the
/// world, killed with a real SIGKILL, restarted on its disk, partitioned where its messages
/// leave, and joined by hand-started nodes with `connect`.
final class ProcessModeTests: XCTestCase {
  func processWorld() throws -> World {
    guard let exe = ProcessMode.defaultExecutable() else {
      throw XCTSkip("no distlab executable beside the tests: build it first")
    }
    var config = WorldConfig()
    config.processEngine = ProcessMode.maker(executable: exe)
    let world = World(config: config)
    try world.switchMode(.process)
    return world
  }

  func host(_ world: World, _ name: String) throws -> ProcessHost {
    let id = try XCTUnwrap(world.node(named: name)?.id)
    return try XCTUnwrap(world.table[id]?.host as? ProcessHost)
  }

  static func alive(_ pid: pid_t) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    // A zombie nobody reaped has ended too.
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    return !(stat.split(separator: ")").last?.hasPrefix(" Z") ?? false)
  }

  func testSpawnedNodesAreProcessesThatAnswerAndMessageEachOther() throws {
    let world = try processWorld()
    let nodes = try world.spawn(count: 3)
    let pids = try nodes.map { try XCTUnwrap(host(world, $0.name).pid) }
    XCTAssertEqual(Set(pids).count, 3)
    XCTAssertFalse(pids.contains(getpid()))
    for pid in pids { XCTAssertTrue(Self.alive(pid)) }
    let call = try world.call(to: nodes[0].id, method: "add", args: [.int(2), .int(3)])
    XCTAssertEqual(call.result, .value([.int(5)]))
    let sent = try world.send(from: nodes[0].id, to: nodes[1].id, texts: ["hello", "again"])
    for m in sent.messages {
      guard case .delivered = m.fate else { return XCTFail("\(m.text): \(m.fate)") }
    }
    XCTAssertEqual(try world.summary(of: nodes[1].id)?.lastMessages.count, 2)
    // The Lamport clock orders each delivery after its send, whatever the clocks say.
    let events = world.trace.ordered
    for d in events where d.kind == .deliver && d.node == nodes[1].id {
      let send = try XCTUnwrap(events.first { $0.kind == .send && $0.messageID == d.messageID })
      XCTAssertGreaterThan(try XCTUnwrap(d.clock), try XCTUnwrap(send.clock))
    }
    world.reset()
    for pid in pids { XCTAssertFalse(Self.alive(pid), "a node outlived its world") }
  }

  func testAKilledProcessIsGoneItsPortClosedAndItsCallsTimeOut() throws {
    let world = try processWorld()
    let nodes = try world.spawn(count: 2)
    let h = try host(world, "n2")
    let (pid, port) = (try XCTUnwrap(h.pid), h.port)
    XCTAssertNotNil(FrameClient(port: port), "listening before the kill")
    _ = try world.kill([nodes[1].id])
    XCTAssertFalse(Self.alive(pid))
    XCTAssertNil(FrameClient(port: port), "nothing listens after a SIGKILL")
    let call = try world.call(
      to: nodes[1].id, method: "echo", args: [.int(1)], options: CallOptions(timeout: .milliseconds(200)))
    XCTAssertEqual(call.result, .timeout)
    let sent = try world.send(from: nodes[0].id, to: nodes[1].id, texts: ["anyone?"])
    XCTAssertEqual(sent.messages.first?.fate, .dropped(reason: .nodeDown), "the connection is refused")
    _ = try world.restart([nodes[1].id])
    XCTAssertNotEqual(h.pid, pid, "a new process")
    XCTAssertEqual(try world.call(to: nodes[1].id, method: "echo", args: [.int(7)]).result, .value([.int(7)]))
  }

  /// A child killed from outside (`kill -9` in another terminal) is a crash the world did not
  /// make: the world still counts it up, its calls time out, and the location reports it exited.
  func testAChildKilledFromOutsideIsReportedExited() throws {
    let world = try processWorld()
    let n = try world.spawn(count: 1)[0]
    let pid = try XCTUnwrap(world.location(of: n.id)?.pid)
    kill(pid, SIGKILL)
    let deadline = Date().addingTimeInterval(5)
    while world.location(of: n.id)?.exited != true && Date() < deadline { usleep(10_000) }
    XCTAssertEqual(
      world.location(of: n.id), NodeLocation(address: try host(world, "n1").address, pid: pid, exited: true))
    XCTAssertEqual(world.info(n.id)?.status, .up, "the world did not kill it")
    let call = try world.call(
      to: n.id, method: "echo", args: [.int(1)], options: CallOptions(timeout: .milliseconds(200)))
    XCTAssertEqual(call.result, .timeout)
    _ = try world.restart([n.id])
    XCTAssertEqual(world.location(of: n.id)?.exited, false)
    XCTAssertEqual(try world.call(to: n.id, method: "echo", args: [.int(2)]).result, .value([.int(2)]))
  }

  func testAPartitionBetweenProcessesDropsTheirMessagesAndHeals() throws {
    let world = try processWorld()
    let n = try world.spawn(count: 3).map(\.id)
    try world.partition([[n[0]], [n[1], n[2]]])
    let cut = try world.send(from: n[0], to: n[1], texts: ["across"])
    XCTAssertEqual(cut.messages.first?.fate, .dropped(reason: .partition))
    let inside = try world.send(from: n[1], to: n[2], texts: ["within"])
    guard case .delivered = inside.messages.first?.fate else { return XCTFail("\(inside.messages)") }
    _ = world.heal()
    let healed = try world.send(from: n[0], to: n[1], texts: ["again"])
    guard case .delivered = healed.messages.first?.fate else { return XCTFail("\(healed.messages)") }
    XCTAssertEqual(try world.summary(of: n[1])?.lastMessages.contains { $0.contains("across") }, false)
  }

  func testANodeStartedByHandJoinsWithConnect() throws {
    let world = try processWorld()
    let exe = try XCTUnwrap(ProcessMode.defaultExecutable())
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = ["node", "--listen", "127.0.0.1:0", "--name", "r1"]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    defer {
      p.terminate()
      p.waitUntilExit()
    }
    let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
    let port = try XCTUnwrap(
      line.split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
    let n1 = try XCTUnwrap(world.spawn(count: 1).first)
    let r1 = try world.connect("127.0.0.1:\(port)")
    XCTAssertEqual(r1.name, "r1")
    XCTAssertEqual(try world.call(to: r1.id, method: "add", args: [.int(1), .int(1)]).result, .value([.int(2)]))
    let sent = try world.send(from: n1.id, to: r1.id, texts: ["hi r1"])
    guard case .delivered = sent.messages.first?.fate else { return XCTFail("\(sent.messages)") }
    // Killing a node started elsewhere stops its program; the process lives on to restart it.
    _ = try world.kill([r1.id])
    XCTAssertTrue(p.isRunning)
    let silent = try world.call(
      to: r1.id, method: "echo", args: [.int(1)], options: CallOptions(timeout: .milliseconds(200)))
    XCTAssertEqual(silent.result, .timeout)
    _ = try world.restart([r1.id])
    XCTAssertEqual(try world.call(to: r1.id, method: "echo", args: [.int(3)]).result, .value([.int(3)]))
    XCTAssertThrowsError(try world.connect("127.0.0.1:\(port)", name: "n1")) { e in
      XCTAssertEqual(e as? WorldError, .nameTaken("n1"))
    }
  }

  func testConnectRefusesWhatIsNotANodeProcess() throws {
    let world = try processWorld()
    // Nothing listens: a port just closed.
    let closed = try freePort()
    XCTAssertThrowsError(try world.connect("127.0.0.1:\(closed)")) { e in
      guard case .processRefused(_, let why)? = e as? WorldError else { return XCTFail("\(e)") }
      XCTAssertEqual(why, "nothing answers there: connection refused")
    }
    // Something listens that speaks another protocol: it says garbage and no status comes.
    let (fd, port) = boundSocket()
    defer { close(fd) }
    listen(fd, 4)
    let talker = Thread {
      let c = accept(fd, nil, nil)
      guard c >= 0 else { return }
      let junk = Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8)
      _ = junk.withUnsafeBytes { send(c, $0.baseAddress, $0.count, 0) }
      usleep(2_500_000)
      close(c)
    }
    talker.start()
    XCTAssertThrowsError(try world.connect("127.0.0.1:\(port)")) { e in
      XCTAssertEqual(
        e as? WorldError,
        .processRefused(name: "127.0.0.1:\(port)", reason: "127.0.0.1:\(port) did not answer as a distlab node"))
    }
    XCTAssertEqual(world.allNodes.count, 0, "a refused connect adds nothing")
  }

  /// The processes whose parent is `pid`, from /proc.
  static func children(of pid: pid_t) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { e -> pid_t? in
      guard let p = pid_t(e), let stat = try? String(contentsOfFile: "/proc/\(e)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { return nil }
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      return fields.count > 2 && pid_t(fields[1]) == pid ? p : nil
    }
  }

  /// A shell in process mode starts a child per node; when the shell ends — by `exit`, or
  /// killed with SIGKILL so it cleans nothing up — no child outlives it.
  func testNoNodeProcessOutlivesTheShellEvenWhenTheShellIsKilled() throws {
    let exe = try XCTUnwrap(ProcessMode.defaultExecutable(), "no distlab executable beside the tests")
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("outlive-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    for ending in ["exit", "sigkill"] {
      let script = folder.appendingPathComponent("\(ending).distlab")
      let wait = ending == "exit" ? "advance 500ms" : "advance 60s"
      try "mode process\nspawn 3\n\(wait)\n".write(to: script, atomically: true, encoding: .utf8)
      let shell = Process()
      shell.executableURL = URL(fileURLWithPath: exe)
      shell.arguments = ["run", script.path]
      shell.standardOutput = FileHandle.nullDevice
      shell.standardError = FileHandle.nullDevice
      try shell.run()
      var kids: [pid_t] = []
      let deadline = Date().addingTimeInterval(20)
      while kids.count < 3 && Date() < deadline {
        usleep(20_000)
        kids = Self.children(of: shell.processIdentifier)
      }
      XCTAssertEqual(kids.count, 3, "\(ending): the shell started a process per node")
      if ending == "sigkill" { kill(shell.processIdentifier, SIGKILL) }
      shell.waitUntilExit()
      let gone = Date().addingTimeInterval(5)
      while kids.contains(where: Self.alive) && Date() < gone { usleep(20_000) }
      XCTAssertEqual(kids.filter(Self.alive), [], "\(ending): node processes outlived the shell")
      // A shell killed with SIGKILL cleans nothing up: its nodes' folders are the test's to remove.
      let temp = NSTemporaryDirectory()
      for leftover in (try? FileManager.default.contentsOfDirectory(atPath: temp)) ?? []
      where leftover.hasPrefix("distlab-\(shell.processIdentifier)-") {
        try? FileManager.default.removeItem(atPath: temp + "/" + leftover)
      }
    }
  }

  /// A TCP socket bound to a free loopback port, and the port.
  func boundSocket() -> (Int32, Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    return (fd, Int(UInt16(bigEndian: addr.sin_port)))
  }

  /// A port nothing listens on: bound, then closed.
  func freePort() throws -> Int {
    let (fd, port) = boundSocket()
    close(fd)
    return port
  }
}
