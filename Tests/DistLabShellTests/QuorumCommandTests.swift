import DistLab
import XCTest

@testable import DistLabShell

/// The quorum store's and the slow subscribers' commands refuse bad input with one line that
/// names the flag, and change nothing.
final class QuorumCommandTests: XCTestCase {
  func testBadQuorumSettingsAreRefusedAndNothingStarts() {
    let s = ShellSession(config: WorldConfig())
    refused(s, "store start --quorum --w 4", "--w 4 is larger than --n 3")
    refused(s, "store start --quorum --r 5 --n 4 --nodes 4", "--r 5 is larger than --n 4")
    refused(s, "store start --quorum --nodes 2 --n 3", "--n 3 is more replicas than the 2 store nodes")
    refused(s, "store start --quorum --sync", "--sync is for a primary/replica store")
    refused(s, "store start --sloppy", "--sloppy is for a quorum store: add --quorum")
    refused(s, "store start --quorum --resolve maybe", "--resolve is one of lww, siblings, not 'maybe'")
    refused(s, "store start --quorum --anti-entropy 1ms", "--anti-entropy is at least 10ms")
    XCTAssertTrue(s.world.allNodes.isEmpty, "no refused start spawned a node")
    runOK(s, ["store start --quorum"])
    refused(s, "store promote s1", "a quorum store has no primary to promote")
  }

  func testAWorkloadRefusesWhatItCannotCheckOrCut() {
    let s = ShellSession(config: WorldConfig())
    runOK(s, ["store start --quorum --resolve siblings"])
    refused(s, "store workload --for 1s", "start the quorum store with --resolve lww")
    let t = ShellSession(config: WorldConfig())
    runOK(t, ["store start --quorum --nodes 2 --n 2"])
    refused(t, "store workload --for 1s --nemesis partition", "needs at least 3 store nodes")
    let u = ShellSession(config: WorldConfig())
    runOK(u, ["store start --quorum", "net partition s1 | s2 s3"])
    refused(u, "store workload --for 1s --nemesis partition", "'net heal' first")
    refused(u, "store workload --for 1s --nemesis chaos", "--nemesis is one of partition, not 'chaos'")
  }

  func testBadSlowSubscriberSettingsAreRefused() {
    let s = ShellSession(config: WorldConfig())
    refused(s, "pubsub start --when-full wait", "--when-full is one of drop, block, not 'wait'")
    refused(s, "pubsub start --buffer 0", "--buffer")
    runOK(s, ["pubsub start"])
    refused(s, "pubsub subscribe sub1 news --slow 0ms", "--slow is between 1ms and 60s")
    refused(s, "pubsub publish news m --count 0", "--count")
  }
}
