import DistLab
import XCTest

@testable import DistLabSharding

/// The range table's chunked array behaves as an array under any mix of inserts and writes.
final class ChunkedArrayTests: XCTestCase {
  func testRandomInsertsAndWritesMatchAnArray() {
    var rng = SeededRandom(seed: 3, stream: 1)
    var plain: [Int] = []
    var chunked = ChunkedArray<Int>()
    for step in 0..<20_000 {
      let at = Int(rng.next() % UInt64(plain.count + 1))
      if rng.next() % 5 == 0, !plain.isEmpty {
        let i = Int(rng.next() % UInt64(plain.count))
        plain[i] = -step
        chunked[i] = -step
      } else {
        plain.insert(step, at: at)
        chunked.insert(step, at: at)
      }
    }
    XCTAssertEqual(chunked.count, plain.count)
    XCTAssertEqual(Array(chunked), plain)
    XCTAssertEqual(ChunkedArray(plain), chunked)
  }
}
