import DistLab
import DistLabSharding
import XCTest

/// Time budgets for the sharding schemes, checked only in a release build
/// (`swift test -c release --filter ShardingPerformanceTests`); each figure is the best of three
/// runs, since the machines are shared and noisy.
final class ShardingPerformanceTests: XCTestCase {
  static let nodes = (1...10).map(NodeID.init)

  override func setUpWithError() throws {
    #if DEBUG
      throw XCTSkip("timing budgets apply to release builds")
    #endif
  }

  func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
  }

  /// Best of `runs` timings of `body`.
  func best(_ runs: Int = 3, _ body: () throws -> Void) rethrows -> Double {
    var fastest = Double.infinity
    for _ in 0..<runs {
      let start = ContinuousClock.now
      try body()
      fastest = min(fastest, seconds(ContinuousClock.now - start))
    }
    return fastest
  }

  func testPlacingOneMillionKeysTakesAtMostHalfASecondForEveryScheme() throws {
    let keys = try ShardKeyGenerator.keys(.uniform, count: 1_000_000, seed: 1)
    let strings = keys.map(\.description)
    let hashing = best { XCTAssertEqual(strings.map { ShardKey($0) }.count, 1_000_000) }
    print("sharding: hashing 1,000,000 string keys (xxh64): \(Int(hashing * 1_000)) ms")
    for kind in SchemeKind.allCases {
      let empty = try Sharding.makeScheme(kind, nodes: Self.nodes)
      let elapsed = best {
        var scheme = empty
        XCTAssertEqual(scheme.place(keys).count, keys.count)
      }
      print("sharding: placing 1,000,000 keys with \(kind.rawValue): \(Int(elapsed * 1_000)) ms")
      XCTAssertLessThanOrEqual(elapsed, 0.5, "\(kind)")
    }
  }

  /// Nanoseconds per `owner(of:)` over 1,000,000 random keys, the hash already computed.
  func nanosPerLookup(_ scheme: some ShardingScheme, _ keys: [ShardKey]) -> Double {
    var sink = 0
    let elapsed = best {
      for key in keys { sink &+= scheme.owner(of: key)?.number ?? 0 }
    }
    XCTAssertNotEqual(sink, 0)
    return elapsed * 1e9 / Double(keys.count)
  }

  func testLookupCostOfJumpAndOfARingOfTenThousandPoints() throws {
    let keys = try ShardKeyGenerator.keys(.uniform, count: 1_000_000, seed: 2, form: .raw)
    let jump = nanosPerLookup(try JumpScheme(nodes: Self.nodes), keys)
    let ring = try RingScheme(nodes: Self.nodes, virtualNodes: 1_000)
    XCTAssertEqual(ring.metadata.entries, 10_000)
    let ringNanos = nanosPerLookup(ring, keys)
    print("sharding: lookup jump (10 nodes) \(jump) ns, ring (10,000 points) \(ringNanos) ns")
    XCTAssertLessThanOrEqual(jump, 60)
    XCTAssertLessThanOrEqual(ringNanos, 150)
  }
}
