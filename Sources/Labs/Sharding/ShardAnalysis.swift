import DistLab

/// How keys spread over nodes: counts per node (every node, ascending, empty ones included) and
/// the balance figures the lab shows.
public struct ShardDistribution: Hashable, Sendable {
  /// One node and the keys it holds.
  public struct Row: Hashable, Sendable {
    public var node: NodeID
    public var keys: Int
  }

  public var rows: [Row]
  /// Keys with an owner.
  public var total: Int
  /// Keys without an owner (a directory with no row for them).
  public var unplaced: Int
  public var mean: Double
  public var max: Int
  public var min: Int
  /// Max over mean: 1 is perfect balance (0 when there are no keys).
  public var maxOverMean: Double
  /// Population standard deviation of the per-node counts.
  public var standardDeviation: Double
  /// Standard deviation over mean (0 when there are no keys).
  public var coefficientOfVariation: Double
  public var emptyNodes: [NodeID]

  /// Keys held by `node` (0 when unknown).
  public func keys(on node: NodeID) -> Int { rows.first { $0.node == node }?.keys ?? 0 }
}

/// Keys that changed owner between two placements of the same key list.
public struct ShardMovement: Hashable, Sendable {
  /// Keys moved from one node to another, for each pair that saw any.
  public struct Flow: Hashable, Sendable {
    public var from: NodeID
    public var to: NodeID
    public var keys: Int
  }

  /// Keys that had an owner before.
  public var total: Int
  public var moved: Int
  /// moved / total (0 when total is 0).
  public var fraction: Double
  /// Sorted by (from, to).
  public var flows: [Flow]
}

/// A node joining or leaving.
public enum NodeChange: Hashable, Sendable {
  case added(NodeID)
  case removed(NodeID)
}

/// What a node change did to a placed key set.
public struct NodeChangeReport: Hashable, Sendable {
  public var change: NodeChange
  public var before: ShardDistribution
  public var after: ShardDistribution
  public var movement: ShardMovement
  /// The least any scheme must move: 1/(N+1) of the keys for a join, the leaving node's share for
  /// a departure.
  public var idealFraction: Double
}

/// One scheme's line in `compare`.
public struct ShardComparisonRow: Hashable, Sendable {
  public var kind: SchemeKind
  public var label: String
  public var maxOverMean: Double
  public var coefficientOfVariation: Double
  public var emptyNodes: Int
  /// Fraction of keys moved when a node joins.
  public var movedOnAdd: Double
  /// Fraction of keys moved when a node leaves (nil with a single node).
  public var movedOnRemove: Double?
  public var lookupCost: LookupCost
  /// Bookkeeping after placing the keys.
  public var metadata: ShardMetadata
}

/// Pure functions over placements: distribution statistics, movement, node changes, comparison.
public enum ShardAnalysis {
  /// Counts per node of `owners` over `nodes` (owners outside `nodes` get rows of their own).
  public static func distribution(owners: [NodeID?], nodes: [NodeID]) -> ShardDistribution {
    var counts: [NodeID: Int] = [:]
    for node in nodes { counts[node] = 0 }
    var unplaced = 0
    var dense = [Int](repeating: 0, count: 4_096)
    for owner in owners {
      guard let owner else {
        unplaced += 1
        continue
      }
      if owner.number >= 0 && owner.number < dense.count {
        dense[owner.number] += 1
      } else {
        counts[owner, default: 0] += 1
      }
    }
    for i in dense.indices where dense[i] > 0 { counts[NodeID(i), default: 0] += dense[i] }
    let rows = counts.map { ShardDistribution.Row(node: $0.key, keys: $0.value) }.sorted { $0.node < $1.node }
    return summarize(rows, unplaced: unplaced)
  }

  /// Counts of every copy, e.g. each key's replica list flattened.
  public static func distribution(copies: [[NodeID]], nodes: [NodeID]) -> ShardDistribution {
    distribution(owners: copies.flatMap { $0.map { Optional($0) } }, nodes: nodes)
  }

  static func summarize(_ rows: [ShardDistribution.Row], unplaced: Int) -> ShardDistribution {
    let total = rows.reduce(0) { $0 + $1.keys }
    let n = Double(Swift.max(rows.count, 1))
    let mean = Double(total) / n
    let maxCount = rows.map(\.keys).max() ?? 0
    let minCount = rows.map(\.keys).min() ?? 0
    let variance = rows.reduce(0.0) { $0 + (Double($1.keys) - mean) * (Double($1.keys) - mean) } / n
    let sd = variance.squareRoot()
    return ShardDistribution(
      rows: rows, total: total, unplaced: unplaced, mean: mean, max: maxCount, min: minCount,
      maxOverMean: mean > 0 ? Double(maxCount) / mean : 0, standardDeviation: sd,
      coefficientOfVariation: mean > 0 ? sd / mean : 0, emptyNodes: rows.filter { $0.keys == 0 }.map(\.node))
  }

  /// Keys whose owner differs between `before` and `after` (the same keys in the same order),
  /// counting only keys that had an owner before.
  public static func movement(before: [NodeID?], after: [NodeID?]) -> ShardMovement {
    struct Pair: Hashable {
      var from: NodeID
      var to: NodeID?
    }
    var total = 0
    var moved = 0
    var flows: [Pair: Int] = [:]
    for i in 0..<Swift.min(before.count, after.count) {
      guard let from = before[i] else { continue }
      total += 1
      if after[i] != from {
        moved += 1
        flows[Pair(from: from, to: after[i]), default: 0] += 1
      }
    }
    let list = flows.compactMap { entry in
      entry.key.to.map { ShardMovement.Flow(from: entry.key.from, to: $0, keys: entry.value) }
    }.sorted { ($0.from, $0.to) < ($1.from, $1.to) }
    return ShardMovement(
      total: total, moved: moved, fraction: total > 0 ? Double(moved) / Double(total) : 0, flows: list)
  }

  /// Copies that must be sent somewhere new between two replica placements: for each key, the
  /// nodes in `after` that were not in `before`. `total` counts the copies before; no flows.
  public static func copyMovement(before: [[NodeID]], after: [[NodeID]]) -> ShardMovement {
    var total = 0
    var moved = 0
    for i in before.indices {
      total += before[i].count
      if i < after.count { moved += after[i].filter { !before[i].contains($0) }.count }
    }
    return ShardMovement(
      total: total, moved: moved, fraction: total > 0 ? Double(moved) / Double(total) : 0, flows: [])
  }

  /// Applies `change` to a scheme that already holds `keys` and reports what moved. The scheme is
  /// left unchanged when the change is refused.
  public static func apply<S: ShardingScheme>(
    _ change: NodeChange, to scheme: inout S, keys: [ShardKey]
  ) throws(ShardingError) -> NodeChangeReport {
    let owners = scheme.owners(of: keys)
    let before = distribution(owners: owners, nodes: scheme.nodes)
    var changed = scheme
    let ideal: Double
    switch change {
    case .added(let node):
      try changed.addNode(node)
      ideal = 1 / Double(changed.nodes.count)
    case .removed(let node):
      try changed.removeNode(node)
      ideal = before.total > 0 ? Double(before.keys(on: node)) / Double(before.total) : 0
    }
    let ownersAfter = changed.owners(of: keys)
    scheme = changed
    return NodeChangeReport(
      change: change, before: before, after: distribution(owners: ownersAfter, nodes: changed.nodes),
      movement: movement(before: owners, after: ownersAfter), idealFraction: ideal)
  }

  /// Every kind in `kinds` on the same keys and nodes: balance after placing them, the fraction
  /// moved when `adding` joins (default: the next node number) and when `removing` leaves
  /// (default: the lowest node), lookup cost and metadata. Replication is ignored.
  public static func compare(
    keys: [ShardKey], nodes: [NodeID], kinds: [SchemeKind] = SchemeKind.allCases,
    options: SchemeOptions = SchemeOptions(), adding: NodeID? = nil, removing: NodeID? = nil,
    cancel: () -> Bool = { false }
  ) throws(ShardingError) -> [ShardComparisonRow] {
    var plain = options
    plain.replicationFactor = 1
    let sorted = try NodeOrder.validated(nodes)
    let last = sorted[sorted.count - 1].number
    let newNode = adding ?? NodeID(last < Int.max ? last + 1 : 1)
    let leaving = removing ?? sorted[0]
    var rows: [ShardComparisonRow] = []
    // Each step over the keys takes a fraction of a second at the largest sizes; between them
    // the comparison stops when asked.
    func step() throws(ShardingError) { if cancel() { throw .interrupted } }
    for kind in kinds {
      try step()
      var scheme = try Sharding.makeScheme(kind, nodes: sorted, options: plain)
      _ = scheme.place(keys)
      try step()
      let owners = scheme.owners(of: keys)
      let stats = distribution(owners: owners, nodes: scheme.nodes)
      var grown = scheme
      try grown.addNode(newNode)
      try step()
      let added = movement(before: owners, after: grown.owners(of: keys))
      var removed: ShardMovement?
      try step()
      if sorted.count > 1 {
        var shrunk = scheme
        try shrunk.removeNode(leaving)
        removed = movement(before: owners, after: shrunk.owners(of: keys))
      }
      rows.append(
        ShardComparisonRow(
          kind: kind, label: scheme.label, maxOverMean: stats.maxOverMean,
          coefficientOfVariation: stats.coefficientOfVariation, emptyNodes: stats.emptyNodes.count,
          movedOnAdd: added.fraction, movedOnRemove: removed?.fraction, lookupCost: scheme.lookupCost,
          metadata: scheme.metadata))
    }
    return rows
  }
}
