import DistLab
import DistLabSharding
import Foundation

/// The picture of a sharding scheme for `shard map`: the ring with node and virtual-node marks, the
/// range map, the chunk table, the directory, Maglev's lookup table, or the buckets.
///
/// Every picture ends in the numbers that show the scheme's weakness: the ring's max/mean share,
/// the hot range, the rows of block table or directory that must be kept, the keys per node of the
/// schemes that store nothing. Output is deterministic and has no trailing spaces; lines stay
/// within `width` except for long node names or keys.
enum ShardMapRenderer {
  static func render(
    scheme: any ShardingScheme, distribution: ShardDistribution, names: [NodeID: String], style: Style,
    width: Int = 80
  ) -> String {
    let pen = Pen(names: names, style: style, width: max(40, width), distribution: distribution)
    let text = pen.picture(scheme).joined(separator: "\n")
    return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
      var s = Substring(line)
      while s.last == " " { s.removeLast() }
      return String(s)
    }.joined(separator: "\n")
  }

  /// Rows shown at each end of a long table.
  static let headRows = 5
  /// Directory rows shown before `…`.
  static let directoryRows = 20
  /// Range rows shown at each end once there are more than `2 * rangeEnds + 4` ranges.
  static let rangeEnds = 10
  /// Lines of Maglev slots shown at most.
  static let maglevLines = 12
  /// Widest bar.
  static let maxBar = 30
  /// The ring drawing's widest size in columns (odd, so that there is a centre column).
  static let ringColumns = 41

  /// Letters marking nodes in sorted order: `A`…`Z`, then `+` for every further node.
  struct Marks {
    private let position: [NodeID: Int]
    static let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    init(_ nodes: [NodeID]) {
      var p: [NodeID: Int] = [:]
      for (i, node) in nodes.sorted().enumerated() { p[node] = i }
      position = p
    }

    /// The capital letter of a node (a ring point, a Maglev slot, a legend entry).
    func mark(_ node: NodeID) -> Character {
      guard let i = position[node], i < Self.letters.count else { return "+" }
      return Self.letters[i]
    }

    /// The small letter of a node (an arc of the ring it owns).
    func small(_ node: NodeID) -> Character {
      let m = mark(node)
      return m == "+" ? "." : Character(m.lowercased())
    }
  }

  /// Draws one scheme into lines.
  private struct Pen {
    let names: [NodeID: String]
    let style: Style
    let width: Int
    let distribution: ShardDistribution

    func name(_ node: NodeID) -> String { names[node] ?? node.description }
    /// The first lines of a picture: the scheme's label in bold, then `rest`, wrapped.
    func title(_ fullLabel: String, _ rest: String) -> [String] {
      let label = ShardMapRenderer.shortLabel(fullLabel)
      var lines = wrap(label + ": " + rest)
      if style.colour, let first = lines.first, first.hasPrefix(label) {
        lines[0] = style.bold(label) + first.dropFirst(label.count)
      }
      return lines
    }
    func plural(_ n: Int) -> String { ShardMapRenderer.pluralS(n) }
    func fixed(_ v: Double, _ digits: Int) -> String { ShardMapRenderer.fixed(v, digits) }
    func percent(_ f: Double) -> String { ShardMapRenderer.percent(f) }
    func bytes(_ n: UInt64) -> String { ShardMapRenderer.bytes(n) }

    // MARK: dispatch

    func picture(_ scheme: any ShardingScheme) -> [String] {
      switch scheme.shape {
      case .replicated(let s): return picture(s.base) + [""] + replication(s)
      case .ring(let s):
        return ring(
          label: s.label, nodes: s.nodes, virtualNodes: s.virtualNodes, points: s.points, shares: s.arcShares,
          bounded: nil)
      case .bounded(let s):
        // The bounded scheme's ring is the plain ring of the same nodes, points and seed.
        let plain = try? RingScheme(nodes: s.nodes, virtualNodes: s.ring.virtualNodes, seed: s.ring.seed)
        return ring(
          label: s.label, nodes: s.nodes, virtualNodes: s.ring.virtualNodes, points: plain?.points ?? [],
          shares: s.ring.arcShares, bounded: s)
      case .range(let s): return range(s)
      case .chunks(let s): return chunks(s)
      case .directory(let s): return directory(s)
      case .maglev(let s): return maglev(s)
      case .jump(let s):
        return stateless(
          s,
          how:
            "a key's bucket number is computed from its hash alone, jumping forward through buckets 0..<\(s.buckets.count)",
          metadata: "the bucket list, \(s.buckets.count) entr\(s.buckets.count == 1 ? "y" : "ies") in bucket order: "
            + listed(s.buckets.enumerated().map { "\($0.offset)→\(name($0.element))" }))
      case .modn(let s):
        return stateless(
          s, how: "a key goes to position hash(key) mod \(s.nodes.count) of the sorted node list",
          metadata: "the node list, \(s.nodes.count) entr\(s.nodes.count == 1 ? "y" : "ies"): "
            + listed(s.nodes.enumerated().map { "\($0.offset)→\(name($0.element))" }))
      case .rendezvous(let s):
        return stateless(
          s, how: "every node scores the key (a hash of key and node) and the highest score wins",
          metadata: "the node list, \(s.nodes.count) entr\(s.nodes.count == 1 ? "y" : "ies"), and the seed \(s.seed): "
            + listed(s.nodes.map(name)))
      }
    }

    // MARK: ring

    func ring(
      label: String, nodes: [NodeID], virtualNodes: Int, points: [RingPoint], shares: [Double],
      bounded: BoundedLoadScheme?
    ) -> [String] {
      let marks = Marks(nodes)
      let n = nodes.count
      let maxShare = shares.max() ?? 0
      let meanShare = n > 0 ? 1 / Double(n) : 0
      let ratio = meanShare > 0 ? maxShare / meanShare : 0
      var lines = title(
        label,
        "\(n) node\(plural(n)) × \(virtualNodes) virtual node\(plural(virtualNodes)) = "
          + "\(points.count) point\(plural(points.count)) on a circle of 2^64 positions")
      lines += ringGrid(
        nodes: nodes, points: points, marks: marks,
        centre: [
          "\(points.count) point\(plural(points.count))", "0 at top, clockwise", "max/mean share \(fixed(ratio, 2))",
        ])
      lines += wrap(
        "Capital letter: a ring point (several in one cell: the node with the most). Small letter: an arc, "
          + "whose keys go to the next point clockwise.")
      var counts = [Int](repeating: 0, count: n)
      let index = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($0.element, $0.offset) })
      for p in points { if let i = index[p.node] { counts[i] += 1 } }
      let showKeys = distribution.total > 0 && bounded == nil
      var header = ["MARK", "NODE", "POINTS"]
      var right: Set<Int> = [2]
      if showKeys {
        right.insert(header.count)
        header.append("KEYS")
      }
      if bounded != nil {
        right.insert(header.count)
        header.append("LOAD/CAP")
      }
      right.insert(header.count)
      header.append("SHARE")
      var rows: [[String]] = []
      var fractions: [Double] = []
      for (i, node) in nodes.enumerated() {
        var row = [String(marks.mark(node)), name(node), String(counts[i])]
        if showKeys { row.append(String(distribution.keys(on: node))) }
        if let b = bounded, i < b.loads.count { row.append("\(b.loads[i])/\(b.capacity)") }
        row.append(percent(i < shares.count ? shares[i] : 0))
        rows.append(row)
        fractions.append(maxShare > 0 && i < shares.count ? shares[i] / maxShare : 0)
      }
      lines.append(barTable(header: header, rows: rows, fractions: fractions, rightAligned: right))
      var summary = "max share / mean share = \(fixed(ratio, 2)) (1.00 is even; a fair share is \(percent(meanShare))"
      if let smallest = shares.indices.min(by: { shares[$0] < shares[$1] }), n > 1 {
        summary += ", the smallest is \(percent(shares[smallest])) on \(name(nodes[smallest]))"
      }
      lines += wrap(summary + ")")
      if distribution.total > 0 {
        lines.append("keys: \(distribution.total), max/mean = \(fixed(distribution.maxOverMean, 2)) over nodes")
      }
      if let b = bounded {
        lines += wrap(
          "bounded loads, c = \(b.loadFactor): no node may hold more than ceil(c × keys / nodes) keys, "
            + "\(b.capacity) for the next key; a key whose node is full walks on clockwise to the next node with room.")
      }
      return lines
    }

    /// The circle as a grid of characters: each circumference cell stands for an arc of positions
    /// (4096 samples around the circle, sample i at angle (i + ½) / 4096 · 2π from the top).
    func ringGrid(nodes: [NodeID], points: [RingPoint], marks: Marks, centre: [String]) -> [String] {
      var cols = max(11, min(ShardMapRenderer.ringColumns, width - 2))
      if cols % 2 == 0 { cols -= 1 }
      let rows = cols / 2 + 1
      let cx = Double(cols - 1) / 2
      let cy = Double(rows - 1) / 2
      let samples = 4096  // 2^12: a sample is the top 12 bits of a position
      var sampleCell = [Int](repeating: 0, count: samples)
      for i in 0..<samples {
        let angle = 2 * Double.pi * (Double(i) + 0.5) / Double(samples)
        let x = Int((cx + cx * sin(angle)).rounded())
        let y = Int((cy - cy * cos(angle)).rounded())
        sampleCell[i] = min(rows - 1, max(0, y)) * cols + min(cols - 1, max(0, x))
      }
      let n = nodes.count
      let index = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($0.element, $0.offset) })
      let sorted = points.sorted { $0.position < $1.position }
      let positions = sorted.map(\.position)
      var onCircle = [Bool](repeating: false, count: rows * cols)
      for cell in sampleCell { onCircle[cell] = true }
      var arcVotes = [[Int]](repeating: [], count: rows * cols)
      var pointVotes = [[Int]](repeating: [], count: rows * cols)
      if !sorted.isEmpty {
        for i in 0..<samples {
          let position = UInt64(i) << 52 | 1 << 51
          var lo = 0
          var hi = positions.count
          while lo < hi {
            let mid = (lo + hi) / 2
            if positions[mid] < position { lo = mid + 1 } else { hi = mid }
          }
          let owner = sorted[lo == positions.count ? 0 : lo].node
          let cell = sampleCell[i]
          if arcVotes[cell].isEmpty { arcVotes[cell] = [Int](repeating: 0, count: n) }
          if let o = index[owner] { arcVotes[cell][o] += 1 }
        }
      }
      for p in sorted {
        let cell = sampleCell[Int(p.position >> 52)]
        if pointVotes[cell].isEmpty { pointVotes[cell] = [Int](repeating: 0, count: n) }
        if let o = index[p.node] { pointVotes[cell][o] += 1 }
      }
      var grid = [[Cell]](repeating: [Cell](repeating: Cell(" ", .plain), count: cols), count: rows)
      for cell in 0..<(rows * cols) {
        let (y, x) = (cell / cols, cell % cols)
        if let best = Self.most(pointVotes[cell]) {
          grid[y][x] = Cell(marks.mark(nodes[best]), .bold)
        } else if let best = Self.most(arcVotes[cell]) {
          grid[y][x] = Cell(marks.small(nodes[best]), .dim)
        } else if onCircle[cell] {
          grid[y][x] = Cell("·", .plain)
        }
      }
      // Text inside the circle, centred, where it fits between the circumference cells.
      let top = rows / 2 - centre.count / 2
      for (k, text) in centre.enumerated() where rows >= 9 {
        let y = top + k
        let chars = Array(text)
        guard y > 0, y < rows - 1, chars.count <= cols - 10 else { continue }
        let start = (cols - chars.count) / 2
        for (j, c) in chars.enumerated() { grid[y][start + j] = Cell(c, .dim) }
      }
      return grid.map { "  " + painted($0) }
    }

    /// One character of a drawing and how it is shown.
    struct Cell {
      enum Tone { case plain, bold, dim }
      var character: Character
      var tone: Tone
      init(_ character: Character, _ tone: Tone) {
        self.character = character
        self.tone = tone
      }
    }

    /// A row of cells as text, one colour sequence per run of cells in the same tone.
    func painted(_ cells: [Cell]) -> String {
      var out = ""
      var i = 0
      while i < cells.count {
        var j = i
        while j < cells.count && cells[j].tone == cells[i].tone { j += 1 }
        let run = String(cells[i..<j].map(\.character))
        switch cells[i].tone {
        case .plain: out += run
        case .bold: out += style.bold(run)
        case .dim: out += style.dim(run)
        }
        i = j
      }
      return out
    }

    /// Index of the largest count (ties: the first); nil when there are none.
    static func most(_ votes: [Int]) -> Int? {
      var best: Int?
      for i in votes.indices where votes[i] > 0 && (best.map { votes[i] > votes[$0] } ?? true) { best = i }
      return best
    }

    // MARK: ranges

    /// The range table in key order with bars scaled to the largest range; a range holding more
    /// than 1.5 times the mean keys per range is marked hot.
    func range(_ s: RangeScheme) -> [String] {
      let table = s.table
      let total = table.reduce(0) { $0 + $1.keys }
      let splits = table.count - 1
      var lines = title(
        s.label,
        "\(table.count) range\(plural(table.count)) over \(s.nodes.count) node\(plural(s.nodes.count)), "
          + "cut at \(splits) split key\(plural(splits))")
      let largest = table.map(\.keys).max() ?? 0
      let hotIndex = table.firstIndex { $0.keys == largest }
      let hot: Int? =
        total > 0 && table.count > 1 && Double(largest) > 1.5 * Double(total) / Double(table.count) ? hotIndex : nil
      var rows: [[String]] = []
      var fractions: [Double?] = []
      var suffixes: [String] = []
      for i in Self.shown(count: table.count, ends: ShardMapRenderer.rangeEnds, keep: hot) {
        guard let i else {
          rows.append(["…", "", "", "", ""])
          fractions.append(nil)
          suffixes.append("")
          continue
        }
        let r = table[i]
        let bounds = "[\(r.lower.map { short($0) } ?? "−∞"), \(r.upper.map { short($0) } ?? "+∞"))"
        rows.append([
          String(i + 1), bounds, name(r.node), String(r.keys),
          total > 0 ? percent(Double(r.keys) / Double(total)) : "-",
        ])
        fractions.append(largest > 0 ? Double(r.keys) / Double(largest) : 0)
        suffixes.append(i == hot ? " " + style.warn("◀ hot") : "")
      }
      lines.append(
        barTable(
          header: ["NO", "RANGE", "NODE", "KEYS", "SHARE"], rows: rows, fractions: fractions, rightAligned: [0, 3, 4],
          suffixes: suffixes))
      if let h = hot {
        let r = table[h]
        lines += wrap(
          "hot spot: range \(h + 1) [\(r.lower.map { short($0) } ?? "−∞"), \(r.upper.map { short($0) } ?? "+∞")) on "
            + "\(name(r.node)) holds \(percent(Double(r.keys) / Double(total))) of the keys; an even share of "
            + "\(table.count) ranges is \(percent(1 / Double(table.count))).")
      } else if total == 0 {
        lines.append("no keys placed yet")
      }
      // Ranges and keys per node: the hot range makes a hot node.
      var ranges = [Int](repeating: 0, count: s.nodes.count)
      var keys = [Int](repeating: 0, count: s.nodes.count)
      let index = Dictionary(uniqueKeysWithValues: s.nodes.enumerated().map { ($0.element, $0.offset) })
      for r in table {
        guard let i = index[r.node] else { continue }
        ranges[i] += 1
        keys[i] += r.keys
      }
      let top = keys.max() ?? 0
      lines.append("")
      lines.append(
        barTable(
          header: ["NODE", "RANGES", "KEYS", "SHARE"],
          rows: s.nodes.indices.map { i in
            [
              name(s.nodes[i]), String(ranges[i]), String(keys[i]),
              total > 0 ? percent(Double(keys[i]) / Double(total)) : "-",
            ]
          },
          fractions: keys.map { top > 0 ? Double($0) / Double(top) : 0 }, rightAligned: [1, 2, 3]))
      if total > 0 {
        let mean = Double(total) / Double(max(1, s.nodes.count))
        lines.append("keys max/mean over nodes = \(fixed(Double(top) / mean, 2)) (1.00 is even)")
      }
      lines += wrap(
        "metadata: the \(splits) split key\(plural(splits)) and the node of each of the \(table.count) "
          + "range\(plural(table.count)); a lookup is a binary search over the split keys.")
      return lines
    }

    // MARK: chunks

    func chunks(_ s: ChunkScheme) -> [String] {
      let count = s.metadata.entries
      var lines = title(
        s.label,
        "a file of \(bytes(s.fileSize)) in blocks of \(bytes(s.blockSize)) → "
          + "\(count) block\(plural(count)) on \(s.nodes.count) node\(plural(s.nodes.count))")
      guard count > 0 else {
        lines += wrap(
          "The file is empty: no blocks yet. Place keys (each appends a \(bytes(s.recordSize)) record) or append "
            + "bytes and watch blocks form and land on nodes.")
        return lines
      }
      var table = TextTable(["BLOCK", "BYTES", "NODE", "RECORDS"], rightAligned: [0, 3])
      let head = ShardMapRenderer.headRows
      for i in Self.shown(count: count, ends: head, keep: nil) {
        guard let i, let r = s.row(i) else {
          table.add(["…", "", "", ""])
          continue
        }
        let partial = r.bytes < s.blockSize ? " (partial)" : ""
        table.add([
          String(r.block), "[\(bytes(r.start)), \(bytes(r.start + r.bytes)))\(partial)", name(r.node),
          String(r.records),
        ])
      }
      lines.append(table.render(style: style))
      if count > 2 * head + 2 { lines.append(style.dim("(\(count - 2 * head) rows not shown)")) }
      lines += wrap(
        "file size \(bytes(s.fileSize)) (\(s.fileSize) bytes), block size \(bytes(s.blockSize)), record size "
          + "\(bytes(s.recordSize)).")
      let blocks = perNode((0..<count).compactMap { s.row($0)?.node }, nodes: s.nodes)
      lines.append("")
      lines.append(shareTable("BLOCKS", nodes: s.nodes, counts: blocks, total: count))
      lines += wrap(
        "The block table is the metadata that must be kept: \(count) row\(plural(count)) of metadata "
          + "(block → node), one more for every \(bytes(s.blockSize)) written. Lose it and the file is gone.")
      return lines
    }

    // MARK: directory

    func directory(_ s: DirectoryScheme) -> [String] {
      let count = s.rowCount
      var lines = title(
        s.label, "\(count) row\(plural(count)), one per key, over \(s.nodes.count) node\(plural(s.nodes.count))")
      let table = s.table
      if table.isEmpty {
        lines.append("the table is empty: place keys to write rows")
      } else {
        var t = TextTable(["KEY", "NODE"])
        for row in table.prefix(ShardMapRenderer.directoryRows) { t.add([short(row.key), name(row.node)]) }
        if table.count > ShardMapRenderer.directoryRows {
          t.add(["…", "(\(table.count - ShardMapRenderer.directoryRows) more rows)"])
        }
        lines.append(t.render(style: style))
      }
      lines.append("")
      lines.append(
        shareTable("ROWS", nodes: s.nodes, counts: perNode(table.map(\.node), nodes: s.nodes), total: count))
      lines += wrap(
        "The table is the single source of truth: \(count) row\(plural(count)) of metadata, one more for every "
          + "new key. Every lookup reads it and every move rewrites a row.")
      return lines
    }

    // MARK: maglev

    func maglev(_ s: MaglevScheme) -> [String] {
      let marks = Marks(s.nodes)
      let table = s.lookupTable
      let m = table.count
      var lines = title(
        s.label,
        "a lookup table of \(m) slots (a prime) over \(s.nodes.count) node\(plural(s.nodes.count)); "
          + "a key goes to slot hash mod \(m)")
      let group = 10
      let indexWidth = String(max(0, m - 1)).count
      let groups = max(1, (width - 2 - indexWidth - 2 + 1) / (group + 1))
      let perLine = groups * group
      let lineCount = (m + perLine - 1) / perLine
      let shownLines = min(lineCount, ShardMapRenderer.maglevLines)
      for l in 0..<shownLines {
        let start = l * perLine
        var text = ""
        for g in 0..<groups {
          let from = start + g * group
          guard from < m else { break }
          if g > 0 { text += " " }
          text += table[from..<min(m, from + group)].map { String(marks.mark($0)) }.joined()
        }
        let label = String(start)
        lines.append("  " + String(repeating: " ", count: indexWidth - label.count) + label + "  " + text)
      }
      if shownLines < lineCount {
        let shown = shownLines * perLine
        lines.append(style.dim("  … slots \(shown)–\(m - 1) not shown (\(m - shown) more)"))
      }
      var slots = [Int](repeating: 0, count: s.nodes.count)
      let index = Dictionary(uniqueKeysWithValues: s.nodes.enumerated().map { ($0.element, $0.offset) })
      for node in table { if let i = index[node] { slots[i] += 1 } }
      let top = slots.max() ?? 0
      let showKeys = distribution.total > 0
      var header = ["MARK", "NODE", "OFFSET", "SKIP", "SLOTS"]
      if showKeys { header.append("KEYS") }
      header.append("SHARE")
      let rows = s.nodes.indices.map { i -> [String] in
        let node = s.nodes[i]
        let p = s.permutation(of: node)
        return [String(marks.mark(node)), name(node), String(p.offset), String(p.skip), String(slots[i])]
          + (showKeys ? [String(distribution.keys(on: node))] : []) + [
            percent(m > 0 ? Double(slots[i]) / Double(m) : 0)
          ]
      }
      lines.append("")
      lines.append(
        barTable(
          header: header, rows: rows, fractions: slots.map { top > 0 ? Double($0) / Double(top) : 0 },
          rightAligned: Set(2..<header.count)))
      let mean = Double(m) / Double(max(1, s.nodes.count))
      lines += wrap(
        "slots max/mean = \(fixed(mean > 0 ? Double(top) / mean : 0, 2)) (1.00 is even). Each node claims its next "
          + "free slot of its permutation (offset + j × skip) mod \(m) in turn. Metadata: the \(m)-slot table, "
          + "rebuilt when a node joins or leaves.")
      return lines
    }

    // MARK: schemes without a stored structure

    func stateless(_ s: any ShardingScheme, how: String, metadata: String) -> [String] {
      var lines = title(s.label, "no stored structure to draw")
      lines += wrap(how.prefix(1).uppercased() + how.dropFirst() + ". The picture is the keys per node.")
      lines += wrap("metadata: " + metadata)
      lines.append("")
      return lines + keysPerNode()
    }

    func keysPerNode() -> [String] {
      let d = distribution
      guard d.total > 0 else { return ["no keys placed yet: place keys to see how evenly they spread"] }
      let rows = d.rows.sorted { $0.node < $1.node }
      var lines = [shareTable("KEYS", nodes: rows.map(\.node), counts: rows.map(\.keys), total: d.total)]
      var summary =
        "\(d.total) keys: max/mean = \(fixed(d.maxOverMean, 2)) (1.00 is even), CV \(fixed(d.coefficientOfVariation, 3)), "
        + "empty nodes \(d.emptyNodes.count)"
      if d.unplaced > 0 { summary += ", unplaced \(d.unplaced)" }
      lines += wrap(summary)
      return lines
    }

    // MARK: replication

    func replication(_ s: ReplicatedScheme) -> [String] {
      var lines = wrap(
        "replication: every key is stored \(s.factor) time\(plural(s.factor)) on distinct nodes of the "
          + "\(s.nodes.count): its owner in the picture above, then the next \(s.factor - 1) node\(plural(s.factor - 1)) "
          + "of the base scheme's preference list.")
      guard !s.zones.isEmpty else { return lines }
      var byZone: [String: [NodeID]] = [:]
      var none: [NodeID] = []
      for node in s.nodes {
        if let zone = s.zones[node] { byZone[zone, default: []].append(node) } else { none.append(node) }
      }
      var parts = byZone.keys.sorted().map { zone in
        "\(zone): " + (byZone[zone] ?? []).sorted().map(name).joined(separator: ", ")
      }
      if !none.isEmpty { parts.append("no zone: " + none.map(name).joined(separator: ", ")) }
      lines += wrap("zones (copies avoid sharing a zone while another is free): " + parts.joined(separator: " · "))
      return lines
    }

    // MARK: helpers

    /// A table whose last column is a bar of `fractions[i]` (nil: no bar), as wide as the rest of
    /// `width` allows (between 3 and `maxBar` columns), followed by `suffixes[i]`.
    /// How many of `owners` each of `nodes` holds, in node order.
    func perNode(_ owners: [NodeID], nodes: [NodeID]) -> [Int] {
      let index = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($0.element, $0.offset) })
      var counts = [Int](repeating: 0, count: nodes.count)
      for node in owners { if let i = index[node] { counts[i] += 1 } }
      return counts
    }

    /// NODE, a count and its share of `total` ("-" when there is none), with bars scaled to
    /// the largest count.
    func shareTable(_ column: String, nodes: [NodeID], counts: [Int], total: Int) -> String {
      let top = counts.max() ?? 0
      return barTable(
        header: ["NODE", column, "SHARE"],
        rows: nodes.indices.map {
          [name(nodes[$0]), String(counts[$0]), total > 0 ? percent(Double(counts[$0]) / Double(total)) : "-"]
        },
        fractions: counts.map { top > 0 ? Double($0) / Double(top) : 0 }, rightAligned: [1, 2])
    }

    func barTable(
      header: [String], rows: [[String]], fractions: [Double?], rightAligned: Set<Int>, suffixes: [String] = []
    ) -> String {
      var widths = header.map { TextWidth.of($0) }
      for row in rows {
        for (i, c) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], TextWidth.of(c)) }
      }
      let suffix = suffixes.map { TextWidth.of($0) }.max() ?? 0
      let fixedWidth = widths.reduce(0, +) + 2 * widths.count
      let barWidth = max(3, min(ShardMapRenderer.maxBar, width - fixedWidth - suffix))
      var t = TextTable(header + [""], rightAligned: rightAligned)
      for (i, row) in rows.enumerated() {
        let bar = (i < fractions.count ? fractions[i] : nil).map { Bars.bar($0, width: barWidth) } ?? ""
        t.add(row + [bar + (i < suffixes.count ? suffixes[i] : "")])
      }
      return t.render(style: style)
    }

    /// Indices to show of `count` rows: all of them when few, else the first and last `ends` with
    /// nil for `…` between, plus `keep` (surrounded by `…`) when it would be hidden.
    static func shown(count: Int, ends: Int, keep: Int?) -> [Int?] {
      guard count > 2 * ends + 2 else { return Array(0..<count) }
      var out: [Int?] = Array(0..<ends)
      if let k = keep, k >= ends, k < count - ends {
        if k > ends { out.append(nil) }
        out.append(k)
        if k < count - ends - 1 { out.append(nil) }
      } else {
        out.append(nil)
      }
      return out + Array((count - ends)..<count)
    }

    /// Words of `text` in lines of at most `width` columns.
    func wrap(_ text: String) -> [String] {
      var lines: [String] = []
      var line = ""
      for word in text.split(separator: " ") {
        if line.isEmpty {
          line = String(word)
        } else if TextWidth.of(line) + 1 + TextWidth.of(String(word)) <= width {
          line += " " + word
        } else {
          lines.append(line)
          line = String(word)
        }
      }
      if !line.isEmpty { lines.append(line) }
      return lines
    }

    /// A list of items, shortened to its first and last few when long.
    func listed(_ items: [String]) -> String {
      guard items.count > 12 else { return items.joined(separator: ", ") }
      return (items.prefix(6) + ["…"] + items.suffix(3)).joined(separator: ", ")
    }

    /// A key, cut to 18 characters.
    func short(_ key: ShardKey) -> String {
      let s = key.description
      return s.count > 18 ? String(s.prefix(17)) + "…" : s
    }
  }

  /// The label with long lists (`splits=a,b,c,…`) cut to their first two and last items.
  static func shortLabel(_ label: String) -> String {
    label.split(separator: " ").map { token -> String in
      let items = token.split(separator: ",", omittingEmptySubsequences: false)
      guard items.count > 4 else { return String(token) }
      return "\(items[0]),\(items[1]),…,\(items[items.count - 1]) (\(items.count))"
    }.joined(separator: " ")
  }

  /// `s` when `n` is not 1.
  static func pluralS(_ n: Int) -> String { n == 1 ? "" : "s" }

  /// `v` with exactly `digits` decimals.
  static func fixed(_ v: Double, _ digits: Int) -> String {
    guard v.isFinite else { return "-" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(v) * scale).rounded()
    guard scaled < 1e15 else { return String(v) }
    let whole = Int(scaled)
    var s = String(whole / Int(scale))
    if digits > 0 {
      let frac = String(whole % Int(scale))
      s += "." + String(repeating: "0", count: digits - frac.count) + frac
    }
    return (v < 0 && whole != 0 ? "-" : "") + s
  }

  /// A fraction as a percentage with one decimal: `33.3%`.
  static func percent(_ f: Double) -> String { fixed(f * 100, 1) + "%" }

  /// Bytes in binary units with up to two decimals: `512 B`, `128 MB`, `1.5 GB`, `5.29 GB`.
  static func bytes(_ n: UInt64) -> String { ByteSize.text(Int64(clamping: n)) }

}
