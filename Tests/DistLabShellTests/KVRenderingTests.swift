import DistLab
import XCTest

@testable import DistLabShell

/// `kv` output names the key as it would be typed, whatever the key holds, and never reads
/// back rendered text to find its parts.
final class KVRenderingTests: XCTestCase {
  func testAKeyWithAColonAndASpaceStaysOneWordInEveryOutcome() {
    let s = ShellSession()
    runOK(s, ["spawn 2"])
    XCTAssertTrue(runOK(s, ["kv put n1 \"a: b\" 1"]).hasPrefix("n1: \"a: b\" := 1 (was null)  (rpc#"))
    XCTAssertTrue(runOK(s, ["kv get n1 \"a: b\""]).hasPrefix("n1: \"a: b\" = 1  (rpc#"))
    runOK(s, ["kill n2"])
    let timedOut = runOK(s, ["kv get n2 \"a: b\""])
    XCTAssertEqual(timedOut, "kv get n2 \"a: b\": timeout, no answer within 1s  (rpc#3)")
    let failed = runOK(s, ["kv put n1 k word", "kv incr n1 k"])
    XCTAssertTrue(
      failed.hasSuffix("kv incr n1 k: kv.incr: 'k' holds a string, not an int  (rpc#5, round trip 2ms)"), failed)
  }
}
