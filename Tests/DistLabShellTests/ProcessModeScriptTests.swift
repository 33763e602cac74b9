import DistLab
import DistLabNet
import DistLabShell
import XCTest

/// One script — spawn, rpc, send, kill, restart, partition, heal — run in sim, live and
/// process mode: its expectations hold in all three, and its output differs only in times.
final class ProcessModeScriptTests: XCTestCase {
  static let script = """
    spawn 3
    rpc n1 add 2 3
    expect value == 5
    send n1 n2 hello
    expect delivered == 1
    kv put n2 colour blue
    kill n2
    rpc n2 echo x --timeout 300ms
    expect error == timeout
    send n1 n2 lost
    expect dropped == 1
    restart n2
    expect n2.incarnation == 2
    kv get n2 colour
    expect value == null
    net partition n1 | n2 n3
    send n1 n2 cut
    expect dropped == 1
    send n2 n3 inside
    expect delivered == 1
    net heal
    send n1 n2 back
    expect delivered == 1
    nodes
    """

  /// The script's output in `mode`, each time (a clock reading or a duration) replaced by `T`
  /// and, in process mode, the `nodes` table's PID column (each node's process) taken off.
  func run(in mode: WorldMode) throws -> [String] {
    let session = ShellSession()
    XCTAssertEqual(session.run("mode \(mode.rawValue)").status, .ok)
    var out: [String] = []
    for line in Self.script.split(separator: "\n") {
      let o = session.run(String(line))
      XCTAssertNotEqual(o.status, .error, "\(mode): '\(line)' failed: \(o.text)")
      if line.hasPrefix("expect") { XCTAssertTrue(o.text.hasPrefix("✓"), "\(mode): \(o.text)") }
      out.append(o.text)
    }
    session.world.reset()
    let time = try Regex(#"\d+(\.\d+)?(ms|µs|ns|s)\b"#)
    let pid = try Regex(#"(?m) +(PID|\d+|-)$"#)
    return out.map { text in
      let timeless = text.replacing(time, with: "T")
      return mode == .process && text.hasPrefix("NODE") ? timeless.replacing(pid, with: "") : timeless
    }
  }

  func testTheSameScriptRunsInSimLiveAndProcessModeAlike() throws {
    guard ProcessMode.defaultExecutable() != nil else { throw XCTSkip("no distlab executable beside the tests") }
    let sim = try run(in: .sim)
    XCTAssertEqual(try run(in: .live), sim)
    XCTAssertEqual(try run(in: .process), sim)
  }

  /// A store keeps its writes on its disk: a process killed with SIGKILL and started again on
  /// its folder has them; one killed with --wipe does not.
  func testARestartedProcessKeepsItsDiskAndAWipedOneDoesNot() throws {
    guard ProcessMode.defaultExecutable() != nil else { throw XCTSkip("no distlab executable beside the tests") }
    let s = ShellSession()
    defer { s.world.reset() }
    for line in ["mode process", "store start --replicas 1 --sync", "store put a 1", "kill s1,s2", "restart s1,s2"] {
      XCTAssertNotEqual(s.run(line).status, .error, line)
    }
    let pid = s.world.location(of: try XCTUnwrap(s.world.node(named: "s1")).id)?.pid
    XCTAssertNotNil(pid)
    XCTAssertEqual(s.run("store get a").text, "a = 1 on s1")
    XCTAssertEqual(s.run("kill s1,s2 --wipe").status, .ok)
    XCTAssertEqual(s.run("restart s1,s2").status, .ok)
    XCTAssertNotEqual(s.world.location(of: try XCTUnwrap(s.world.node(named: "s1")).id)?.pid, pid, "a new process")
    XCTAssertEqual(s.run("store get a").text, "a = null on s1")
  }
}
