import DistLab
import DistLabSharding
import Foundation
import XCTest

@testable import DistLabShell

final class ShardMapRendererTests: XCTestCase {
  let three = [NodeID(1), NodeID(2), NodeID(3)]
  let names: [NodeID: String] = Dictionary(uniqueKeysWithValues: (1...40).map { (NodeID($0), "n\($0)") })

  /// `key-00000`, `key-00001`, …: sequential keys, in key order.
  func keys(_ count: Int, prefix: String = "key-") -> [ShardKey] {
    (0..<count).map { i in
      let digits = String(i)
      return ShardKey(prefix + String(repeating: "0", count: max(0, 5 - digits.count)) + digits)
    }
  }

  /// Places `keys` on a copy of `scheme` and draws it.
  func picture(
    _ scheme: any ShardingScheme, keys: [ShardKey] = [], width: Int = 80, style: Style = .plain
  ) -> String {
    var s = scheme
    _ = s.place(keys)
    let d = ShardAnalysis.distribution(owners: s.owners(of: keys), nodes: s.nodes)
    return ShardMapRenderer.render(scheme: s, distribution: d, names: names, style: style, width: width)
  }

  func lines(_ s: String) -> [String] { s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }

  /// The text on one line, for phrases that may wrap.
  func flat(_ s: String) -> String { lines(s).joined(separator: " ") }

  /// The number after `prefix` on the first line containing it.
  func number(after prefix: String, in text: String) -> Double? {
    for line in lines(text) {
      guard let r = line.range(of: prefix) else { continue }
      let tail = line[r.upperBound...].prefix { $0.isNumber || $0 == "." }
      return Double(tail)
    }
    return nil
  }

  /// Rows of the table whose header line starts with `header`: each row split on spaces, up to the
  /// first line that is empty or not a row.
  func tableRows(_ text: String, header: String) -> [[String]] {
    let all = lines(text)
    guard let start = all.firstIndex(where: { $0.hasPrefix(header) }) else { return [] }
    var rows: [[String]] = []
    for line in all[(start + 1)...] {
      guard !line.isEmpty, line.first != "(" else { break }
      let cells = line.split(separator: " ").map(String.init)
      if cells == ["…"] {
        rows.append(cells)
        continue
      }
      // Prose after a table has a colon, an equals sign or a full stop.
      if cells.count < 2 || line.contains(":") || line.contains("=") || line.hasSuffix(".") { break }
      rows.append(cells)
    }
    return rows
  }

  func percent(_ cell: String) -> Double? { cell.hasSuffix("%") ? Double(cell.dropLast()) : nil }

  /// The ring drawing: the indented lines between the title and the legend.
  func ringGrid(_ text: String) -> [String] {
    lines(text).filter { $0.hasPrefix("  ") }
  }

  /// The circumference of the ring drawing: the grid without the text inside the circle.
  func circle(_ text: String) -> String {
    ringGrid(text).map { line in
      var s = line
      for phrase in ["points", "0 at top, clockwise", "max/mean share"] {
        s = s.replacingOccurrences(of: phrase, with: "")
      }
      return s
    }.joined()
  }

  // MARK: ring

  func testRingLegendListsEveryNodeWithPointsAndSharesSummingToHundred() throws {
    for vnodes in [1, 10, 100] {
      let ring = try RingScheme(nodes: [NodeID(1), NodeID(2), NodeID(3), NodeID(4), NodeID(5)], virtualNodes: vnodes)
      let text = picture(ring, keys: keys(500))
      let rows = tableRows(text, header: "MARK")
      XCTAssertEqual(rows.map { $0[1] }, ["n1", "n2", "n3", "n4", "n5"], text)
      XCTAssertEqual(rows.map { $0[0] }, ["A", "B", "C", "D", "E"])
      XCTAssertEqual(rows.map { Int($0[2]) }, Array(repeating: vnodes, count: 5), "points per node")
      let shares = rows.compactMap { $0.compactMap(percent).first }
      XCTAssertEqual(shares.count, 5)
      XCTAssertEqual(shares.reduce(0, +), 100, accuracy: 0.3, text)
      // The shares are the scheme's own arc shares.
      for (share, arc) in zip(shares, ring.arcShares) { XCTAssertEqual(share, arc * 100, accuracy: 0.051) }
      // Every row carries a bar; the largest share has the full one.
      XCTAssertTrue(rows.allSatisfy { $0.last?.contains("█") ?? false }, text)
    }
  }

  func testOneVirtualNodeShowsUnequalArcs() throws {
    let ring = try RingScheme(nodes: three, virtualNodes: 1, seed: 0)
    let text = picture(ring, keys: keys(1000))
    let ratio = try XCTUnwrap(number(after: "max share / mean share = ", in: text))
    let shares = ring.arcShares
    XCTAssertEqual(ratio, (shares.max() ?? 0) * 3, accuracy: 0.006)
    XCTAssertGreaterThan(ratio, 1.3, "one point per node: uneven arcs\n\(text)")
    // The picture: one capital per node, and the small letters (arcs) follow the shares.
    let grid = circle(text)
    for mark in ["A", "B", "C"] { XCTAssertEqual(grid.filter { String($0) == mark }.count, 1, text) }
    let arcs = ["a", "b", "c"].map { letter in grid.filter { String($0) == letter }.count }
    let largest = try XCTUnwrap(shares.indices.max { shares[$0] < shares[$1] })
    let smallest = try XCTUnwrap(shares.indices.min { shares[$0] < shares[$1] })
    XCTAssertEqual(arcs.indices.max { arcs[$0] < arcs[$1] }, largest, "the largest arc is drawn longest\n\(text)")
    XCTAssertEqual(arcs.indices.min { arcs[$0] < arcs[$1] }, smallest)
    let total = Double(arcs.reduce(0, +) + 3)
    XCTAssertEqual(Double(arcs[largest] + 1) / total, shares[largest], accuracy: 0.05)
    XCTAssertTrue(text.contains("max/mean share \(ShardMapRenderer.fixed(ratio, 2))"), "the ratio sits in the circle")
  }

  func testThousandVirtualNodesLookEven() throws {
    let ring = try RingScheme(nodes: three, virtualNodes: 1000, seed: 0)
    let text = picture(ring, keys: keys(1000))
    let ratio = try XCTUnwrap(number(after: "max share / mean share = ", in: text))
    XCTAssertLessThan(ratio, 1.05, text)
    XCTAssertGreaterThanOrEqual(ratio, 1.0)
    let grid = circle(text)
    // Every cell of the circle holds points: only capitals, all three nodes mixed around it.
    XCTAssertFalse(grid.contains { $0.isLowercase }, text)
    for mark in ["A", "B", "C"] { XCTAssertGreaterThan(grid.filter { String($0) == mark }.count, 10) }
    XCTAssertTrue(text.contains("3000 points"))
  }

  func testRingGridIsACircle() throws {
    let text = picture(try RingScheme(nodes: three, virtualNodes: 1))
    let grid = ringGrid(text)
    XCTAssertEqual(grid.count, 21, text)
    // Top and bottom rows are centred and the widest row spans the full 41 columns.
    XCTAssertEqual(grid.map { $0.count }.max(), 2 + 41)
    let top = grid[0].dropFirst(2)
    let lead = top.prefix { $0 == " " }.count
    XCTAssertEqual(2 * lead + (top.count - lead), 41, "the top arc is centred")
    XCTAssertTrue(text.contains("0 at top, clockwise"))
  }

  func testBoundedLoadDrawsItsRingAndCapacity() throws {
    let bounded = try BoundedLoadScheme(nodes: three, virtualNodes: 3, loadFactor: 1.25, seed: 0)
    let text = picture(bounded, keys: keys(300))
    XCTAssertTrue(text.contains("9 points"), text)
    let rows = tableRows(text, header: "MARK")
    XCTAssertEqual(rows.count, 3)
    var placed = bounded
    _ = placed.place(keys(300))
    for (row, load) in zip(rows, placed.loads) { XCTAssertEqual(row[3], "\(load)/\(placed.capacity)") }
    XCTAssertTrue(text.contains("bounded loads, c = 1.25"))
  }

  // MARK: ranges

  func testGoldenRangeMap() throws {
    let scheme = try RangeScheme(nodes: three, splits: ["g", "p"])
    let keys: [ShardKey] = ["a", "b", "c", "h", "p", "q", "r", "s", "t", "u"]
    // Written by hand from the layout rules: bars are 22 columns wide in the range table (60
    // columns minus the other columns, their gaps and the hot mark), 30 in the node table.
    // Ranges are numbered from 1, as `shard where` numbers them.
    let expected = """
      range splits=g,p: 3 ranges over 3 nodes, cut at 2 split keys
      NO  RANGE    NODE  KEYS  SHARE
       1  [−∞, g)  n1       3  30.0%  ███████████
       2  [g, p)   n2       1  10.0%  ███▋
       3  [p, +∞)  n3       6  60.0%  ██████████████████████ ◀ hot
      hot spot: range 3 [p, +∞) on n3 holds 60.0% of the keys; an
      even share of 3 ranges is 33.3%.

      NODE  RANGES  KEYS  SHARE
      n1         1     3  30.0%  ███████████████
      n2         1     1  10.0%  █████
      n3         1     6  60.0%  ██████████████████████████████
      keys max/mean over nodes = 1.80 (1.00 is even)
      metadata: the 2 split keys and the node of each of the 3
      ranges; a lookup is a binary search over the split keys.
      """
    XCTAssertEqual(picture(scheme, keys: keys, width: 60), expected)
  }

  func testRangeRowsAreInKeyOrderAndTheHotRangeStandsOut() throws {
    let scheme = try RangeScheme(nodes: three, splits: ["key-00100", "key-00200", "key-00300"])
    let text = picture(scheme, keys: keys(1000))
    let rows = tableRows(text, header: "NO  RANGE")
    XCTAssertEqual(rows.map { $0[0] }, ["1", "2", "3", "4"], text)
    XCTAssertEqual(rows.map { $0[1] }, ["[−∞,", "[key-00100,", "[key-00200,", "[key-00300,"])
    XCTAssertEqual(rows.map { $0[2] }, ["key-00100)", "key-00200)", "key-00300)", "+∞)"])
    XCTAssertEqual(rows.map { $0[4] }, ["100", "100", "100", "700"])
    let hot = lines(text).filter { $0.contains("◀ hot") }
    XCTAssertEqual(hot.count, 1)
    XCTAssertTrue(hot[0].hasPrefix(" 4  [key-00300, +∞)"), text)
    // The hot bar is the longest one.
    let bars = lines(text).prefix { !$0.isEmpty }.map { $0.filter { $0 == "█" }.count }
    XCTAssertEqual(bars.max(), hot[0].filter { $0 == "█" }.count)
    XCTAssertTrue(text.contains("hot spot: range 4"))
    XCTAssertTrue(text.contains("70.0% of the keys"))
  }

  func testEvenRangesHaveNoHotSpot() throws {
    let scheme = try RangeScheme(nodes: three, splits: ["key-00100", "key-00200"])
    let text = picture(scheme, keys: keys(300))
    XCTAssertFalse(text.contains("hot"), text)
  }

  func testManyRangesAreCutButTheHotOneStaysVisible() throws {
    let splits = (1..<40).map { ShardKey("k\(String(repeating: "0", count: 3 - String($0 * 10).count))\($0 * 10)") }
    let scheme = try RangeScheme(nodes: three, splits: splits)
    // Every key falls into range 21 (numbered from 1): [k200, k210).
    let hotKeys = (0..<50).map { ShardKey("k20\($0 % 10)-\($0)") }
    let text = picture(scheme, keys: hotKeys)
    XCTAssertTrue(text.contains("…"), text)
    let hot = lines(text).filter { $0.contains("◀ hot") }
    XCTAssertEqual(hot.count, 1, text)
    XCTAssertTrue(hot[0].hasPrefix("21  [k200, k210)"), text)
    XCTAssertTrue(text.contains("40  [k390, +∞)"))
    XCTAssertTrue(text.contains(" 1  [−∞, k010)"))
    XCTAssertFalse(text.contains("16  [k150"), "the middle is cut")
  }

  // MARK: chunks

  func testChunkTableShowsBlocksAndFileSize() throws {
    let scheme = try ChunkScheme(nodes: three, blockSize: 64 << 10, recordSize: 16 << 10)
    let text = picture(scheme, keys: keys(25))
    // 25 records of 16 KB = 400 KB: six full blocks and a partial one.
    XCTAssertTrue(flat(text).contains("a file of 400 KB in blocks of 64 KB → 7 blocks on 3 nodes"), text)
    let rows = tableRows(text, header: "BLOCK")
    XCTAssertEqual(rows.map { $0[0] }, ["0", "1", "2", "3", "4", "5", "6"], text)
    XCTAssertTrue(text.contains("    0  [0 B, 64 KB)"))
    XCTAssertTrue(text.contains("    6  [384 KB, 400 KB) (partial)"))
    XCTAssertEqual(rows.map { $0[$0.count - 2] }, ["n1", "n2", "n3", "n1", "n2", "n3", "n1"])
    XCTAssertTrue(text.contains("file size 400 KB (409600 bytes), block size 64 KB"))
    XCTAssertTrue(text.contains("7 rows of metadata"))
    let perNode = tableRows(text, header: "NODE  BLOCKS")
    XCTAssertEqual(perNode.map { $0[1] }, ["3", "2", "2"])
  }

  func testLongChunkTableShowsFirstAndLastRows() throws {
    var scheme = try ChunkScheme(nodes: three)
    try scheme.append(bytes: 5 << 30 + 300 << 20)
    let text = picture(scheme)
    XCTAssertTrue(flat(text).contains("a file of 5.29 GB in blocks of 128 MB → 43 blocks"), text)
    let rows = tableRows(text, header: "BLOCK")
    XCTAssertEqual(rows.map { $0[0] }, ["0", "1", "2", "3", "4", "…", "38", "39", "40", "41", "42"], text)
    XCTAssertTrue(text.contains("(33 rows not shown)"))
    XCTAssertTrue(text.contains("   42  [5.25 GB, 5.29 GB) (partial)"), text)
    XCTAssertTrue(text.contains("   38  [4.75 GB, 4.88 GB)"))
    XCTAssertTrue(text.contains("    1  [128 MB, 256 MB)"))
    XCTAssertTrue(text.contains("43 rows of metadata"))
  }

  func testEmptyFileSaysSo() throws {
    let text = picture(try ChunkScheme(nodes: three))
    XCTAssertTrue(text.contains("0 blocks"), text)
    XCTAssertTrue(text.contains("no blocks yet"))
  }

  func testByteUnits() {
    XCTAssertEqual(ShardMapRenderer.bytes(0), "0 B")
    XCTAssertEqual(ShardMapRenderer.bytes(512), "512 B")
    XCTAssertEqual(ShardMapRenderer.bytes(1 << 10), "1 KB")
    XCTAssertEqual(ShardMapRenderer.bytes(1536 << 10), "1.5 MB")
    XCTAssertEqual(ShardMapRenderer.bytes(128 << 20), "128 MB")
    XCTAssertEqual(ShardMapRenderer.bytes(3 << 30), "3 GB")
    XCTAssertEqual(ShardMapRenderer.bytes(1 << 40 + 1 << 39), "1.5 TB")
    XCTAssertEqual(ShardMapRenderer.bytes(5 << 30 + 300 << 20), "5.29 GB")
    XCTAssertEqual(ShardMapRenderer.bytes(1000 << 10), "1000 KB")
  }

  // MARK: directory

  func testDirectoryShowsTwentyRowsThenRowsPerNode() throws {
    let text = picture(try DirectoryScheme(nodes: three), keys: keys(25))
    XCTAssertTrue(text.contains("directory: 25 rows, one per key, over 3 nodes"), text)
    let rows = tableRows(text, header: "KEY")
    XCTAssertEqual(rows.count, 21)
    XCTAssertEqual(rows.first, ["key-00000", "n1"])
    XCTAssertEqual(rows[19], ["key-00019", "n2"])
    XCTAssertEqual(rows.last, ["…", "(5", "more", "rows)"])
    let perNode = tableRows(text, header: "NODE  ROWS")
    XCTAssertEqual(perNode.map { $0[1] }, ["9", "8", "8"])
    XCTAssertTrue(text.contains("25 rows of metadata"))
  }

  // MARK: maglev

  func testMaglevPaperExampleStrip() throws {
    // Eisenbud et al., table 1: M = 7, B0 (offset 3, skip 4), B1 (0, 2), B2 (3, 1).
    let scheme = try MaglevScheme(
      nodes: three, tableSize: 7,
      permutations: [
        NodeID(1): MaglevPermutation(offset: 3, skip: 4), NodeID(2): MaglevPermutation(offset: 0, skip: 2),
        NodeID(3): MaglevPermutation(offset: 3, skip: 1),
      ])
    let text = picture(scheme)
    // The paper's lookup table: B1 B0 B1 B0 B2 B2 B0.
    XCTAssertTrue(lines(text).contains("  0  BABACCA"), text)
    let rows = tableRows(text, header: "MARK")
    XCTAssertEqual(rows.map { $0[0] }, ["A", "B", "C"])
    XCTAssertEqual(rows.map { $0[2] }, ["3", "0", "3"], "offsets")
    XCTAssertEqual(rows.map { $0[3] }, ["4", "2", "1"], "skips")
    XCTAssertEqual(rows.map { $0[4] }, ["3", "2", "2"], "slots")
  }

  func testMaglevStripWrapsAndStopsOnABigTable() throws {
    let small = try MaglevScheme(nodes: three, tableSize: 251)
    let text = picture(small, keys: keys(300))
    let strip = lines(text).filter { $0.hasPrefix("  ") }
    XCTAssertEqual(strip.count, 5, text)
    XCTAssertEqual(
      strip.map { $0.filter(\.isUppercase) }.joined(),
      small.lookupTable.map { ["A", "B", "C"][$0.number - 1] }.joined())
    let big = picture(try MaglevScheme(nodes: three))
    XCTAssertTrue(big.contains("not shown"), big)
    XCTAssertLessThan(lines(big).count, 30)
    let slots = tableRows(big, header: "MARK").map { Int($0[4]) ?? 0 }
    XCTAssertEqual(slots.reduce(0, +), MaglevScheme.defaultTableSize)
  }

  // MARK: schemes without a structure

  func testHashOnlySchemesShowKeysPerNode() throws {
    let schemes: [any ShardingScheme] = [
      try JumpScheme(nodes: three), try ModNScheme(nodes: three), try RendezvousScheme(nodes: three),
    ]
    for scheme in schemes {
      var placed = scheme
      _ = placed.place(keys(900))
      let text = picture(scheme, keys: keys(900))
      XCTAssertTrue(text.contains("no stored structure"), text)
      XCTAssertTrue(text.contains("metadata: the "), text)
      let rows = tableRows(text, header: "NODE  KEYS")
      XCTAssertEqual(rows.map { $0[0] }, ["n1", "n2", "n3"], text)
      let d = ShardAnalysis.distribution(owners: placed.owners(of: keys(900)), nodes: placed.nodes)
      XCTAssertEqual(rows.map { Int($0[1]) }, d.rows.map(\.keys))
      XCTAssertTrue(rows.allSatisfy { $0[3].contains("█") })
      XCTAssertTrue(text.contains("900 keys: max/mean = "), text)
    }
    let jump = picture(try JumpScheme(nodes: three))
    XCTAssertTrue(jump.contains("0→n1, 1→n2, 2→n3"), jump)
    XCTAssertTrue(jump.contains("no keys placed yet"))
  }

  // MARK: replicas

  func testReplicatedDrawsItsBaseAndTheFactor() throws {
    let base = try RingScheme(nodes: three + [NodeID(4)], virtualNodes: 8)
    let replicated = try ReplicatedScheme(
      base: base, factor: 3, zones: [NodeID(1): "eu", NodeID(2): "us", NodeID(3): "eu"])
    let text = picture(replicated, keys: keys(100))
    XCTAssertTrue(text.hasPrefix("ring vnodes=8 seed=0: 4 nodes"), text)
    XCTAssertTrue(text.contains("every key is stored 3 times"))
    XCTAssertTrue(flat(text).contains("eu: n1, n3 · us: n2 · no zone: n4"), text)
    let plain = picture(try ReplicatedScheme(base: try RangeScheme(nodes: three), factor: 2))
    XCTAssertTrue(plain.contains("NO  RANGE"), plain)
    XCTAssertTrue(plain.contains("every key is stored 2 times"))
    XCTAssertFalse(plain.contains("zones"))
  }

  // MARK: every picture

  func allSchemes() throws -> [any ShardingScheme] {
    [
      try RingScheme(nodes: three, virtualNodes: 1), try RingScheme(nodes: three, virtualNodes: 100),
      try BoundedLoadScheme(nodes: three), try RangeScheme(nodes: three, splits: ["key-00100"]),
      try RangeScheme(nodes: three, maxRangeKeys: 20), try ChunkScheme(nodes: three, blockSize: 4096, recordSize: 512),
      try DirectoryScheme(nodes: three), try MaglevScheme(nodes: three, tableSize: 1021),
      try MaglevScheme(nodes: three, tableSize: 13),
      try JumpScheme(nodes: three), try ModNScheme(nodes: three), try RendezvousScheme(nodes: three),
      try ReplicatedScheme(base: try RingScheme(nodes: three), factor: 2),
    ]
  }

  func testNoTrailingSpacesAndLinesWithinWidth() throws {
    for scheme in try allSchemes() {
      for width in [80, 60] {
        let text = picture(scheme, keys: keys(400), width: width)
        for line in lines(text) {
          XCTAssertFalse(line.hasSuffix(" "), "trailing space in \(scheme.label): '\(line)'")
          XCTAssertLessThanOrEqual(TextWidth.of(line), width, "\(scheme.label) at width \(width): '\(line)'")
        }
      }
    }
  }

  func testDeterministic() throws {
    for scheme in try allSchemes() {
      XCTAssertEqual(picture(scheme, keys: keys(300)), picture(scheme, keys: keys(300)), scheme.label)
    }
    let a = picture(try RingScheme(nodes: three, virtualNodes: 50, seed: 7), keys: keys(200))
    let b = picture(try RingScheme(nodes: three.reversed(), virtualNodes: 50, seed: 7), keys: keys(200))
    XCTAssertEqual(a, b)
  }

  func testPlainHasNoEscapesAndColourDoes() throws {
    for scheme in try allSchemes() {
      let plain = picture(scheme, keys: keys(100))
      XCTAssertFalse(plain.contains("\u{1B}"), scheme.label)
      let colour = picture(scheme, keys: keys(100), style: Style(colour: true))
      XCTAssertTrue(colour.contains("\u{1B}["), scheme.label)
      XCTAssertEqual(colour.strippingANSI, plain, scheme.label)
    }
  }

  func testNarrowWidthShrinksTheRing() throws {
    let text = picture(try RingScheme(nodes: three, virtualNodes: 4), width: 40)
    let grid = ringGrid(text)
    XCTAssertEqual(grid.map { $0.count }.max(), 2 + 37, text)
    XCTAssertTrue(grid.joined().contains("A"))
  }

  func testMoreNodesThanLetters() throws {
    let nodes = (1...30).map { NodeID($0) }
    let text = picture(try RingScheme(nodes: nodes, virtualNodes: 2), keys: keys(300))
    let rows = tableRows(text, header: "MARK")
    XCTAssertEqual(rows.count, 30, text)
    XCTAssertEqual(rows[25][0], "Z")
    XCTAssertEqual(rows[26][0], "+")
    XCTAssertEqual(rows[29][1], "n30")
  }
}
