import DistLab
import XCTest

@testable import DistLabShell

/// The Paxos commands refuse bad input with one line, and a model check too large to finish is
/// refused with its estimate before it starts.
final class ConsensusCommandTests: XCTestCase {
  func testBadPaxosInputIsRefused() {
    let s = ShellSession(config: WorldConfig())
    refused(s, "paxos propose p1 x", "no Paxos yet")
    refused(s, "paxos start --backoff later", "--backoff is one of none, random, not 'later'")
    refused(s, "paxos start --acceptors 0", "--acceptors must be between 1 and 15")
    XCTAssertTrue(s.world.allNodes.isEmpty)
    runOK(s, ["paxos start"])
    refused(s, "paxos propose a1 x", "'a1' is not a proposer")
    refused(s, "paxos start", "already runs")
  }

  func testAModelCheckTooLargeToFinishIsRefusedWithItsEstimate() {
    let s = ShellSession(config: WorldConfig())
    refused(s, "paxos check --rounds 4", "about 28,473,120,000 states, past the limit of 50,000,000")
    refused(s, "paxos check --acceptors 5 --rounds 2 --crashes 2", "past the limit")
    refused(s, "paxos check --rounds 9", "--rounds must be between 1 and 5")
  }
}

extension ConsensusCommandTests {
  func testAStartThatCannotSpawnEveryNodeSpawnsNone() {
    let s = preparedSession(maxNodes: 8)
    let before = s.world.allNodes.count
    refused(s, "paxos start", "over the cap")
    refused(s, "pubsub start --subscribers 4", "over the cap")
    XCTAssertEqual(s.world.allNodes.count, before)
    refused(s, "vote start --values 1,2,3,4,5", "over the cap")
    refused(s, "vote start --values 1,,2", "--values is 2 to 20 values")
    XCTAssertEqual(s.world.allNodes.count, before)
  }

  /// A schedule written by hand is followed through the model: the checker's duel extended by
  /// one round keeps every ballot from being chosen, and a step that cannot happen is refused
  /// at its line with the steps that could.
  func testAHandWrittenScheduleIsFollowedAndAnImpossibleStepRefused() throws {
    let s = ShellSession(config: WorldConfig())
    let duel = runOK(s, ["paxos check --rounds 2 --duel"]).split(separator: "\n").filter { $0.hasPrefix("  ") }
    XCTAssertEqual(duel.count, 20)
    let more = [
      "p1 starts ballot 3.1", "deliver prepare 3.1 to a1", "deliver prepare 3.1 to a2", "p2 starts ballot 3.2",
      "deliver prepare 3.2 to a1", "deliver prepare 3.2 to a2", "deliver a1's promise for 3.1 (nothing accepted) to p1",
      "deliver a2's promise for 3.1 (nothing accepted) to p1", "deliver a1's promise for 3.2 (nothing accepted) to p2",
      "deliver a2's promise for 3.2 (nothing accepted) to p2",
    ]
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("follow-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try (duel.map(String.init) + ["# one more round"] + more).joined(separator: "\n").write(
      to: dir.appendingPathComponent("duel.txt"), atomically: true, encoding: .utf8)
    s.baseDirectory = dir.path
    let out = runOK(s, ["paxos follow duel.txt"])
    XCTAssertTrue(out.hasPrefix("followed 30 steps of duel.txt (3 acceptors, 2 proposers)"), out)
    XCTAssertTrue(out.contains("reached phase 2 without a majority accepting: 1.1, 1.2, 2.1, 2.2, 3.1, 3.2"), out)
    runOK(s, ["expect paxos.follow.unaccepted == 6", "expect paxos.follow.chosen == 0"])
    // Once p1's ballot 1.1 has its promises, a prepare for a ballot p1 never started cannot be sent.
    try "p1 starts ballot 1.1\n\ndeliver prepare 2.1 to a1\n".write(
      to: dir.appendingPathComponent("bad.txt"), atomically: true, encoding: .utf8)
    refused(
      s, "paxos follow bad.txt",
      "bad.txt:3: 'deliver prepare 2.1 to a1' cannot happen here; possible: 'p1 starts ballot 2.1', 'p2 starts ballot 1.2'"
    )
    refused(s, "paxos follow missing.txt", "no such file")
    XCTAssertEqual(ScriptFile.resolve("duel.txt", relativeTo: ""), "duel.txt")
    XCTAssertEqual(ScriptFile.resolve("duel.txt", relativeTo: "runs"), "runs/duel.txt")
  }
}
