import DistLab
import Foundation
import XCTest

@testable import DistLabShell

/// Expectation subjects come from one registry: `help expect` lists every one, and every one
/// listed can be read.
final class SubjectRegistryTests: XCTestCase {
  func testHelpListsEverySubjectAndEverySubjectIsRead() {
    let s = preparedSession()
    runOK(s, ["rpc n1 add 1 2", "send n1 n2 a b", "shard use ring", "shard load 100", "spawn 1", "shard add n5"])
    runOK(s, ["task start --workers 1", "task send add 1 2", "advance 1s", "store start", "store put x 1"])
    runOK(s, ["store workload --clients 1 --for 100ms"])
    // The quorum store's subjects are read in a world that has one.
    let q = preparedSession()
    runOK(q, ["store start --quorum", "store put x 1"])
    runOK(q, ["detect start --timeout 1s", "advance 2s", "kill m4", "advance 3s"])
    runOK(q, ["paxos start", "paxos propose p1 x", "advance 100ms", "vote start", "vote begin", "advance 10ms"])
    runOK(q, ["service start --gateway", "service tenant k1", "service load --tenant k1 --rate 20 --for 2s"])
    let schedule = FileManager.default.temporaryDirectory.appendingPathComponent("subjects-\(UUID().uuidString).txt")
    try? "p1 starts ballot 1.1\n".write(to: schedule, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: schedule) }
    runOK(q, ["paxos follow \(schedule.path)", "hdfs start --mapreduce", "hdfs put /a 1MB", "hdfs cat /a"])
    runOK(q, ["mr run /a --output /o", "advance 5s"])
    let history = FileManager.default.temporaryDirectory.appendingPathComponent("subjects-\(UUID().uuidString).edn")
    try? "{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0, :type :ok, :f :write, :value 1}\n".write(
      to: history, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: history) }
    runOK(s, ["check linearizable \(history.path)"])
    let help = runOK(s, ["help expect"])
    for name in SubjectRegistry.names {
      XCTAssertTrue(help.contains(name), "help expect does not list \(name)")
      // A task subject's KEY is a task id; any other's, a key.
      let typed = name.replacingOccurrences(of: ".KEY", with: name.hasPrefix("task.") ? ".T1" : ".k1")
      let out = s.run("expect \(typed) == 0")
      let read = out.status != .error || q.run("expect \(typed) == 0").status != .error
      XCTAssertTrue(read, "\(typed): \(out.text)")
    }
    XCTAssertTrue(help.contains("NODE.kv.KEY"))
  }

  func testAnUnknownSubjectInALabsNamespaceSuggestsTheLabsSubjects() {
    let s = preparedSession()
    let out = s.run("expect shard.moves == 0")
    XCTAssertEqual(out.text, "error: unknown subject 'shard.moves' (did you mean 'shard.moved'?); see 'help expect'")
  }
}
