import DistLab
import DistLabSharding
import XCTest

/// Each sharding scheme on its own: reference values, explanations, node changes.
final class ShardingSchemeTests: XCTestCase {
  func nodes(_ n: Int) -> [NodeID] { (1...n).map(NodeID.init) }

  func keys(_ n: Int, seed: UInt64 = 1) -> [ShardKey] {
    (try? ShardKeyGenerator.keys(.uniform, count: n, seed: seed)) ?? []
  }

  // MARK: Jump hash against the reference

  /// From dgryski/go-jump's tests ("generated from the reference C++ code"): bucket for
  /// 1, 2, … buckets.
  func testJumpMatchesGoJumpReferenceTable() {
    let table: [(key: UInt64, buckets: [Int])] = [
      (0, [Int](repeating: 0, count: 20)),
      (1, [0, 0, 0, 0, 0, 0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 17, 17]),
      (0xDEAD_BEEF, [0, 1, 2, 3, 3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 16, 16, 16]),
      (0x0DDC_0FFE_EBAD_F00D, [0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 15, 15, 15, 15]),
    ]
    for row in table {
      for (i, expected) in row.buckets.enumerated() {
        XCTAssertEqual(JumpScheme.bucket(row.key, buckets: i + 1), expected, "key \(row.key), \(i + 1) buckets")
      }
    }
  }

  /// ClickHouse's `jumpConsistentHash` test (00580_consistent_hashing_functions) and values from
  /// the paper's C++ compiled with clang: key 1 with 100 buckets is bucket 55.
  func testJumpMatchesPublishedAndCompiledReferenceValues() {
    let cases: [(key: UInt64, buckets: Int, bucket: Int)] = [
      (1, 1, 0), (42, 57, 43), (256, 1024, 520), (3_735_883_980, 1, 0), (3_735_883_980, 666, 361),
      (16_045_690_984_833_335_023, 255, 237),
      (1, 100, 55), (1, 10, 6), (1, 11, 6), (1, 65_536, 21_134), (1, 1_000_000, 985_611),
      (2, 100, 62), (42, 100, 43), (0xFFFF_FFFF_FFFF_FFFF, 11, 10), (0xFFFF_FFFF_FFFF_FFFF, 100, 92),
      (1_234_567_890_123_456_789, 1_000, 888), (3_735_928_559, 1_000_000, 479_362),
    ]
    for c in cases {
      XCTAssertEqual(JumpScheme.bucket(c.key, buckets: c.buckets), c.bucket, "jump(\(c.key), \(c.buckets))")
    }
    let scheme = try? JumpScheme(nodes: nodes(100))
    XCTAssertEqual(scheme?.owner(of: ShardKey(raw: 1)), NodeID(56), "raw key 1 → bucket 55 → the 56th node")
  }

  /// 100,000 keys (i * 0x9E3779B97F4A7C15) per bucket count, summed and FNV-folded exactly as a C
  /// program around the paper's `JumpConsistentHash` did: every one of the 400,000 answers agrees.
  func testJumpAgreesWithTheCompiledReferenceOn400000Keys() {
    let expected: [(buckets: Int, sum: UInt64, fnv: UInt64)] = [
      (7, 300_179, 8_723_194_322_794_272_737),
      (100, 4_952_276, 295_740_412_883_963_024),
      (1_000, 49_942_032, 782_816_290_197_915_302),
      (1 << 20, 52_416_252_406, 1_815_783_772_153_866_904),
    ]
    for e in expected {
      var sum: UInt64 = 0
      var fnv: UInt64 = 0
      for i in 0..<UInt64(100_000) {
        let b = UInt64(JumpScheme.bucket(i &* 0x9E37_79B9_7F4A_7C15, buckets: e.buckets))
        sum += b
        fnv = (fnv ^ b) &* 0x100_0000_01B3
      }
      XCTAssertEqual(sum, e.sum, "\(e.buckets) buckets")
      XCTAssertEqual(fnv, e.fnv, "\(e.buckets) buckets")
    }
  }

  func testJumpExplainsItsPathAndRemovingANodeReusesItsBucketNumber() throws {
    var jump = try JumpScheme(nodes: nodes(100))
    let e = jump.explain(ShardKey(raw: 1))
    guard case .jump(let step) = e.step else { return XCTFail("\(e.step)") }
    XCTAssertEqual(step.bucket, 55)
    XCTAssertEqual(step.path.first, 0)
    XCTAssertEqual(step.path.last, 55)
    XCTAssertEqual(step.path, step.path.sorted())
    XCTAssertEqual(e.owner, NodeID(56))
    try jump.removeNode(NodeID(3))
    XCTAssertEqual(jump.buckets[2], NodeID(100), "the last bucket's node takes the freed number")
    XCTAssertEqual(jump.buckets.count, 99)
    XCTAssertEqual(jump.nodes, nodes(100).filter { $0 != NodeID(3) })
  }

  // MARK: Maglev, the paper's Table 1

  /// Eisenbud et al., NSDI 2016, Table 1: backends B0, B1, B2 with (offset, skip) = (3, 4),
  /// (0, 2), (3, 1), M = 7. Permutations 3 0 4 1 5 2 6 / 0 2 4 6 1 3 5 / 3 4 5 6 0 1 2.
  /// Lookup table before: B1 B0 B1 B0 B2 B2 B0; after B1 is removed: B0 B0 B0 B0 B2 B2 B2.
  func testMaglevReproducesThePapersTableOne() throws {
    let b0 = NodeID(1)
    let b1 = NodeID(2)
    let b2 = NodeID(3)
    var maglev = try MaglevScheme(
      nodes: [b0, b1, b2], tableSize: 7,
      permutations: [
        b0: MaglevPermutation(offset: 3, skip: 4), b1: MaglevPermutation(offset: 0, skip: 2),
        b2: MaglevPermutation(offset: 3, skip: 1),
      ])
    XCTAssertEqual(maglev.lookupTable, [b1, b0, b1, b0, b2, b2, b0])
    try maglev.removeNode(b1)
    XCTAssertEqual(maglev.lookupTable, [b0, b0, b0, b0, b2, b2, b2])
    try maglev.addNode(b1)
    XCTAssertEqual(maglev.lookupTable, [b1, b0, b1, b0, b2, b2, b0], "B1 back: the first table again")
  }

  func testMaglevExplainsSlotAndPermutation() throws {
    let maglev = try MaglevScheme(
      nodes: nodes(3), tableSize: 7,
      permutations: [NodeID(3): MaglevPermutation(offset: 3, skip: 1)])
    let e = maglev.explain(ShardKey(raw: 11))
    guard case .maglev(let step) = e.step else { return XCTFail("\(e.step)") }
    XCTAssertEqual(step.slot, 4)
    XCTAssertEqual(e.owner, maglev.lookupTable[4])
    XCTAssertEqual(step.permutation, maglev.permutation(of: e.owner ?? NodeID(0)))
    XCTAssertEqual(maglev.metadata, ShardMetadata(entries: 7, unit: .lookupTable))
  }

  func testMaglevDefaultTableIsNearlyEven() throws {
    let maglev = try MaglevScheme(nodes: nodes(10))
    var counts: [NodeID: Int] = [:]
    for node in maglev.lookupTable { counts[node, default: 0] += 1 }
    XCTAssertEqual(counts.count, 10)
    XCTAssertLessThanOrEqual((counts.values.max() ?? 0) - (counts.values.min() ?? 0), 1, "slots differ by at most one")
  }

  // MARK: Ring

  func testRingPointsAreXXHashOfNodeAndVirtualNodeLabels() throws {
    let ring = try RingScheme(nodes: nodes(3), virtualNodes: 20)
    XCTAssertEqual(ring.points.count, 60)
    // xxh64("n3#17") = 0xd4bc8dbec126f1b1 (checked with Python's xxhash).
    XCTAssertTrue(ring.points.contains(RingPoint(position: 0xD4BC_8DBE_C126_F1B1, node: NodeID(3), virtualNode: 17)))
    XCTAssertEqual(ring.points.map(\.position), ring.points.map(\.position).sorted())
    let reseeded = try RingScheme(nodes: nodes(3), virtualNodes: 20, seed: 9)
    XCTAssertNotEqual(ring.points, reseeded.points)
  }

  func testRingOwnerIsTheFirstPointAtOrAfterTheKey() throws {
    let ring = try RingScheme(nodes: nodes(4), virtualNodes: 3)
    let points = ring.points
    for key in keys(500) {
      let e = ring.explain(key)
      guard case .ring(let step) = e.step else { return XCTFail("\(e.step)") }
      let expected = points.first { $0.position >= key.hash } ?? points[0]
      XCTAssertEqual(step.successor, expected)
      XCTAssertEqual(step.wrapped, points.allSatisfy { $0.position < key.hash })
      XCTAssertEqual(e.owner, expected.node)
      XCTAssertEqual(ring.owner(of: key), expected.node)
    }
    // A point's own position maps to that point; one past the last point wraps to the first.
    XCTAssertEqual(ring.owner(of: ShardKey(raw: points[5].position)), points[5].node)
    if let last = points.last, last.position < .max {
      let e = ring.explain(ShardKey(raw: last.position + 1))
      guard case .ring(let step) = e.step else { return XCTFail("\(e.step)") }
      XCTAssertTrue(step.wrapped)
      XCTAssertEqual(step.successor, points[0])
    }
  }

  /// The bucketed search against a plain scan, at every point, either side of it, the ends of the
  /// circle and random positions, over rings of 1 to 1,000 points.
  func testRingSuccessorMatchesALinearScan() throws {
    var rng = SeededRandom(seed: 8)
    for (n, v) in [(1, 1), (3, 1), (2, 7), (10, 100), (10, 1)] {
      let ring = try RingScheme(nodes: nodes(n), virtualNodes: v, seed: UInt64(n * 31 + v))
      let points = ring.points
      var probes: [UInt64] = [0, 1, .max, .max - 1]
      for p in points { probes += [p.position, p.position &- 1, p.position &+ 1] }
      probes += (0..<2_000).map { _ in rng.next() }
      for h in probes {
        let expected = points.first { $0.position >= h } ?? points[0]
        XCTAssertEqual(ring.owner(of: ShardKey(raw: h)), expected.node, "\(n)x\(v) at \(h)")
        guard case .ring(let step) = ring.explain(ShardKey(raw: h)).step else { return XCTFail() }
        XCTAssertEqual(step.successor, expected)
      }
    }
  }

  func testRingPreferenceListWalksClockwiseOverDistinctNodes() throws {
    let ring = try RingScheme(nodes: nodes(5), virtualNodes: 10)
    for key in keys(50) {
      let list = ring.preferenceList(for: key)
      XCTAssertEqual(list.count, 5)
      XCTAssertEqual(Set(list).count, 5)
      XCTAssertEqual(list.first, ring.owner(of: key))
    }
  }

  func testRingAddingANodeTakesKeysOnlyForTheNewNode() throws {
    var ring = try RingScheme(nodes: nodes(5), virtualNodes: 50)
    let ks = keys(20_000)
    let before = ring.owners(of: ks)
    try ring.addNode(NodeID(6))
    let after = ring.owners(of: ks)
    for i in ks.indices where before[i] != after[i] {
      XCTAssertEqual(after[i], NodeID(6), "a key only moves to the new node")
    }
  }

  // MARK: Mod-N and rendezvous

  func testModNIsHashModuloNodeCount() throws {
    var modn = try ModNScheme(nodes: [NodeID(7), NodeID(2), NodeID(5)])
    XCTAssertEqual(modn.nodes, [NodeID(2), NodeID(5), NodeID(7)])
    let e = modn.explain(ShardKey(raw: 10))
    XCTAssertEqual(e.step, .modN(ModNStep(hash: 10, nodeCount: 3, index: 1)))
    XCTAssertEqual(e.owner, NodeID(5))
    XCTAssertEqual(modn.preferenceList(for: ShardKey(raw: 10)), [NodeID(5), NodeID(7), NodeID(2)])
    try modn.addNode(NodeID(3))
    XCTAssertEqual(modn.owner(of: ShardKey(raw: 11)), NodeID(7), "11 mod 4 = 3 → fourth of 2, 3, 5, 7")
  }

  func testRendezvousPicksTheHighestWeightAndMovesOnlyTheLeavingNodesKeys() throws {
    var hrw = try RendezvousScheme(nodes: nodes(6))
    let ks = keys(10_000)
    for key in ks.prefix(100) {
      let e = hrw.explain(key)
      guard case .rendezvous(let step) = e.step else { return XCTFail("\(e.step)") }
      XCTAssertEqual(step.weights.count, 6)
      XCTAssertEqual(step.weights.map(\.weight), step.weights.map(\.weight).sorted(by: >))
      XCTAssertEqual(e.owner, step.weights[0].node)
      let label = "n\(step.weights[0].node.number)"
      XCTAssertEqual(step.weights[0].weight, XXHash64.hash(key.hash, seed: XXHash64.hash(label)))
      XCTAssertEqual(hrw.preferenceList(for: key), step.weights.map(\.node))
    }
    let before = hrw.owners(of: ks)
    try hrw.removeNode(NodeID(4))
    let after = hrw.owners(of: ks)
    for i in ks.indices where before[i] != NodeID(4) { XCTAssertEqual(before[i], after[i]) }
  }

  // MARK: Range

  func testRangeSplitPointsDealRangesToNodesInTurn() throws {
    let splits = [100, 200, 300].map { ShardKey(raw: $0) }
    let range = try RangeScheme(nodes: nodes(2), splits: splits)
    XCTAssertEqual(range.table.map(\.node), [NodeID(1), NodeID(2), NodeID(1), NodeID(2)])
    XCTAssertEqual(range.owner(of: ShardKey(raw: 0)), NodeID(1))
    XCTAssertEqual(range.owner(of: ShardKey(raw: 99)), NodeID(1))
    XCTAssertEqual(range.owner(of: ShardKey(raw: 100)), NodeID(2), "a split point starts its range")
    XCTAssertEqual(range.owner(of: ShardKey(raw: 250)), NodeID(1))
    XCTAssertEqual(range.owner(of: ShardKey("a string")), NodeID(2), "strings sort after every raw key")
    let e = range.explain(ShardKey(raw: 150))
    XCTAssertEqual(
      e.step,
      .range(
        RangeStep(rangeIndex: 1, lower: ShardKey(raw: 100), upper: ShardKey(raw: 200), keysInRange: 0, rangeCount: 4)))
    XCTAssertEqual(range.metadata, ShardMetadata(entries: 4, unit: .ranges))
  }

  func testRangeSplitsARangeThatGrowsPastItsLimitAtTheMedian() throws {
    var range = try RangeScheme(nodes: nodes(3), maxRangeKeys: 10)
    let ks = (1...11).map { ShardKey(raw: UInt64($0)) }
    _ = range.place(Array(ks.prefix(10)))
    XCTAssertEqual(range.table.count, 1, "ten keys fit")
    _ = range.place(ks[10])
    let table = range.table
    XCTAssertEqual(table.count, 2, "the eleventh splits it")
    XCTAssertEqual(table[1].lower, ShardKey(raw: 6), "median of 1…11")
    XCTAssertEqual(table.map(\.keys), [5, 6])
    XCTAssertEqual(table[0].node, NodeID(1))
    XCTAssertEqual(table[1].node, NodeID(2), "upper half to the least-loaded node")
    for key in ks { XCTAssertEqual(range.owner(of: key), key < ShardKey(raw: 6) ? NodeID(1) : NodeID(2)) }
  }

  func testRangeCannotSplitAHotSingleKey() throws {
    var range = try RangeScheme(nodes: nodes(3), maxRangeKeys: 4)
    for _ in 0..<1_000 { _ = range.place(ShardKey("hot")) }
    XCTAssertEqual(range.table.count, 1, "one key cannot be cut in two")
    _ = range.place(ShardKey("hotter"))
    XCTAssertEqual(range.table.map(\.keys).reduce(0, +), 1_001)
  }

  func testRangeJoinTakesWholeRangesUpToAFairShare() throws {
    var range = try RangeScheme(nodes: nodes(4), maxRangeKeys: 100)
    let ks = keys(20_000)
    _ = range.place(ks)
    let report = try ShardAnalysis.apply(.added(NodeID(5)), to: &range, keys: ks)
    XCTAssertLessThanOrEqual(report.after.keys(on: NodeID(5)), 4_000, "never above its fair share")
    XCTAssertGreaterThan(report.after.keys(on: NodeID(5)), 3_900, "but close to it")
    XCTAssertEqual(report.movement.moved, report.after.keys(on: NodeID(5)), "only the newcomer's ranges moved")
    XCTAssertLessThan(report.after.maxOverMean, 1.1)
  }

  func testRangeJoinCannotSplitASingleHotKeyEither() throws {
    var range = try RangeScheme(nodes: nodes(1), maxRangeKeys: Int.max)
    _ = range.place([ShardKey](repeating: "hot", count: 10))
    try range.addNode(NodeID(2))
    XCTAssertEqual(range.table.map(\.node), [NodeID(1)], "nothing to hand over")
    _ = range.place(["a", "z"])
    try range.addNode(NodeID(3))
    XCTAssertEqual(range.table.map(\.node), [NodeID(1), NodeID(3)], "now 'hot' and 'z' can go")
    XCTAssertEqual(range.table.map(\.keys), [1, 11])
  }

  func testRangeAddingANodeSplitsTheLargestRangeAndRemovingHandsRangesOver() throws {
    var range = try RangeScheme(nodes: nodes(2), splits: [ShardKey(raw: 1_000)])
    _ = range.place((0..<1_500).map { ShardKey(raw: UInt64($0)) })
    XCTAssertEqual(range.table.map(\.keys), [1_000, 500])
    try range.addNode(NodeID(3))
    XCTAssertEqual(range.table.map(\.keys), [500, 500, 500])
    XCTAssertEqual(range.table.map(\.node), [NodeID(1), NodeID(3), NodeID(2)])
    try range.removeNode(NodeID(1))
    XCTAssertEqual(range.table.map(\.node), [NodeID(2), NodeID(3), NodeID(2)])
  }

  // MARK: Chunks

  func testChunksCutTheFileIntoBlocksRecordedInTheTable() throws {
    var chunks = try ChunkScheme(nodes: nodes(3), blockSize: 4_096, recordSize: 1_024)
    XCTAssertEqual(try ChunkScheme(nodes: nodes(1)).blockSize, 128 * 1_024 * 1_024, "HDFS's default")
    let ks = (0..<10).map { ShardKey("r\($0)") }
    let placed = chunks.place(ks)
    XCTAssertEqual(placed, [1, 1, 1, 1, 2, 2, 2, 2, 3, 3].map(NodeID.init))
    XCTAssertEqual(chunks.fileSize, 10_240)
    XCTAssertEqual(
      chunks.table,
      [
        ChunkRow(block: 0, node: NodeID(1), start: 0, bytes: 4_096, records: 4),
        ChunkRow(block: 1, node: NodeID(2), start: 4_096, bytes: 4_096, records: 4),
        ChunkRow(block: 2, node: NodeID(3), start: 8_192, bytes: 2_048, records: 2),
      ])
    let e = chunks.explain(ks[5])
    guard case .chunk(let step) = e.step else { return XCTFail("\(e.step)") }
    XCTAssertEqual(step.offset, 5_120)
    XCTAssertEqual(step.offsetInBlock, 1_024)
    XCTAssertEqual(step.row?.block, 1)
    XCTAssertEqual(e.owner, NodeID(2))
    XCTAssertNil(chunks.owner(of: ShardKey("never written")))
    XCTAssertEqual(chunks.owner(atOffset: 9_000), NodeID(3))
    XCTAssertNil(chunks.owner(atOffset: 10_240))
    XCTAssertEqual(chunks.metadata, ShardMetadata(entries: 3, unit: .blockRows))
  }

  func testChunksJoiningNodeGetsNewBlocksAndLeavingNodesBlocksMove() throws {
    var chunks = try ChunkScheme(nodes: nodes(2), blockSize: 100, recordSize: 10)
    _ = chunks.place((0..<40).map { ShardKey(raw: UInt64($0)) })
    let before = chunks.table.map(\.node)
    try chunks.addNode(NodeID(3))
    XCTAssertEqual(chunks.table.map(\.node), before, "nothing moves on join")
    let created = try chunks.append(bytes: 250)
    XCTAssertEqual(created.map(\.node), [NodeID(3), NodeID(3), NodeID(1)], "new blocks fill the emptiest node")
    try chunks.removeNode(NodeID(1))
    XCTAssertFalse(chunks.table.contains { $0.node == NodeID(1) })
    XCTAssertEqual(chunks.table.count, 7)
  }

  // MARK: Directory

  func testDirectoryIsAnEditableTable() throws {
    var dir = try DirectoryScheme(nodes: nodes(3))
    let placed = dir.place(["a", "b", "c", "d", "a"])
    XCTAssertEqual(placed, [1, 2, 3, 1, 1].map(NodeID.init), "new rows go to the emptiest node; 'a' keeps its row")
    XCTAssertEqual(dir.rowCount, 4)
    XCTAssertNil(dir.owner(of: "z"))
    XCTAssertEqual(try dir.assign("a", to: NodeID(3)), NodeID(1))
    XCTAssertEqual(dir.owner(of: "a"), NodeID(3))
    XCTAssertEqual(dir.table.map(\.key), ["a", "b", "c", "d"], "rows listed in key order")
    XCTAssertEqual(try dir.removeRow("b"), NodeID(2))
    XCTAssertNil(dir.owner(of: "b"))
    let e = dir.explain("c")
    XCTAssertEqual(e.step, .directory(DirectoryStep(row: DirectoryRow(key: "c", node: NodeID(3)), rowCount: 3)))
    XCTAssertEqual(dir.explain("zz").owner, nil)
  }

  /// Random edits against a plain dictionary model: rows written, rewritten and deleted (which
  /// exercises the table's deletion) always read back the same, and the listing stays sorted.
  func testDirectoryEditsMatchADictionaryModel() throws {
    var dir = try DirectoryScheme(nodes: nodes(4))
    var model: [ShardKey: NodeID] = [:]
    var rng = SeededRandom(seed: 12)
    for step in 0..<20_000 {
      let key = ShardKey(raw: rng.next() % 2_000)
      switch rng.next() % 3 {
      case 0:
        let node = NodeID(Int(rng.next() % 4) + 1)
        XCTAssertEqual(try dir.assign(key, to: node), model.updateValue(node, forKey: key), "step \(step)")
      case 1:
        if let node = model.removeValue(forKey: key) {
          XCTAssertEqual(try dir.removeRow(key), node, "step \(step)")
        } else {
          XCTAssertThrowsError(try dir.removeRow(key))
        }
      default:
        let placed = dir.place(key)
        if let node = model[key] { XCTAssertEqual(placed, node) } else { model[key] = placed }
      }
    }
    XCTAssertEqual(dir.rowCount, model.count)
    for k in 0..<UInt64(2_000) { XCTAssertEqual(dir.owner(of: ShardKey(raw: k)), model[ShardKey(raw: k)]) }
    XCTAssertEqual(dir.table.map(\.key), model.keys.sorted())
    let perNode = ShardAnalysis.distribution(owners: dir.table.map(\.node), nodes: nodes(4))
    for row in perNode.rows { XCTAssertEqual(row.keys, model.values.filter { $0 == row.node }.count) }
  }

  func testDirectoryJoinMovesJustEnoughRowsAndLeaveRehomesRows() throws {
    var dir = try DirectoryScheme(nodes: nodes(4))
    let ks = keys(1_000)
    _ = dir.place(ks)
    var copy = dir
    let report = try ShardAnalysis.apply(.added(NodeID(5)), to: &copy, keys: ks)
    XCTAssertEqual(report.movement.moved, 200, "1000 rows over 5 nodes: 200 to the newcomer")
    XCTAssertEqual(report.after.rows.map(\.keys), [200, 200, 200, 200, 200])
    XCTAssertTrue(report.movement.flows.allSatisfy { $0.to == NodeID(5) })
    let leave = try ShardAnalysis.apply(.removed(NodeID(2)), to: &dir, keys: ks)
    XCTAssertEqual(leave.movement.moved, 250)
    XCTAssertEqual(leave.idealFraction, 0.25)
    XCTAssertEqual(leave.after.max - leave.after.min, 1)
  }

  // MARK: Bounded loads

  func testBoundedLoadsKeepEveryNodeUnderCapacity() throws {
    var bounded = try BoundedLoadScheme(nodes: nodes(10), virtualNodes: 1, loadFactor: 1.25)
    let ks = keys(20_000)
    _ = bounded.place(ks)
    let cap = Int((1.25 * 20_000 / 10).rounded(.up))
    XCTAssertLessThanOrEqual(bounded.loads.max() ?? 0, cap, "no node above ceil(c·m/N)")
    let stats = ShardAnalysis.distribution(owners: bounded.owners(of: ks), nodes: bounded.nodes)
    XCTAssertLessThanOrEqual(stats.maxOverMean, 1.25)
    let e = bounded.explain(ks[19_999])
    guard case .bounded(let step) = e.step else { return XCTFail("\(e.step)") }
    XCTAssertTrue(step.placed)
    XCTAssertEqual(step.visited.last?.node, e.owner)
    XCTAssertEqual(e.owner, bounded.owner(of: ks[19_999]))
  }

  func testBoundedLoadsReplayArrivalOrderOnANodeChange() throws {
    var bounded = try BoundedLoadScheme(nodes: nodes(5), loadFactor: 1.1)
    let ks = keys(5_000)
    _ = bounded.place(ks)
    var fresh = try BoundedLoadScheme(nodes: nodes(6), loadFactor: 1.1)
    _ = fresh.place(ks)
    try bounded.addNode(NodeID(6))
    XCTAssertEqual(bounded.owners(of: ks), fresh.owners(of: ks))
    XCTAssertEqual(bounded.loads, fresh.loads)
  }

  // MARK: Replicas

  func testReplicasAreDistinctNodesOwnerFirst() throws {
    for kind in SchemeKind.allCases {
      var options = SchemeOptions()
      options.replicationFactor = 3
      var scheme = try Sharding.makeScheme(kind, nodes: nodes(5), options: options)
      guard var replicated = scheme as? ReplicatedScheme else { return XCTFail("\(kind) not wrapped") }
      for key in keys(200) {
        let copies = replicated.placeReplicas(key)
        XCTAssertEqual(copies.count, 3, "\(kind)")
        XCTAssertEqual(Set(copies).count, 3, "\(kind)")
        XCTAssertEqual(copies.first, replicated.owner(of: key), "\(kind)")
        XCTAssertEqual(replicated.explain(key).replicas, replicated.replicas(of: key), "\(kind)")
      }
      scheme = replicated
      XCTAssertTrue(scheme.label.hasSuffix("replicas=3"), scheme.label)
    }
  }

  func testZoneAwareReplicasNeverShareAZoneWhenZonesAllow() throws {
    let zones: [NodeID: String] = [
      NodeID(1): "eu", NodeID(2): "eu", NodeID(3): "eu", NodeID(4): "us", NodeID(5): "us", NodeID(6): "asia",
    ]
    let ring = try RingScheme(nodes: nodes(6), virtualNodes: 20)
    let aware = try ReplicatedScheme(base: ring, factor: 3, zones: zones)
    let plain = try ReplicatedScheme(base: ring, factor: 3)
    var plainShared = 0
    for key in keys(2_000) {
      let copies = aware.replicas(of: key)
      XCTAssertEqual(Set(copies.compactMap { zones[$0] }).count, 3, "three zones for three copies")
      if Set(plain.replicas(of: key).compactMap { zones[$0] }).count < 3 { plainShared += 1 }
      XCTAssertEqual(aware.explain(key).replicaZones, copies.map { zones[$0] })
    }
    XCTAssertGreaterThan(plainShared, 100, "without zones, copies often share one")
    // Two zones, three copies: two zones are used and the third copy doubles up.
    let twoZones = try ReplicatedScheme(base: ring, factor: 3, zones: zones.mapValues { $0 == "asia" ? "us" : $0 })
    for key in keys(500) {
      XCTAssertEqual(Set(twoZones.replicas(of: key).compactMap { zones[$0] == "asia" ? "us" : zones[$0] }).count, 2)
    }
  }

  // MARK: Determinism

  func testSchemesAreDeterministicValues() throws {
    let ks = keys(5_000, seed: 9)
    for kind in SchemeKind.allCases {
      var a = try Sharding.makeScheme(kind, nodes: nodes(7))
      var b = try Sharding.makeScheme(kind, nodes: nodes(7))
      XCTAssertEqual(a.place(ks), b.place(ks), "\(kind)")
      let snapshot = a.owners(of: ks)
      var copy = a
      try copy.addNode(NodeID(8))
      XCTAssertEqual(a.owners(of: ks), snapshot, "\(kind): changing a copy leaves the original alone")
      try b.addNode(NodeID(8))
      XCTAssertEqual(copy.owners(of: ks), b.owners(of: ks), "\(kind)")
      XCTAssertEqual(a.explain(ks[0]), a.explain(ks[0]), "\(kind)")
      XCTAssertEqual(a.preferenceList(for: ks[1]).count, 7, "\(kind)")
      XCTAssertEqual(a.nodes, nodes(7), "\(kind)")
      XCTAssertEqual(a.kind, kind)
    }
  }

  /// Asking for the first few nodes of a preference list gives exactly the start of the whole
  /// list, for every scheme, so copies placed with a short list land where the full list says.
  func testAShortPreferenceListIsThePrefixOfTheWholeOne() throws {
    let ks = keys(300, seed: 4)
    for kind in SchemeKind.allCases {
      var scheme = try Sharding.makeScheme(kind, nodes: nodes(40))
      _ = scheme.place(ks)
      for key in ks {
        let all = scheme.preferenceList(for: key)
        XCTAssertEqual(all.count, 40, "\(kind)")
        XCTAssertEqual(Set(all).count, 40, "\(kind): every node once")
        for limit in [0, 1, 3, 9, 39, 40, 41] {
          XCTAssertEqual(scheme.preferenceList(for: key, limit: limit), Array(all.prefix(limit)), "\(kind) \(limit)")
        }
        let odd = scheme.preferred(for: key, count: 5) { $0.number % 2 == 1 }
        XCTAssertEqual(odd, Array(all.filter { $0.number % 2 == 1 }.prefix(5)), "\(kind)")
        XCTAssertEqual(scheme.preferred(for: key, count: 3) { _ in false }, [], "\(kind)")
      }
    }
  }

  func testSchemesCanCrossThreads() async throws {
    let scheme = try Sharding.makeScheme(.ring, nodes: nodes(4))
    let key = ShardKey("k")
    let owner = await Task.detached { scheme.owner(of: key) }.value
    XCTAssertEqual(owner, scheme.owner(of: key))
  }
}
