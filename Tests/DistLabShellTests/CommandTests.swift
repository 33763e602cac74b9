import DistLab
import Foundation
import XCTest

@testable import DistLabShell

final class CommandTests: XCTestCase {
  /// Every command and subcommand that help lists has usage, a summary and an action, and
  /// its example runs as typed, in a fresh world, without an error line. (It runs in a
  /// folder of its own holding the `lab.distlab`, `history.edn` and `duel.txt` that help names.)
  func testEveryHelpExampleRunsAsTypedInAFreshWorld() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("help-examples-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try "spawn 2\n".write(to: folder.appendingPathComponent("lab.distlab"), atomically: true, encoding: .utf8)
    try "p1 starts ballot 1.1\np2 starts ballot 1.2\n".write(
      to: folder.appendingPathComponent("duel.txt"), atomically: true, encoding: .utf8)
    try """
    {:process 0, :type :invoke, :f :write, :value 1}
    {:process 0, :type :ok, :f :write, :value 1}
    {:process 1, :type :invoke, :f :cas, :value [1 2]}
    {:process 1, :type :ok, :f :cas, :value [1 2]}
    """.write(to: folder.appendingPathComponent("history.edn"), atomically: true, encoding: .utf8)
    for spec in CommandRegistry.all {
      XCTAssertFalse(spec.usage.isEmpty, spec.name)
      XCTAssertFalse(spec.summary.isEmpty, spec.name)
      for s in [spec] + spec.subcommands {
        XCTAssertTrue(s.action != nil || !s.subcommands.isEmpty, "\(s.name) cannot run")
        let session = ShellSession()
        session.baseDirectory = folder.path
        session.lessonDirectory = repositoryRoot.appendingPathComponent("Lessons").path
        for example in s.example where example != "exit" {
          let o = session.run(example)
          XCTAssertNotEqual(o.status, .error, "help \(s.path): example '\(example)' fails: \(o.text)")
          XCTAssertFalse(o.text.contains("error:"), "help \(s.path): example '\(example)' printed: \(o.text)")
        }
      }
    }
  }

  func testHelpForEveryCommand() {
    let s = preparedSession()
    let overview = s.run("help").text
    for name in CommandRegistry.names {
      XCTAssertTrue(overview.contains("  \(name) "), "help does not list \(name)")
      let o = s.run("help \(name)")
      XCTAssertEqual(o.status, .ok)
      XCTAssertTrue(o.text.hasPrefix("usage: "), o.text)
    }
    XCTAssertTrue(s.run("help net latency").text.hasPrefix("usage: net latency"))
    XCTAssertEqual(
      s.run("help spwan").text, "error: no command 'spwan' (did you mean 'spawn'?); type 'help' for the list")
  }

  func testDidYouMean() {
    let s = preparedSession()
    XCTAssertEqual(
      s.run("spwan 3").text, "error: unknown command 'spwan' (did you mean 'spawn'?); type 'help' for the list")
    XCTAssertEqual(
      s.run("net latncy 5ms").text.hasPrefix("error: unknown subcommand 'latncy' for 'net' (did you mean 'latency'?)"),
      true)
    XCTAssertEqual(
      s.run("rpc n1 add 1 2 --timout 1s").text, "error: unknown flag '--timout' for 'rpc' (did you mean '--timeout'?)")
  }

  func testErrorsInAScriptNameFileLineAndColumn() {
    let s = preparedSession()
    let o = s.run("kill n9", at: SourceLocation(file: "lab.distlab", line: 12, column: 1))
    XCTAssertEqual(o.text, "lab.distlab:12:6: error: unknown node 'n9' (nodes: n1..n4)")
  }

  func testSpawnCapRefusedAndNothingChanged() {
    let s = preparedSession(maxNodes: 5)
    let before = WorldFingerprint(s.world)
    let o = s.run("spawn 2")
    XCTAssertEqual(o.status, .error)
    XCTAssertTrue(o.text.contains("over the cap of 5"), o.text)
    XCTAssertEqual(WorldFingerprint(s.world), before)
    XCTAssertEqual(s.run("spawn 1").status, .ok)
  }

  func testRPCAddAndVerboseBytes() {
    let s = preparedSession()
    XCTAssertEqual(s.run("rpc n2 add 10 20").text, "n2.add(10, 20) = 30  (rpc#1, round trip 2ms)")
    let v = s.run("rpc n2 add 10 20 --verbose").text
    XCTAssertTrue(v.hasPrefix("request cli → n2, 33 bytes:\n  00 00 00 1d"), v)
    XCTAssertTrue(v.contains("01 00 00 00 00 00 00 00 0a  arg 1    int 10"), v)
    XCTAssertTrue(v.contains("reply n2 → cli, 24 bytes:"), v)
  }

  func testCallsToDeadOrCutOffNodesTimeOut() {
    let s = preparedSession()
    runOK(s, ["kill n2"])
    let o = s.run("rpc n2 add 1 2 --timeout 300ms")
    XCTAssertEqual(o.text, "n2.add(1, 2): timeout, no answer within 300ms  (rpc#1)")
    runOK(s, ["net partition n1 | n3"])
    XCTAssertEqual(s.run("rpc n3 echo x --from n1").text, "n3.echo(x): timeout, no answer within 1s  (rpc#2, from n1)")
  }

  func testKillRestartLosesMemory() {
    let s = preparedSession()
    runOK(s, ["kv put n1 a 1", "restart n1", "kv get n1 a"])
    XCTAssertEqual(s.run("expect value == null").status, .ok)
  }

  func testScriptExitStatus() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("distlab-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    func run(_ text: String) throws -> ScriptReport {
      let path = dir.appendingPathComponent("s.distlab").path
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      return ScriptRunner.run(lines: try ScriptFile.lines(path), file: "s.distlab", session: ShellSession())
    }
    XCTAssertEqual(try run("spawn 2\nrpc n2 add 1 2\nexpect value == 3\n").exitStatus, 0)
    let failed = try run("spawn 2\nrpc n2 add 1 2\nexpect value == 4\nexpect value == 3\n")
    XCTAssertEqual(failed.exitStatus, 1)
    XCTAssertEqual(failed.failedExpectations, 1)
    XCTAssertEqual(failed.heldExpectations, 1)
    let broken = try run("spawn 2\n\n# comment\nkill n7\nrpc n2 add 1 2\n")
    XCTAssertEqual(broken.exitStatus, 2)
    XCTAssertEqual(broken.firstError, "s.distlab:4:6: error: unknown node 'n7' (nodes: n1, n2)")
    XCTAssertEqual(broken.commands, 2)
  }

  func testSourceRunsAScriptInTheSession() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("distlab-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try "spawn 3\nkill n2\n".write(to: dir.appendingPathComponent("a.distlab"), atomically: true, encoding: .utf8)
    try "source b.distlab\n".write(to: dir.appendingPathComponent("b.distlab"), atomically: true, encoding: .utf8)
    let s = ShellSession()
    s.baseDirectory = dir.path
    let o = s.run("source a.distlab")
    XCTAssertEqual(o.status, .ok, o.text)
    XCTAssertEqual(s.world.allNodes.filter { $0.status == .down }.map(\.name), ["n2"])
    let loop = s.run("source b.distlab")
    XCTAssertEqual(loop.status, .error)
    XCTAssertTrue(loop.text.contains("too deeply"), loop.text)
    XCTAssertEqual(s.run("source nowhere.distlab").status, .error)
  }

  func testRecordWritesATranscriptThatReplays() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("distlab-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var config = WorldConfig()
    config.seed = 9
    let s = ShellSession(config: config)
    runOK(s, ["spawn 3", "net latency normal 5ms 2ms", "net loss 10%"])
    let path = dir.appendingPathComponent("session.transcript").path
    let script = dir.appendingPathComponent("session.distlab").path
    XCTAssertEqual(s.run("record \(path)").status, .ok)
    XCTAssertEqual(s.run("record \(script)").status, .error)
    runOK(s, ["send n1 n2 a b c d e f", "rpc n3 add 2 2 --retries 3", "trace"])
    XCTAssertEqual(s.run("record stop").text, "saved \(path): 7 commands")
    let result = try TranscriptReplayer.replay(file: path)
    XCTAssertTrue(result.passed, result.diff)
    XCTAssertEqual(result.commands, 7)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    XCTAssertTrue(text.contains("distlab> seed 9\nseed 9: the world starts over\ndistlab> spawn 3\n"), text)
  }

  /// A refused command is kept out of a recording (as a comment with its error), so the
  /// recording replays cleanly, before and after `record` started.
  func testRecordKeepsRefusedCommandsOutOfTheReplay() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("distlab-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    for kind in ["transcript", "distlab"] {
      let s = ShellSession()
      XCTAssertEqual(s.run("kill n9").status, .error)
      runOK(s, ["spawn 2"])
      let path = dir.appendingPathComponent("refused.\(kind)").path
      runOK(s, ["record \(path)"])
      XCTAssertEqual(s.run("rpc n7 add 1 2").status, .error)
      runOK(s, ["rpc n2 add 1 2", "expect value == 3", "record stop"])
      let text = try String(contentsOfFile: path, encoding: .utf8)
      XCTAssertTrue(text.contains("# refused, not replayed: kill n9 (error: unknown node 'n9'"), text)
      XCTAssertTrue(text.contains("# refused, not replayed: rpc n7 add 1 2 (error: unknown node 'n7'"), text)
      if kind == "transcript" {
        let result = try TranscriptReplayer.replay(file: path)
        XCTAssertTrue(result.passed, result.diff)
      } else {
        let replay = ShellSession()
        let report = ScriptRunner.run(lines: try ScriptFile.lines(path), file: path, session: replay)
        XCTAssertEqual(report.exitStatus, 0, report.firstError ?? report.output)
      }
    }
  }

  func testSameSeedSameOutputDifferentSeedDifferentTrace() {
    let script = [
      "spawn 6", "net latency normal 8ms 3ms", "net loss 15%", "net dup 15%", "send n1 all a b c d e",
      "rpc n2 kv.incr x --retries 4",
      "send n3 n4,n5 x y z", "advance 200ms", "rpc n6 sleep 50ms --timeout 40ms --retries 2", "advance 1s",
      "trace --last 200 --list",
      "stats",
    ]
    func run(seed: UInt64) -> String {
      var c = WorldConfig()
      c.seed = seed
      let s = ShellSession(config: c)
      return script.map { s.run($0).text }.joined(separator: "\n")
    }
    let a = run(seed: 5)
    XCTAssertEqual(a, run(seed: 5))
    XCTAssertEqual(a, run(seed: 5))
    XCTAssertNotEqual(a, run(seed: 6))
    XCTAssertTrue(a.contains("lost (loss)"), "the script must exercise loss")
    XCTAssertTrue(a.contains("duplicate"), "the script must exercise duplication")
  }
}
