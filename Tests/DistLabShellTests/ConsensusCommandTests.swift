import DistLab
import XCTest

@testable import DistLabShell

/// The Paxos commands refuse bad input with one line, and a model check too large to finish is
/// refused with its estimate before it starts.
final class ConsensusCommandTests: XCTestCase {
  func testBadPaxosInputIsRefused() {
    let s = ShellSession(config: WorldConfig())
    refused(s, "paxos propose p1 x", "no Paxos yet")
    refused(s, "paxos start --backoff later", "--backoff is none or random")
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
}
