import XCTest

@testable import DistLabShell

final class CompletionTests: XCTestCase {
  func testCompletesCommandsSubcommandsFlagsAndNodes() {
    let s = preparedSession()
    let c = Completer(session: s)
    XCTAssertEqual(c.candidates("sp"), ["spawn"])
    XCTAssertEqual(
      Set(c.candidates("s")), ["spawn", "send", "seed", "set", "stats", "source", "shard", "store", "service"])
    XCTAssertEqual(c.candidates("net la"), ["latency"])
    XCTAssertEqual(c.candidates("net latency u"), ["uniform"])
    XCTAssertEqual(c.candidates("rpc n2 add 1 2 --ti"), ["--timeout"])
    XCTAssertEqual(c.candidates("kill n"), ["n1", "n2", "n3", "n4"])
    XCTAssertEqual(c.candidates("kill n1,n"), ["n1,n2", "n1,n3", "n1,n4"])
    XCTAssertEqual(c.candidates("kill d"), ["db"])
    XCTAssertEqual(c.candidates("rpc n2 kv.g"), ["kv.get"])
    XCTAssertEqual(c.candidates("rpc n2 kv.m"), ["kv.mput", "kv.mget", "kv.mdel"])
    XCTAssertEqual(c.candidates("shard use ri"), ["ring"])
    XCTAssertEqual(c.candidates("shard lo"), ["load"])
    XCTAssertEqual(c.candidates("rpc n2 add 1 2 --from n"), ["n1", "n2", "n3", "n4"])
    XCTAssertEqual(c.candidates("spawn --region eu-"), ["eu-central", "eu-west"])
    XCTAssertEqual(c.candidates("help ad"), ["advance"])
    XCTAssertEqual(c.candidates("mode "), ["sim", "live", "process"])
    XCTAssertEqual(c.candidates("bogus "), [])
  }
}
