import DistLab

/// Mapping metadata, the primer's fifth scheme: an explicit table with one row per key saying which
/// node holds it. Any placement is possible and any row can be moved by editing it, but the table
/// is the single source of truth: it grows with the data and every lookup must consult it.
///
/// A new key gets a row on the node with the fewest rows (ties: the lowest node). A joining node
/// receives just enough rows to even the table out; a leaving node's rows go to the nodes with the
/// fewest rows. Rows chosen to move are taken in order of (hash, key), so the choice never depends
/// on hash-table order.
public struct DirectoryScheme: ShardingScheme {
  public var shape: SchemeShape { .directory(self) }

  public private(set) var nodes: [NodeID]
  private var rows = KeyTable<NodeID>()
  /// Rows held by each node, aligned with `nodes`.
  private var counts: [Int]

  public init(nodes: [NodeID]) throws(ShardingError) {
    self.nodes = try NodeOrder.validated(nodes)
    counts = [Int](repeating: 0, count: self.nodes.count)
  }

  public var kind: SchemeKind { .directory }
  public var label: String { "directory" }
  public var rowCount: Int { rows.count }

  /// The whole table, sorted by key.
  public var table: [DirectoryRow] {
    zip(rows.keys, rows.values).map { DirectoryRow(key: $0.0, node: $0.1) }.sorted { $0.key < $1.key }
  }

  public func owner(of key: ShardKey) -> NodeID? { rows[key] }

  public mutating func place(_ key: ShardKey) -> NodeID {
    let n = NodeOrder.leastLoaded(counts)
    let (entry, inserted) = rows.insert(key, nodes[n])
    if inserted { counts[n] += 1 }
    return rows.values[entry]
  }

  public mutating func place(_ keys: [ShardKey]) -> [NodeID] {
    rows.reserveCapacity(rows.count + keys.count)
    var result: [NodeID] = []
    result.reserveCapacity(keys.count)
    for key in keys { result.append(place(key)) }
    return result
  }

  /// Writes (or rewrites) `key`'s row to point at `node`; returns the node it pointed at before.
  @discardableResult
  public mutating func assign(_ key: ShardKey, to node: NodeID) throws(ShardingError) -> NodeID? {
    guard let n = nodes.firstIndex(of: node) else { throw .unknownNode(node) }
    let previous = rows.updateValue(node, forKey: key)
    if let previous, let p = nodes.firstIndex(of: previous) { counts[p] -= 1 }
    counts[n] += 1
    return previous
  }

  /// Deletes `key`'s row; returns the node it pointed at.
  @discardableResult
  public mutating func removeRow(_ key: ShardKey) throws(ShardingError) -> NodeID {
    guard let previous = rows.removeValue(forKey: key) else { throw .unknownKey(key) }
    if let p = nodes.firstIndex(of: previous) { counts[p] -= 1 }
    return previous
  }

  /// Moves the fewest rows that leave every node within one row of every other; returns the
  /// number of rows moved.
  @discardableResult
  public mutating func rebalance() -> Int {
    let total = rows.count
    let n = nodes.count
    // Targets: total / n each; the remainder goes to the nodes already holding the most rows.
    var target = [Int](repeating: total / n, count: n)
    let byLoad = nodes.indices.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
    for i in byLoad.prefix(total % n) { target[i] += 1 }
    var excess: [NodeID: Int] = [:]
    for i in nodes.indices where counts[i] > target[i] { excess[nodes[i]] = counts[i] - target[i] }
    guard !excess.isEmpty else { return 0 }
    let candidates = rows.values.indices.filter { excess[rows.values[$0]] != nil }
      .sorted { Self.rowOrder(rows.keys[$0], rows.keys[$1]) }
    var moving: [Int] = []
    for e in candidates {
      guard let left = excess[rows.values[e]], left > 0 else { continue }
      excess[rows.values[e]] = left - 1
      moving.append(e)
    }
    var receiver = 0
    for e in moving {
      while receiver < n && counts[receiver] >= target[receiver] { receiver += 1 }
      guard receiver < n, let f = nodes.firstIndex(of: rows.values[e]) else { break }
      counts[f] -= 1
      counts[receiver] += 1
      rows.setValue(nodes[receiver], atEntry: e)
    }
    return moving.count
  }

  /// The new node takes rows until the table is even again.
  public mutating func addNode(_ node: NodeID) throws(ShardingError) {
    try NodeOrder.checkAdd(node, to: nodes)
    nodes = NodeOrder.inserting(node, into: nodes)
    counts.insert(0, at: nodes.firstIndex(of: node) ?? nodes.count - 1)
    rebalance()
  }

  public mutating func removeNode(_ node: NodeID) throws(ShardingError) {
    let i = try NodeOrder.checkRemove(node, from: nodes)
    nodes.remove(at: i)
    counts.remove(at: i)
    let orphans = rows.values.indices.filter { rows.values[$0] == node }
      .sorted { Self.rowOrder(rows.keys[$0], rows.keys[$1]) }
    for e in orphans {
      let n = NodeOrder.leastLoaded(counts)
      counts[n] += 1
      rows.setValue(nodes[n], atEntry: e)
    }
  }

  /// The order in which rows are chosen to move: by hash, then by key.
  private static func rowOrder(_ a: ShardKey, _ b: ShardKey) -> Bool {
    a.hash != b.hash ? a.hash < b.hash : a < b
  }

  public func explain(_ key: ShardKey) -> ShardExplanation {
    let row = rows[key].map { DirectoryRow(key: key, node: $0) }
    return ShardExplanation(
      key: key, owner: row?.node, step: .directory(DirectoryStep(row: row, rowCount: rows.count)))
  }

  public var metadata: ShardMetadata { ShardMetadata(entries: rows.count, unit: .directoryRows) }

  public var lookupCost: LookupCost {
    LookupCost(complexity: "O(1)", steps: 1, detail: "one probe of a \(rows.count)-row table")
  }
}

/// One directory row: key → node.
public struct DirectoryRow: Hashable, Sendable {
  public var key: ShardKey
  public var node: NodeID

  public init(key: ShardKey, node: NodeID) {
    self.key = key
    self.node = node
  }
}

/// The key's row (nil when the directory has none) and the table's size.
public struct DirectoryStep: Hashable, Sendable {
  public var row: DirectoryRow?
  public var rowCount: Int

  public init(row: DirectoryRow?, rowCount: Int) {
    self.row = row
    self.rowCount = rowCount
  }
}
