import DistLab
import XCTest

@testable import DistLabShell

/// The failure-detection commands refuse bad input with one line naming the word, and start
/// nothing.
final class DetectCommandTests: XCTestCase {
  func testBadDetectorSettingsAreRefusedAndNothingStarts() {
    let s = ShellSession(config: WorldConfig())
    refused(s, "detect start --interval -1s", "--interval must be a duration")
    refused(s, "detect start --interval 0ms", "--interval is between 10ms and 60s")
    refused(s, "detect start --phi 0", "--phi is a threshold above 0")
    refused(s, "detect start --phi -3", "--phi is a threshold above 0")
    refused(s, "detect start --phi nan", "--phi is a threshold above 0")
    refused(s, "detect start --timeout 2s --phi 8", "not both")
    refused(s, "detect start --probe 3 --phi 8", "--probe")
    refused(s, "detect start --probe 3 --interval 400ms --timeout 1s", "longer than its 500ms probe timeout")
    refused(s, "detect view m1", "no monitors yet")
    XCTAssertTrue(s.world.allNodes.isEmpty)
    runOK(s, ["detect start --nodes 3"])
    refused(s, "detect start", "already run")
    refused(s, "detect view n9", "n9")
  }

  func testBadSweepsAreRefused() {
    let s = ShellSession(config: WorldConfig())
    refused(s, "detect sweep threshold 0 4", "a φ threshold is above 0")
    refused(s, "detect sweep timeout 3s 1s", "FROM is above 0 and at most TO")
    refused(s, "detect sweep timeout soon 1s", "FROM must be a duration")
    refused(s, "detect sweep indirect 0 20", "TO must be between 0 and 10")
    refused(s, "detect sweep timeout 1s 2s --pause 11s", "--pause is at most 10s")
    refused(s, "detect sweep indirect 0 2 --interval 500ms", "longer than their 500ms timeout")
  }

  /// `nodes --view` asks the node itself: a killed peer is "suspected" only once the monitor's
  /// own timeout says so, while `nodes` (the world's truth) says "down" at once.
  func testNodesViewShowsWhatAMonitorBelievesNotTheTruth() {
    let s = ShellSession(config: WorldConfig())
    runOK(s, ["detect start --nodes 3 --timeout 3s", "advance 3s", "kill m3", "advance 1s"])
    let early = runOK(s, ["nodes --view m1"])
    XCTAssertTrue(early.hasPrefix("what m1 believes (its own view, not the world's truth):"), early)
    XCTAssertTrue(early.contains("m3    trusted"), early)
    XCTAssertTrue(runOK(s, ["nodes m3"]).contains("down"))
    runOK(s, ["advance 4s"])
    XCTAssertTrue(runOK(s, ["nodes --view m1"]).contains("m3    suspected"))
    refused(s, "nodes m1 --view m2", "--view shows one node's own view: it takes no NODES")
    runOK(s, ["spawn 1"])
    refused(s, "nodes --view n4", "n4 keeps no view of the others: a monitor does ('detect start')")
    refused(s, "nodes --view n9", "n9")
  }
}
