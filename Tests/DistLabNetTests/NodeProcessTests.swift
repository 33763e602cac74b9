import DistLab
import DistLabNet
import Foundation
import XCTest

/// `distlab node` as a real OS process: it serves calls on its port, exits 0 on SIGTERM with
/// its port closed, a SIGKILL leaves nothing listening, and a port in use is one line and
/// exit status 2.
final class NodeProcessTests: XCTestCase {
  /// The `distlab` executable built beside this test bundle.
  var executable: URL {
    get throws {
      let here = Bundle.main.bundleURL
      for dir in [here, here.deletingLastPathComponent()] {
        let candidate = dir.appendingPathComponent("distlab")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
      }
      throw XCTSkip("no distlab executable beside \(here.path): build it first")
    }
  }

  struct Running {
    let process: Process
    let port: Int
    let stderr: Pipe
  }

  /// Starts `distlab node --listen 127.0.0.1:PORT` and reads the port it printed.
  func start(port: Int = 0, name: String = "r1", role: String? = nil, disk: String? = nil) throws -> Running {
    let p = Process()
    p.executableURL = try executable
    p.arguments =
      ["node", "--listen", "127.0.0.1:\(port)", "--name", name] + (role.map { ["--role", $0] } ?? [])
      + (disk.map { ["--disk", $0] } ?? [])
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    addTeardownBlock { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
    let text = Self.firstLine(out)
    guard let portText = text.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines),
      let bound = Int(portText), text.hasPrefix("node \(name) (role \(role ?? "standard")) listening on 127.0.0.1:")
    else {
      XCTFail("no listening line: \(text)")
      throw XCTSkip("node did not start")
    }
    return Running(process: p, port: bound, stderr: err)
  }

  func testANodeProcessServesAndExitsCleanlyOnSIGTERM() throws {
    let node = try start()
    let peer = try XCTUnwrap(FrameClient(port: node.port, timeout: .seconds(1)))
    XCTAssertEqual(peer.call("kv.put", [.string("a"), .int(1)])?.kind, .reply)
    XCTAssertEqual(peer.call("kv.get", [.string("a")])?.args, [.int(1)])
    node.process.terminate()
    node.process.waitUntilExit()
    XCTAssertEqual(node.process.terminationReason, .exit)
    XCTAssertEqual(node.process.terminationStatus, 0)
    XCTAssertTrue(peer.closedByNode, "its connections were closed")
    XCTAssertNil(FrameClient(port: node.port, timeout: .seconds(1)), "nothing listens on its port any more")
  }

  func testAKilledProcessLeavesItsPortClosedAndItsCallsUnanswered() throws {
    let node = try start()
    let peer = try XCTUnwrap(FrameClient(port: node.port, timeout: .seconds(1)))
    XCTAssertEqual(peer.call("add", [.int(1), .int(2)])?.args, [.int(3)])
    kill(node.process.processIdentifier, SIGKILL)
    node.process.waitUntilExit()
    XCTAssertEqual(node.process.terminationReason, .uncaughtSignal)
    XCTAssertNil(peer.call("add", [.int(1), .int(2)]), "a killed node answers nothing")
    XCTAssertNil(FrameClient(port: node.port, timeout: .seconds(1)))
  }

  func testAPortInUseIsOneLineAndExitStatus2() throws {
    let first = try start()
    let second = Process()
    second.executableURL = try executable
    second.arguments = ["node", "--listen", "127.0.0.1:\(first.port)"]
    let err = Pipe()
    second.standardError = err
    second.standardOutput = Pipe()
    try second.run()
    second.waitUntilExit()
    XCTAssertEqual(second.terminationStatus, 2)
    let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    XCTAssertEqual(text, "distlab node: cannot listen on 127.0.0.1:\(first.port): the port is in use\n")
    // The first node was not disturbed.
    XCTAssertEqual(
      FrameClient(port: first.port, timeout: .seconds(1))?.call("add", [.int(2), .int(2)])?.args, [.int(4)])
  }

  /// A Paxos acceptor's promise is on its disk: killed with SIGKILL and started again on the same
  /// folder, it still refuses a lower ballot — what a restart with its disk must keep.
  func testARestartedProcessKeepsItsDisk() throws {
    let disk = FileManager.default.temporaryDirectory.appendingPathComponent("node-\(UUID().uuidString)").path
    addTeardownBlock { try? FileManager.default.removeItem(atPath: disk) }
    let first = try start(role: "acceptor", disk: disk)
    let ballot = Value.list([.int(5), .int(1)])
    XCTAssertEqual(FrameClient(port: first.port, timeout: .seconds(1))?.call("paxos.prepare", [ballot])?.kind, .reply)
    kill(first.process.processIdentifier, SIGKILL)
    first.process.waitUntilExit()
    let second = try start(role: "acceptor", disk: disk)
    let peer = try XCTUnwrap(FrameClient(port: second.port, timeout: .seconds(1)))
    XCTAssertEqual(peer.call("paxos.state", [])?.args.first, ballot, "the promise came back from the disk")
    XCTAssertEqual(peer.call("paxos.prepare", [.list([.int(3), .int(1)])])?.kind, .error)
    XCTAssertEqual(try String(contentsOfFile: disk + "/incarnation", encoding: .utf8), "2\n")
  }

  /// A node started with --exit-with-parent ends when the process that started it is killed
  /// (SIGKILL, no chance to clean up): no node outlives its shell. (Without the flag it lives
  /// on, orphaned, under init.)
  func testANodeEndsWhenItsParentIsKilled() throws {
    for exitWithParent in [true] {
      let sh = Process()
      sh.executableURL = URL(fileURLWithPath: "/bin/sh")
      let flag = exitWithParent ? " --exit-with-parent" : ""
      // The node's output goes nowhere: an orphan must not hold this test's pipe open.
      sh.arguments = [
        "-c", "'\(try executable.path)' node --listen 127.0.0.1:0\(flag) >/dev/null 2>&1 & echo pid $!; wait",
      ]
      let out = Pipe()
      sh.standardOutput = out
      sh.standardError = Pipe()
      try sh.run()
      let text = Self.firstLine(out)
      let pidLine = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("pid ") })
      let pid = try XCTUnwrap(Int32(pidLine.dropFirst(4)))
      addTeardownBlock { kill(pid, SIGKILL) }
      // Let the node start (and ask for its parent's death to reach it) before the parent dies.
      let started = Date().addingTimeInterval(5)
      while (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8))?.contains("node") != true,
        Date() < started
      {
        usleep(10_000)
      }
      usleep(300_000)
      kill(sh.processIdentifier, SIGKILL)
      sh.waitUntilExit()
      var alive = true
      let until = Date().addingTimeInterval(3)
      while alive, Date() < until {
        alive = kill(pid, 0) == 0 && !Self.isZombie(pid)
        if alive { usleep(20_000) }
      }
      XCTAssertEqual(alive, !exitWithParent, "exit-with-parent: \(exitWithParent)")
    }
  }

  /// What a child printed up to its first newline (waiting at most 10 s).
  static func firstLine(_ out: Pipe) -> String {
    var text = ""
    let deadline = Date().addingTimeInterval(10)
    while !text.contains("\n"), Date() < deadline {
      let chunk = out.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      text += String(decoding: chunk, as: UTF8.self)
    }
    return text
  }

  /// A process that has ended but not been reaped (its new parent, init, reaps it soon).
  static func isZombie(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
    return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
  }
}
