import DistLab
import DistLabSharding
import XCTest

/// Distribution statistics, movement reports, `compare`, and the seeded key generators.
final class ShardingAnalysisTests: XCTestCase {
  func nodes(_ n: Int) -> [NodeID] { (1...n).map(NodeID.init) }

  func testDistributionStatistics() {
    let owners: [NodeID?] = [NodeID(1), NodeID(1), NodeID(1), NodeID(2), nil, NodeID(1)]
    let stats = ShardAnalysis.distribution(owners: owners, nodes: nodes(3))
    XCTAssertEqual(stats.rows.map(\.keys), [4, 1, 0])
    XCTAssertEqual(stats.rows.map(\.node), nodes(3))
    XCTAssertEqual(stats.total, 5)
    XCTAssertEqual(stats.unplaced, 1)
    XCTAssertEqual(stats.mean, 5.0 / 3, accuracy: 1e-12)
    XCTAssertEqual(stats.max, 4)
    XCTAssertEqual(stats.min, 0)
    XCTAssertEqual(stats.maxOverMean, 2.4, accuracy: 1e-12)
    // Population variance of 4, 1, 0 around 5/3: (49/9 + 4/9 + 25/9) / 3 = 78/27.
    XCTAssertEqual(stats.standardDeviation, (78.0 / 27).squareRoot(), accuracy: 1e-12)
    XCTAssertEqual(stats.coefficientOfVariation, (78.0 / 27).squareRoot() / (5.0 / 3), accuracy: 1e-12)
    XCTAssertEqual(stats.emptyNodes, [NodeID(3)])
    XCTAssertEqual(stats.keys(on: NodeID(2)), 1)
    let odd = ShardAnalysis.distribution(owners: [NodeID(5_000)], nodes: [NodeID(1)])
    XCTAssertEqual(odd.rows.map(\.node), [NodeID(1), NodeID(5_000)], "owners outside the node list still count")
    let none = ShardAnalysis.distribution(owners: [], nodes: nodes(2))
    XCTAssertEqual(none.maxOverMean, 0)
    XCTAssertEqual(none.coefficientOfVariation, 0)
    let copies = ShardAnalysis.distribution(
      copies: [[NodeID(1), NodeID(2)], [NodeID(2), NodeID(3)]], nodes: nodes(3))
    XCTAssertEqual(copies.rows.map(\.keys), [1, 2, 1])
  }

  func testMovementCountsKeysAndFlows() {
    let before: [NodeID?] = [NodeID(1), NodeID(1), NodeID(2), NodeID(3), nil]
    let after: [NodeID?] = [NodeID(1), NodeID(4), NodeID(4), NodeID(1), NodeID(2)]
    let m = ShardAnalysis.movement(before: before, after: after)
    XCTAssertEqual(m.total, 4)
    XCTAssertEqual(m.moved, 3)
    XCTAssertEqual(m.fraction, 0.75)
    XCTAssertEqual(
      m.flows.map { [$0.from.number, $0.to.number, $0.keys] }, [[1, 4, 1], [2, 4, 1], [3, 1, 1]], "sorted by (from, to)"
    )
    let copies = ShardAnalysis.copyMovement(
      before: [[NodeID(1), NodeID(2)], [NodeID(2), NodeID(3)]],
      after: [[NodeID(1), NodeID(4)], [NodeID(3), NodeID(2)]])
    XCTAssertEqual(copies.moved, 1)
    XCTAssertEqual(copies.total, 4)
  }

  func testNodeChangeReport() throws {
    var scheme = try Sharding.makeScheme(.modN, nodes: nodes(4))
    let keys = try ShardKeyGenerator.keys(.uniform, count: 10_000, seed: 2)
    _ = scheme.place(keys)
    let report = try ShardAnalysis.apply(.added(NodeID(5)), to: &scheme, keys: keys)
    XCTAssertEqual(report.change, .added(NodeID(5)))
    XCTAssertEqual(report.before.rows.count, 4)
    XCTAssertEqual(report.after.rows.count, 5)
    XCTAssertEqual(report.idealFraction, 0.2)
    XCTAssertEqual(report.movement.fraction, 0.8, accuracy: 0.02)
    XCTAssertEqual(scheme.nodes, nodes(5), "the scheme now has the node")
  }

  func testCompareReportsEverySchemeOnTheSameKeys() throws {
    let keys = try ShardKeyGenerator.keys(.uniform, count: 20_000, seed: 11)
    let rows = try ShardAnalysis.compare(keys: keys, nodes: nodes(10))
    XCTAssertEqual(rows.map(\.kind), SchemeKind.allCases)
    let byKind = Dictionary(uniqueKeysWithValues: rows.map { ($0.kind, $0) })
    XCTAssertEqual(byKind[.modN]?.movedOnAdd ?? 0, 10.0 / 11, accuracy: 0.02)
    XCTAssertEqual(byKind[.jump]?.movedOnAdd ?? 0, 1.0 / 11, accuracy: 0.02)
    XCTAssertEqual(byKind[.rendezvous]?.movedOnRemove ?? 0, 0.1, accuracy: 0.02)
    XCTAssertEqual(
      byKind[.jump]?.movedOnRemove ?? 0, 0.19, accuracy: 0.03, "removing bucket 0 also reshuffles the last")
    XCTAssertEqual(byKind[.chunks]?.movedOnAdd, 0, "blocks stay where they are")
    XCTAssertEqual(byKind[.directory]?.metadata, ShardMetadata(entries: 20_000, unit: .directoryRows))
    XCTAssertEqual(byKind[.directory]?.maxOverMean ?? 0, 1, accuracy: 1e-9)
    XCTAssertEqual(byKind[.ring]?.metadata, ShardMetadata(entries: 1_000, unit: .ringPoints))
    XCTAssertEqual(byKind[.maglev]?.metadata.entries, 65_537)
    XCTAssertEqual(byKind[.modN]?.lookupCost.complexity, "O(1)")
    XCTAssertEqual(byKind[.rendezvous]?.lookupCost.steps, 10)
    XCTAssertLessThanOrEqual(byKind[.bounded]?.maxOverMean ?? 9, 1.25)
    XCTAssertEqual(byKind[.chunks]?.emptyNodes, 9, "20,000 records of 1 KiB fit in one 128 MiB block")
    XCTAssertEqual(try ShardAnalysis.compare(keys: keys, nodes: nodes(10)), rows, "deterministic")
    let single = try ShardAnalysis.compare(keys: keys, nodes: [NodeID(1)], kinds: [.ring])
    XCTAssertNil(single.first?.movedOnRemove)
  }

  func testGeneratorsAreSeededAndShaped() throws {
    let a = try ShardKeyGenerator.keys(.uniform, count: 50_000, seed: 7)
    XCTAssertEqual(a, try ShardKeyGenerator.keys(.uniform, count: 50_000, seed: 7))
    XCTAssertNotEqual(a, try ShardKeyGenerator.keys(.uniform, count: 50_000, seed: 8))
    XCTAssertEqual(Set(a).count, 50_000, "uniform keys are distinct")
    XCTAssertTrue(a.allSatisfy { $0.description.hasPrefix("key-") && $0.description.utf8.count == 12 })
    let raw = try ShardKeyGenerator.keys(.uniform, count: 50_000, seed: 7, form: .raw)
    XCTAssertEqual(Set(raw).count, 50_000)
    XCTAssertTrue(raw.allSatisfy(\.isRaw))
    let seq = try ShardKeyGenerator.keys(.sequential(start: 9), count: 3)
    XCTAssertEqual(seq, ["key-00000009", "key-00000010", "key-00000011"])
    XCTAssertEqual(seq, seq.sorted(), "padded ids sort in numeric order")
    XCTAssertEqual(
      try ShardKeyGenerator.keys(.sequential(start: 1), count: 2, form: .raw), [ShardKey(raw: 1), ShardKey(raw: 2)])
    XCTAssertEqual(
      try ShardKeyGenerator.keys(.sequential(start: 1), count: 1, form: .string(prefix: "user")), ["user-00000001"])
    XCTAssertEqual(try ShardKeyGenerator.keys(.uniform, count: 0), [])
  }

  func testZipfKeysConcentrateOnTheHottestIds() throws {
    let n = 100_000
    let keys = try ShardKeyGenerator.keys(.zipf(skew: 1, distinct: 1_000), count: n, seed: 4)
    XCTAssertEqual(keys, try ShardKeyGenerator.keys(.zipf(skew: 1, distinct: 1_000), count: n, seed: 4))
    var counts: [ShardKey: Int] = [:]
    for key in keys { counts[key, default: 0] += 1 }
    let h1000 = (1...1_000).reduce(0.0) { $0 + 1 / Double($1) }
    let hottest = Double(counts[ShardKeyGenerator.key(id: 1, form: .standard)] ?? 0) / Double(n)
    XCTAssertEqual(hottest, 1 / h1000, accuracy: 0.01, "P(id 1) = 1 / H_1000 ≈ 0.134")
    let second = Double(counts[ShardKeyGenerator.key(id: 2, form: .standard)] ?? 0) / Double(n)
    XCTAssertEqual(second, 0.5 / h1000, accuracy: 0.01)
    let flat = try ShardKeyGenerator.keys(.zipf(skew: 0, distinct: 10), count: 10_000, seed: 4)
    XCTAssertEqual(Set(flat).count, 10)
    // The hot keys are neighbours in key order, so ranges make a hot node; hashing spreads them.
    var range = try RangeScheme(
      nodes: nodes(10), splits: (1...9).map { ShardKeyGenerator.key(id: UInt64($0) * 100, form: .standard) })
    let rangeLoad = ShardAnalysis.distribution(owners: range.place(keys), nodes: nodes(10))
    var jump = try JumpScheme(nodes: nodes(10))
    let jumpLoad = ShardAnalysis.distribution(owners: jump.place(keys), nodes: nodes(10))
    XCTAssertGreaterThan(rangeLoad.maxOverMean, 6)
    XCTAssertLessThan(jumpLoad.maxOverMean, rangeLoad.maxOverMean / 2)
  }
}
