import DistLab
import DistLabSharding
import XCTest

@testable import DistLabShell

/// Bad input: each refusal is a typed error with a clear one-line message, and nothing changes.
final class ShardingErrorTests: XCTestCase {
  func nodes(_ n: Int) -> [NodeID] { (1...n).map(NodeID.init) }

  /// Runs `body`, which must throw `expected`, and checks the message is one non-empty line.
  func assertRefused<T>(
    _ expected: ShardingError, file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws(ShardingError) -> T
  ) {
    do {
      _ = try body()
      XCTFail("expected \(expected)", file: file, line: line)
    } catch {
      XCTAssertEqual(error, expected, file: file, line: line)
      XCTAssertFalse(Messages.text(error).isEmpty, file: file, line: line)
      XCTAssertFalse(Messages.text(error).contains("\n"), Messages.text(error), file: file, line: line)
    }
  }

  func testUnknownSchemeNamesTheKnownOnes() throws {
    assertRefused(.unknownScheme("rnge")) { () throws(ShardingError) in
      try Sharding.makeScheme(named: "rnge", nodes: nodes(3))
    }
    XCTAssertEqual(
      Messages.text(ShardingError.unknownScheme("rnge")),
      "unknown scheme 'rnge' (schemes: modn, range, chunks, ring, directory, jump, rendezvous, maglev, bounded)")
    XCTAssertEqual(try SchemeKind(parsing: "HRW"), .rendezvous)
    XCTAssertEqual(try SchemeKind(parsing: "mod-n"), .modN)
    XCTAssertEqual(try Sharding.makeScheme(named: "Consistent", nodes: nodes(2)).kind, .ring)
  }

  func testZeroNodesIsRefusedByEveryScheme() {
    for kind in SchemeKind.allCases {
      assertRefused(.noNodes) { () throws(ShardingError) in try Sharding.makeScheme(kind, nodes: []) }
    }
    XCTAssertEqual(Messages.text(ShardingError.noNodes), "a scheme needs at least one node")
  }

  func testReplicationFactorAboveNodeCount() throws {
    var options = SchemeOptions()
    options.replicationFactor = 4
    for kind in SchemeKind.allCases {
      assertRefused(.replicationFactorAboveNodeCount(factor: 4, nodes: 3)) { () throws(ShardingError) in
        try Sharding.makeScheme(kind, nodes: nodes(3), options: options)
      }
    }
    XCTAssertEqual(
      Messages.text(ShardingError.replicationFactorAboveNodeCount(factor: 4, nodes: 3)),
      "replication factor 4 needs at least 4 nodes (there are 3)")
    options.replicationFactor = 0
    assertRefused(.invalidReplicationFactor(0)) { () throws(ShardingError) in
      try Sharding.makeScheme(.ring, nodes: nodes(3), options: options)
    }
    // Removing a node below the factor is refused and changes nothing.
    options.replicationFactor = 3
    var scheme = try Sharding.makeScheme(.ring, nodes: nodes(3), options: options)
    assertRefused(.replicationFactorAboveNodeCount(factor: 3, nodes: 2)) { () throws(ShardingError) in
      try scheme.removeNode(NodeID(2))
    }
    XCTAssertEqual(scheme.nodes, nodes(3))
  }

  func testRangeSplitListOutOfOrder() {
    var options = SchemeOptions()
    options.splits = [ShardKey(raw: 100), ShardKey(raw: 500), ShardKey(raw: 300)]
    let expected = ShardingError.splitPointsOutOfOrder(
      position: 3, previous: ShardKey(raw: 500), next: ShardKey(raw: 300))
    assertRefused(expected) { () throws(ShardingError) in
      try Sharding.makeScheme(.range, nodes: nodes(3), options: options)
    }
    XCTAssertEqual(
      Messages.text(expected), "range split points must increase: split 3 '300' does not come after split 2 '500'")
    options.splits = ["b", "b"]
    assertRefused(.splitPointsOutOfOrder(position: 2, previous: "b", next: "b")) { () throws(ShardingError) in
      try Sharding.makeScheme(.range, nodes: nodes(3), options: options)
    }
    options.splits = []
    options.maxRangeKeys = 1
    assertRefused(.invalidMaxRangeKeys(1)) { () throws(ShardingError) in
      try Sharding.makeScheme(.range, nodes: nodes(3), options: options)
    }
  }

  func testNonPrimeMaglevSize() {
    var options = SchemeOptions()
    options.tableSize = 100
    assertRefused(.nonPrimeTableSize(100, nextPrime: 101)) { () throws(ShardingError) in
      try Sharding.makeScheme(.maglev, nodes: nodes(3), options: options)
    }
    XCTAssertEqual(
      Messages.text(ShardingError.nonPrimeTableSize(100, nextPrime: 101)),
      "Maglev table size must be prime: 100 is not (the next prime is 101)")
    options.tableSize = 1
    assertRefused(.tableSizeOutOfRange(1)) { () throws(ShardingError) in
      try Sharding.makeScheme(.maglev, nodes: nodes(3), options: options)
    }
    options.tableSize = 3
    assertRefused(.tableTooSmall(size: 3, nodes: 3)) { () throws(ShardingError) in
      try Sharding.makeScheme(.maglev, nodes: nodes(3), options: options)
    }
    options.tableSize = 7
    options.maglevPermutations = [NodeID(1): MaglevPermutation(offset: 2, skip: 7)]
    assertRefused(.invalidMaglevPermutation(node: NodeID(1), offset: 2, skip: 7, tableSize: 7)) {
      () throws(ShardingError) in try Sharding.makeScheme(.maglev, nodes: nodes(3), options: options)
    }
  }

  func testOtherBadOptions() {
    var options = SchemeOptions()
    options.virtualNodes = 0
    assertRefused(.invalidVirtualNodes(0)) { () throws(ShardingError) in
      try Sharding.makeScheme(.ring, nodes: nodes(3), options: options)
    }
    options = SchemeOptions()
    options.loadFactor = 0.9
    assertRefused(.invalidLoadFactor(0.9)) { () throws(ShardingError) in
      try Sharding.makeScheme(.bounded, nodes: nodes(3), options: options)
    }
    options = SchemeOptions()
    options.blockSize = 0
    assertRefused(.invalidBlockSize(0)) { () throws(ShardingError) in
      try Sharding.makeScheme(.chunks, nodes: nodes(3), options: options)
    }
    options = SchemeOptions()
    options.blockSize = 1_024
    options.recordSize = 4_096
    assertRefused(.invalidRecordSize(4_096, blockSize: 1_024)) { () throws(ShardingError) in
      try Sharding.makeScheme(.chunks, nodes: nodes(3), options: options)
    }
    assertRefused(.duplicateNode(NodeID(2))) { () throws(ShardingError) in
      try Sharding.makeScheme(.jump, nodes: [NodeID(1), NodeID(2), NodeID(2)])
    }
    assertRefused(.invalidNode(NodeID.client)) { () throws(ShardingError) in
      try Sharding.makeScheme(.jump, nodes: [NodeID.client, NodeID(2)])
    }
    assertRefused(.invalidKeyCount(-1)) { () throws(ShardingError) in try ShardKeyGenerator.keys(.uniform, count: -1) }
    assertRefused(.invalidKeyCount(20_000_000)) { () throws(ShardingError) in
      try ShardKeyGenerator.keys(.uniform, count: 20_000_000)
    }
    assertRefused(.invalidZipfSkew(-1)) { () throws(ShardingError) in
      try ShardKeyGenerator.keys(.zipf(skew: -1, distinct: 10), count: 5)
    }
    do {
      _ = try ShardKeyGenerator.keys(.zipf(skew: .nan, distinct: 10), count: 5)
      XCTFail("a NaN skew must be refused")
    } catch {
      guard case .invalidZipfSkew(let skew) = error, skew.isNaN else { return XCTFail("\(error)") }
      XCTAssertEqual(Messages.text(error), "zipf skew must be a number >= 0, not nan")
    }
    assertRefused(.invalidDistinctKeys(0)) { () throws(ShardingError) in
      try ShardKeyGenerator.keys(.zipf(skew: 1, distinct: 0), count: 5)
    }
  }

  /// Refused node changes leave every scheme exactly as it was.
  func testRefusedNodeChangesChangeNothing() throws {
    let keys = try ShardKeyGenerator.keys(.uniform, count: 2_000, seed: 3)
    for kind in SchemeKind.allCases {
      var scheme = try Sharding.makeScheme(kind, nodes: nodes(3))
      _ = scheme.place(keys)
      let owners = scheme.owners(of: keys)
      let label = scheme.label
      let metadata = scheme.metadata
      assertRefused(.duplicateNode(NodeID(2))) { () throws(ShardingError) in try scheme.addNode(NodeID(2)) }
      assertRefused(.invalidNode(NodeID(0))) { () throws(ShardingError) in try scheme.addNode(NodeID(0)) }
      assertRefused(.unknownNode(NodeID(9))) { () throws(ShardingError) in try scheme.removeNode(NodeID(9)) }
      var single = try Sharding.makeScheme(kind, nodes: [NodeID(4)])
      assertRefused(.lastNode(NodeID(4))) { () throws(ShardingError) in try single.removeNode(NodeID(4)) }
      XCTAssertEqual(single.nodes, [NodeID(4)])
      var report: NodeChangeReport?
      assertRefused(.unknownNode(NodeID(9))) { () throws(ShardingError) in
        report = try ShardAnalysis.apply(.removed(NodeID(9)), to: &scheme, keys: keys)
      }
      XCTAssertNil(report)
      XCTAssertEqual(scheme.owners(of: keys), owners, "\(kind)")
      XCTAssertEqual(scheme.nodes, nodes(3), "\(kind)")
      XCTAssertEqual(scheme.label, label, "\(kind)")
      XCTAssertEqual(scheme.metadata, metadata, "\(kind)")
    }
    var maglev = try MaglevScheme(nodes: nodes(4), tableSize: 5)
    assertRefused(.tableTooSmall(size: 5, nodes: 5)) { () throws(ShardingError) in try maglev.addNode(NodeID(5)) }
    XCTAssertEqual(maglev.nodes, nodes(4))
    var directory = try DirectoryScheme(nodes: nodes(2))
    assertRefused(.unknownNode(NodeID(5))) { () throws(ShardingError) in try directory.assign("k", to: NodeID(5)) }
    assertRefused(.unknownKey("k")) { () throws(ShardingError) in try directory.removeRow("k") }
    XCTAssertEqual(directory.rowCount, 0)
    var chunks = try ChunkScheme(nodes: nodes(2), blockSize: 1, recordSize: 1)
    assertRefused(.tooManyBlocks(bytes: 20_000_000, blockSize: 1)) { () throws(ShardingError) in
      try chunks.append(bytes: 20_000_000)
    }
    XCTAssertEqual(chunks.fileSize, 0)
  }

  /// Random options and node changes, good and bad, on every scheme: nothing traps, and every
  /// refused change leaves the owners as they were.
  func testRandomRequestsNeverCrashAndRefusalsChangeNothing() throws {
    var rng = SeededRandom(seed: 77)
    let odd = [Int.min, -1, 0, 1, 2, 3, 5, 8, 1_000, Int.max]
    func pick(_ values: [Int]) -> Int { values[Int(rng.next() % UInt64(values.count))] }
    let keys = try ShardKeyGenerator.keys(.uniform, count: 300, seed: 1) + [ShardKey(raw: 0), ShardKey(raw: .max), ""]
    var built = 0
    for round in 0..<300 {
      let kind = SchemeKind.allCases[round % SchemeKind.allCases.count]
      var options = SchemeOptions()
      func sometimes(_ apply: () -> Void) { if rng.next() % 3 == 0 { apply() } }
      sometimes { options.virtualNodes = pick([0, 1, 3, 100, 10_001, -5]) }
      sometimes { options.tableSize = pick([-1, 2, 7, 11, 12, 65_537, Int.max]) }
      sometimes { options.replicationFactor = pick([-1, 0, 1, 2, 3, 4]) }
      sometimes { options.loadFactor = [0.5, 1, 1.25, .infinity, .nan, 2_000][Int(rng.next() % 6)] }
      sometimes { options.maxRangeKeys = [nil, 0, 2, 5, Int.max][Int(rng.next() % 5)] }
      sometimes { options.blockSize = [0, 1, 100, 1 << 40, 1 << 41, .max][Int(rng.next() % 6)] }
      sometimes { options.recordSize = [0, 1, 10, 1 << 30, .max][Int(rng.next() % 5)] }
      sometimes { options.splits = [[], ["b", "a"], [ShardKey(raw: 5), "m"]][Int(rng.next() % 3)] }
      var nodeList = (0..<pick([1, 2, 3, 5])).map { NodeID($0 + 1) }
      sometimes { nodeList = (0..<pick([0, 1, 2, 3, 5])).map { _ in NodeID(pick(odd)) } }
      guard var scheme = try? Sharding.makeScheme(kind, nodes: nodeList, options: options) else { continue }
      built += 1
      _ = scheme.place(keys)
      for _ in 0..<6 {
        let before = scheme.owners(of: keys)
        let node = NodeID(pick(odd))
        do {
          if rng.next() % 2 == 0 { try scheme.addNode(node) } else { try scheme.removeNode(node) }
        } catch {
          XCTAssertEqual(scheme.owners(of: keys), before, "\(kind) \(error)")
        }
        for key in keys.prefix(20) {
          _ = scheme.explain(key)
          XCTAssertEqual(scheme.preferenceList(for: key).count, scheme.nodes.count, "\(kind)")
        }
        _ = scheme.metadata
        _ = scheme.lookupCost
      }
    }
    XCTAssertGreaterThan(built, 30, "enough requests got through to exercise the schemes")
    var chunks = try ChunkScheme(nodes: nodes(2), blockSize: 1 << 40, recordSize: 1)
    XCTAssertThrowsError(try chunks.append(bytes: .max), "2^24 blocks is too many")
    XCTAssertNil(chunks.row(0))
    XCTAssertEqual(try chunks.append(bytes: 1 << 50).count, 1_024)
    XCTAssertThrowsError(try chunks.append(bytes: .max), "the size overflows")
    XCTAssertEqual(chunks.fileSize, 1 << 50)
    XCTAssertNotNil(chunks.row(1_023))
    XCTAssertNil(chunks.row(1_024))
    XCTAssertNil(chunks.row(-1))
    XCTAssertEqual(JumpScheme.bucket(1, buckets: 0), -1, "as the reference does")
    XCTAssertEqual(JumpScheme.bucket(1, buckets: .max), JumpScheme.bucket(1, buckets: Int(Int32.max)))
  }

  func testEveryMessageIsOneLine() {
    let errors: [ShardingError] = [
      .unknownScheme("x"), .noNodes, .invalidNode(NodeID(0)), .duplicateNode(NodeID(1)), .unknownNode(NodeID(1)),
      .lastNode(NodeID(1)), .invalidReplicationFactor(0), .replicationFactorAboveNodeCount(factor: 2, nodes: 1),
      .splitPointsOutOfOrder(position: 2, previous: "b", next: "a"), .invalidMaxRangeKeys(1), .invalidBlockSize(0),
      .invalidRecordSize(0, blockSize: 1), .tooManyBlocks(bytes: 1, blockSize: 1), .invalidVirtualNodes(0),
      .nonPrimeTableSize(4, nextPrime: 5), .tableSizeOutOfRange(0), .tableTooSmall(size: 2, nodes: 2),
      .invalidMaglevPermutation(node: NodeID(1), offset: 0, skip: 0, tableSize: 7), .invalidLoadFactor(0),
      .unknownKey("k"), .invalidKeyCount(-1), .invalidZipfSkew(-1), .invalidDistinctKeys(0),
    ]
    for error in errors {
      XCTAssertFalse(Messages.text(error).isEmpty)
      XCTAssertFalse(Messages.text(error).contains("\n"), Messages.text(error))
    }
    XCTAssertEqual(
      Messages.text(ShardingError.replicationFactorAboveNodeCount(factor: 2, nodes: 1)),
      "replication factor 2 needs at least 2 nodes (there is 1)")
  }
}
