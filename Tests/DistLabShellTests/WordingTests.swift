import DistLab
import XCTest

@testable import DistLabShell

/// Small words a student reads: counts agree with their nouns, durations read as durations.
final class WordingTests: XCTestCase {
  func testOneRangeIsNotOneRanges() {
    let s = ShellSession()
    runOK(s, ["spawn 3"])
    let one = runOK(s, ["shard use range --max-range-keys 100"])
    XCTAssertTrue(one.contains("metadata: 1 range;"), one)
    runOK(s, ["shard clear", "shard use range --splits k1,k2"])
    XCTAssertTrue(runOK(s, ["shard stats"]).contains("metadata: 3 ranges"))
    XCTAssertEqual(Messages.count(1, .blockRows), "1 block table row")
    XCTAssertEqual(Messages.count(2, .lookupTable), "2 lookup table slots")
  }

  func testADurationArgumentReadsAsADuration() {
    let s = ShellSession()
    runOK(s, ["spawn 2"])
    XCTAssertTrue(runOK(s, ["rpc n2 sleep 2s --timeout 5s"]).hasPrefix("n2.sleep(2s) = slept"))
    XCTAssertTrue(runOK(s, ["rpc n2 sleep 2s"]).hasPrefix("n2.sleep(2s): timeout"))
    XCTAssertTrue(runOK(s, ["rpc n2 add 2000000000 1"]).hasPrefix("n2.add(2000000000, 1) = 2000000001"))
  }
}

extension WordingTests {
  func testHelpNodesExplainsTheIncarnationColumn() {
    let help = ShellSession().run("help nodes").text
    XCTAssertTrue(help.contains("INC is the node's incarnation"), help)
  }
}

extension WordingTests {
  /// A misspelt method still goes to the server (it answers that it has none), and the shell
  /// suggests the closest method the node's role declares.
  func testAMisspeltMethodGetsADidYouMean() {
    let s = ShellSession()
    runOK(s, ["spawn 2"])
    let out = runOK(s, ["rpc n2 ad 1 2"])
    XCTAssertTrue(out.hasPrefix("n2.ad(1, 2) failed: no method 'ad'"), out)
    XCTAssertTrue(out.hasSuffix("(did you mean 'add'? 'help rpc' lists the methods)"), out)
    XCTAssertFalse(runOK(s, ["rpc n2 zzz"]).contains("did you mean"), "nothing close: no guess")
  }
}
