import DistLab
import DistLabSharding
import XCTest

/// The sharding lab's promises, checked with tolerances on fixed seeds.
///
/// The "1M keys" tests place 1,000,000 keys, in debug and release builds alike.
final class ShardingClaimsTests: XCTestCase {
  static let claimKeyCount = 1_000_000

  static let tenNodes = (1...10).map(NodeID.init)
  static let claimKeys: [ShardKey] = (try? ShardKeyGenerator.keys(.uniform, count: claimKeyCount, seed: 42)) ?? []

  /// The fraction of `keys` that move when node 11 joins ten nodes.
  func movedWhenGrowingTo11(_ kind: SchemeKind, options: SchemeOptions = SchemeOptions()) throws -> Double {
    var scheme = try Sharding.makeScheme(kind, nodes: Self.tenNodes, options: options)
    _ = scheme.place(Self.claimKeys)
    let report = try ShardAnalysis.apply(.added(NodeID(11)), to: &scheme, keys: Self.claimKeys)
    XCTAssertEqual(report.movement.total, Self.claimKeys.count)
    XCTAssertEqual(report.idealFraction, 1.0 / 11, accuracy: 1e-12)
    return report.movement.fraction
  }

  func testModNMovesTenEleventhsWhenGrowingTo11Nodes1MKeys() throws {
    XCTAssertEqual(Self.claimKeys.count, Self.claimKeyCount)
    XCTAssertEqual(try movedWhenGrowingTo11(.modN), 10.0 / 11, accuracy: 0.01)
  }

  func testJumpAndRendezvousMoveOneEleventhWhenGrowingTo11Nodes1MKeys() throws {
    XCTAssertEqual(try movedWhenGrowingTo11(.jump), 1.0 / 11, accuracy: 0.01)
    XCTAssertEqual(try movedWhenGrowingTo11(.rendezvous), 1.0 / 11, accuracy: 0.01)
  }

  func testRingWithAtLeast100VirtualNodesMovesAboutOneEleventh1MKeys() throws {
    for (vnodes, seed) in [(100, UInt64(0)), (100, 7), (250, 1), (1_000, 3)] {
      var options = SchemeOptions()
      options.virtualNodes = vnodes
      options.seed = seed
      XCTAssertEqual(try movedWhenGrowingTo11(.ring, options: options), 1.0 / 11, accuracy: 0.03, "\(vnodes) vnodes")
    }
  }

  /// One point per node: arcs are the spacings of 10 random points on a circle, whose largest is
  /// H_10 / 10 of the circle on average, so max/mean averages H_10 ≈ 2.929. Averaged over 100
  /// seeds with 20,000 keys each (the standard error of that average is about 0.07).
  func testRingWithOneVirtualNodeIsUnbalancedAboutH10OnAverageOverSeeds() throws {
    let keys = try ShardKeyGenerator.keys(.uniform, count: 20_000, seed: 5)
    let h10 = (1...10).reduce(0.0) { $0 + 1 / Double($1) }
    var sumByKeys = 0.0
    var sumByArcs = 0.0
    let seeds = 100
    for seed in 1...UInt64(seeds) {
      var ring = try RingScheme(nodes: Self.tenNodes, virtualNodes: 1, seed: seed)
      let stats = ShardAnalysis.distribution(owners: ring.place(keys), nodes: ring.nodes)
      sumByKeys += stats.maxOverMean
      sumByArcs += (ring.arcShares.max() ?? 0) * 10
    }
    XCTAssertEqual(sumByKeys / Double(seeds), h10, accuracy: 0.3)
    XCTAssertEqual(sumByArcs / Double(seeds), h10, accuracy: 0.3)
  }

  /// 1,000 points per node: each node's share of the circle has a relative spread of about
  /// 1/sqrt(1000) ≈ 3.2%, so the busiest of ten sits about 1.54 standard deviations, some 5%, above
  /// the mean. Measured: arcs average max/mean 1.049 over seeds 0–39 (seed by seed 1.03–1.10), and
  /// 1,000,000 keys on seeds 1–3 give 1.03–1.05.
  func testRingWith1000VirtualNodesIsNearlyBalanced1MKeys() throws {
    var byKeys = 0.0
    for seed in [UInt64(1), 2, 3] {
      var options = SchemeOptions()
      options.virtualNodes = 1_000
      options.seed = seed
      var ring = try Sharding.makeScheme(.ring, nodes: Self.tenNodes, options: options)
      let stats = ShardAnalysis.distribution(owners: ring.place(Self.claimKeys), nodes: ring.nodes)
      XCTAssertLessThan(stats.maxOverMean, 1.1, "seed \(seed)")
      XCTAssertTrue(stats.emptyNodes.isEmpty)
      byKeys += stats.maxOverMean
    }
    XCTAssertEqual(byKeys / 3, 1.04, accuracy: 0.03)
    var byArcs = 0.0
    for seed in 0..<UInt64(20) {
      let ring = try RingScheme(nodes: Self.tenNodes, virtualNodes: 1_000, seed: seed)
      byArcs += (ring.arcShares.max() ?? 0) * 10
    }
    XCTAssertEqual(byArcs / 20, 1.05, accuracy: 0.02)
  }

  /// Ten ranges of 100,000 ids on ten nodes, keys 0…499,999 written in order: every one of the
  /// newest 100,000 writes lands on one node, while mod-N spreads them over all ten.
  func testSequentialKeysPutAllNewWritesOnOneNodeUnderRangePartitioning() throws {
    let splits = (1...9).map { ShardKeyGenerator.key(id: UInt64($0) * 100_000, form: .standard) }
    var options = SchemeOptions()
    options.splits = splits
    var range = try Sharding.makeScheme(.range, nodes: Self.tenNodes, options: options)
    let keys = try ShardKeyGenerator.keys(.sequential(start: 0), count: 500_000)
    let writes = range.place(keys)
    let newest = Array(writes.suffix(100_000))
    let newestStats = ShardAnalysis.distribution(owners: newest, nodes: Self.tenNodes)
    XCTAssertEqual(newestStats.max, 100_000, "one node takes every new write")
    XCTAssertEqual(newestStats.emptyNodes.count, 9)
    var modn = try Sharding.makeScheme(.modN, nodes: Self.tenNodes)
    let spread = ShardAnalysis.distribution(owners: Array(modn.place(keys).suffix(100_000)), nodes: Self.tenNodes)
    XCTAssertTrue(spread.emptyNodes.isEmpty)
    XCTAssertLessThan(spread.maxOverMean, 1.05)
  }

  /// With automatic splitting (1,000 keys per range), the data ends up spread, but the writes do
  /// not: every 500 consecutive sequential writes touch at most two nodes (one, plus a second when
  /// the hot range splits and its upper half moves), against all ten under mod-N.
  func testSequentialKeysStayHotAfterAutomaticSplits() throws {
    var range = try Sharding.makeScheme(.range, nodes: Self.tenNodes)
    let keys = try ShardKeyGenerator.keys(.sequential(start: 1), count: 100_000)
    let writes = range.place(keys)
    let stored = ShardAnalysis.distribution(owners: range.owners(of: keys), nodes: Self.tenNodes)
    XCTAssertTrue(stored.emptyNodes.isEmpty, "splits spread the stored data")
    XCTAssertLessThan(stored.maxOverMean, 1.2)
    for start in stride(from: 0, to: writes.count, by: 500) {
      let window = Set(writes[start..<min(start + 500, writes.count)])
      XCTAssertLessThanOrEqual(window.count, 2, "writes \(start)…")
    }
    var modn = try Sharding.makeScheme(.modN, nodes: Self.tenNodes)
    XCTAssertEqual(Set(modn.place(Array(keys.suffix(500)))).count, 10)
  }
}
