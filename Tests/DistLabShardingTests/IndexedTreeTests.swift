import DistLab
import XCTest

@testable import DistLabSharding

/// The range table's tree behaves as an array under any mix of inserts and writes, finds the
/// last element passing a prefix test as a scan would, and its least-loaded counter agrees
/// with a walk over the counts.
final class IndexedTreeTests: XCTestCase {
  func testRandomInsertsAndWritesMatchAnArray() {
    var rng = SeededRandom(seed: 3, stream: 1)
    var plain: [Int] = []
    var tree = IndexedTree<Int>()
    for step in 0..<20_000 {
      let at = Int(rng.next() % UInt64(plain.count + 1))
      if rng.next() % 5 == 0, !plain.isEmpty {
        let i = Int(rng.next() % UInt64(plain.count))
        plain[i] = -step
        tree[i] = -step
      } else {
        plain.insert(step, at: at)
        tree.insert(step, at: at)
      }
    }
    XCTAssertEqual(tree.count, plain.count)
    XCTAssertEqual(Array(tree), plain)
    XCTAssertEqual(IndexedTree(plain), tree)
  }

  func testLastPassingFindsTheEndOfASortedPrefix() {
    var rng = SeededRandom(seed: 5, stream: 2)
    var sorted: [Int] = []
    var tree = IndexedTree<Int>()
    XCTAssertNil(tree.lastPassing { $0 <= 10 })
    for _ in 0..<3_000 {
      let v = Int(rng.next() % 10_000)
      let at = sorted.firstIndex { $0 > v } ?? sorted.count
      sorted.insert(v, at: at)
      tree.insert(v, at: at)
    }
    for probe in stride(from: -1, through: 10_001, by: 97) {
      let expected = sorted.lastIndex { $0 <= probe }
      let found = tree.lastPassing { $0 <= probe }
      XCTAssertEqual(found?.index, expected, "\(probe)")
      if let found { XCTAssertEqual(tree[handle: found.handle], sorted[found.index]) }
    }
  }

  func testTheLeastLoadedIsTheFirstSmallestCount() {
    var rng = SeededRandom(seed: 8, stream: 3)
    for n in [1, 2, 3, 7, 64, 100] {
      var plain = (0..<n).map { _ in Int(rng.next() % 5) }
      var tree = LeastLoaded(plain)
      for _ in 0..<500 {
        XCTAssertEqual(tree.least, NodeOrder.leastLoaded(plain), "\(n) \(plain)")
        let i = Int(rng.next() % UInt64(n))
        let v = Int(rng.next() % 5)
        plain[i] = v
        tree[i] = v
      }
      XCTAssertEqual(tree.counts, plain)
    }
  }
}
