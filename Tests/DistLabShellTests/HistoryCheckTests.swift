import DistLab
import Foundation
import XCTest

@testable import DistLabShell

/// `check linearizable` in the shell and `distlab check` on the command line: the verdict, its
/// picture, the subject it sets, and every bad input as one line naming the place.
final class HistoryCheckTests: XCTestCase {
  var folder = ""

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("hist-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try """
    {:process 0, :type :invoke, :f :write, :value 1}
    {:process 1, :type :invoke, :f :read, :value nil}
    {:process 1, :type :ok, :f :read, :value 1}
    {:process 2, :type :invoke, :f :read, :value nil}
    {:process 2, :type :ok, :f :read, :value nil}
    {:process 0, :type :ok, :f :write, :value 1}
    """.write(toFile: folder + "/stale.edn", atomically: true, encoding: .utf8)
    try "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\n".write(
      toFile: folder + "/fine.log", atomically: true, encoding: .utf8)
    try "{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0 :type :ok}\n".write(
      toFile: folder + "/broken.edn", atomically: true, encoding: .utf8)
  }

  override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

  func testAStaleReadIsShownWithTheOperationsAroundIt() {
    let s = ShellSession()
    XCTAssertEqual(
      runOK(s, ["check linearizable \(folder)/stale.edn"]),
      """
      not linearizable: 3 operations by 3 processes, register model
      after 2 operations in a valid order, none of these can come next:
        ✓ P0  write 1      ├──────────────────────────────────────┤  events 1–6
        ✓ P1  read → 1            ├───────┤                          events 2–3
        ✗ P2  read → null                         ├───────┤          events 4–5
      ✓ the end of the longest valid order found; ✗ cannot come after it
      """)
    XCTAssertEqual(s.run("expect history.linearizable == false").status, .ok)
    XCTAssertEqual(
      runOK(s, ["check linearizable \(folder)/fine.log --model cas-register"]),
      "linearizable: 1 operation by 1 process, cas-register model")
    XCTAssertEqual(s.run("expect history.linearizable == true").status, .ok)
  }

  func testBadInputIsOneLineNamingThePlace() {
    let s = ShellSession()
    XCTAssertEqual(
      s.run("expect history.linearizable == true").text,
      "error: 'history.linearizable' reads the last 'check linearizable', and there has been none")
    XCTAssertEqual(
      s.run("check linearizable \(folder)/broken.edn").text,
      "error: \(folder)/broken.edn:2: no :f keyword")
    XCTAssertEqual(
      s.run("check linearizable \(folder)/fine.log --model cas").text,
      "error: --model is one of register, cas-register, kv, not 'cas'")
    XCTAssertEqual(s.run("check linearizable \(folder)/none.edn").text, "error: '\(folder)/none.edn' no such file")
    s.sandbox = Sandbox(root: folder + "/solutions")
    XCTAssertEqual(
      s.run("check linearizable \(folder)/fine.log").text,
      "error: a graded solution may read only files in its solutions folder; '\(folder)/fine.log' is outside it")
  }

  func testTheCommandLineExitsWithTheVerdict() throws {
    let distlab = CommandLineTests.builtExecutable
    try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: distlab.path), "no built distlab")
    func status(_ args: [String]) throws -> Int32 { try CommandLineTests.exitStatus(args) }
    XCTAssertEqual(try status(["check", folder + "/fine.log"]), 0)
    XCTAssertEqual(try status(["check", folder + "/stale.edn"]), 1)
    XCTAssertEqual(try status(["check", folder + "/broken.edn"]), 2)
    XCTAssertEqual(try status(["check", folder + "/fine.log", "--model", "nope"]), 2)
  }
}

/// The replicated store as a student types it.
final class StoreCommandTests: XCTestCase {
  func testAnAsyncFailoverLosesAnAcknowledgedWriteAndTheSubjectCountsIt() {
    let s = ShellSession()
    runOK(s, ["store start --replicas 2 --async", "store put x 1", "advance 150ms", "store put y 2", "kill s1"])
    XCTAssertEqual(runOK(s, ["store promote s2"]), "s2 is the primary; every node was told (those that answered)")
    XCTAssertEqual(runOK(s, ["store get y"]), "y = null on s2")
    XCTAssertEqual(s.run("expect store.lost == 1 and store.acknowledged == 2").status, .ok)
    let sync = ShellSession()
    runOK(sync, ["store start --replicas 2 --sync", "store put x 1", "store put y 2", "kill s1", "store promote s3"])
    XCTAssertEqual(sync.run("expect store.lost == 0").status, .ok)
  }

  func testRefusals() {
    let s = ShellSession()
    XCTAssertEqual(s.run("store put x 1").text, "error: no store yet: 'store start' starts a primary and replicas")
    XCTAssertEqual(s.run("store start --sync --async").text, "error: a store is --sync or --async, not both")
    runOK(s, ["store start", "spawn 1"])
    XCTAssertEqual(s.run("store promote n4").text, "error: 'n4' is not a store node")
    XCTAssertEqual(runOK(s, ["store put x 1"]), "x = 1 on s1 (write 1)")
    XCTAssertEqual(s.run("store start").text, "error: the store already runs; 'reset' starts over")
  }
}

extension StoreCommandTests {
  /// A partition gives the cut-off side's old primary and the other side's new one; without
  /// fencing both still lead after the heal, with fencing the old one steps down.
  func testSplitBrainLastsWithoutFencingAndEndsWithIt() {
    for fencing in [false, true] {
      let s = ShellSession()
      runOK(
        s,
        [
          "store start --async --failover 1s" + (fencing ? " --fencing" : ""), "net partition s1 | s2,s3", "advance 2s",
        ])
      XCTAssertEqual(s.run("expect store.primaries == 2").status, .ok, "both sides lead during the partition")
      runOK(s, ["net heal", "advance 1s"])
      XCTAssertEqual(s.run("expect store.primaries == \(fencing ? 1 : 2)").status, .ok, "fencing \(fencing)")
    }
  }
}

extension StoreCommandTests {
  /// Reads from replicas under asynchronous replication are stale, and the checker proves the
  /// recorded history is not linearizable; synchronous replication with reads from the
  /// primary gives a linearizable one.
  func testAWorkloadsHistoryIsCheckedForLinearizability() {
    let stale = ShellSession()
    runOK(stale, ["store start --async", "store workload --clients 3 --for 2s --read-from any"])
    XCTAssertTrue(runOK(stale, ["check linearizable"]).hasPrefix("not linearizable: "))
    XCTAssertEqual(stale.run("expect history.linearizable == false").status, .ok)
    let strict = ShellSession()
    runOK(strict, ["store start --sync", "store workload --clients 3 --for 2s"])
    XCTAssertEqual(
      runOK(strict, ["check linearizable"]), "linearizable: 117 operations by 3 processes, kv model",
      "every operation recorded, and all of them in one valid order")
    XCTAssertEqual(
      ShellSession().run("check linearizable").text,
      "error: no FILE, and no workload has recorded a history ('store workload' records one)")
  }
}

/// Publish-subscribe as a student types it.
final class PubSubCommandTests: XCTestCase {
  func testADurableSubscriberCatchesUpAndAPlainOneDoesNot() {
    let s = ShellSession()
    runOK(
      s,
      [
        "pubsub start --subscribers 2", "pubsub subscribe sub1 news", "pubsub subscribe sub2 news --durable",
        "pubsub publish news a", "advance 10ms", "kill sub1,sub2", "pubsub publish news b", "pubsub publish news c",
        "restart sub1,sub2", "advance 10ms",
      ])
    XCTAssertEqual(s.run("expect sub1.messages == 1 and sub2.messages == 3 and sub2.duplicates == 0").status, .ok)
  }

  func testRefusals() {
    let s = ShellSession()
    XCTAssertEqual(
      s.run("pubsub publish news a").text, "error: no broker yet: 'pubsub start' starts one with subscribers")
    runOK(s, ["pubsub start", "spawn 1"])
    XCTAssertEqual(s.run("pubsub subscribe n4 news").text, "error: 'n4' is not a subscriber")
    XCTAssertEqual(s.run("pubsub start").text, "error: pubsub already runs; 'reset' starts over")
  }
}
