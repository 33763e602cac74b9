import DistLab

/// Range partitioning, the primer's second scheme: the key order (see ``ShardKey``) is cut at split
/// points into ranges, each held by one node. Ranges keep neighbouring keys together, so a scan
/// is cheap, but sequential keys all land in the last range: one hot node takes every new write.
///
/// Explicit split points make `splits.count + 1` ranges, dealt to the sorted nodes in turn. With
/// `maxRangeKeys`, a range that grows past that many records splits at its median key; the upper
/// half moves to the node holding the fewest records. A joining node takes whole ranges from the
/// busiest nodes up to its fair share (or, with only a few big ranges, the upper half of the
/// largest); a leaving node's ranges go, one by one, to the node holding the fewest records.
/// Records are counted as written (a key placed twice counts twice), as in a log before
/// compaction.
public struct RangeScheme: ShardingScheme {
  public var shape: SchemeShape { .range(self) }

  public private(set) var nodes: [NodeID]
  public let maxRangeKeys: Int?
  /// A tree in key order, so that finding a key's range and splitting one at a random key each
  /// cost O(log R), not O(R).
  private var ranges: IndexedTree<Shard>
  /// Records per node, in node order: kept as keys are placed and ranges split, so that
  /// choosing the least-loaded node costs O(1), not a walk over every range or node.
  private var counts: LeastLoaded

  private struct Shard: Sendable {
    var lower: ShardKey?
    var node: NodeID
    var keys: [ShardKey]
    /// A split is tried once the range holds more records than this (the limit doubles after a
    /// failed try, when every key in the range is equal).
    var splitLimit: Int
  }

  public static let defaultMaxRangeKeys = 1_000

  public init(nodes: [NodeID], splits: [ShardKey] = [], maxRangeKeys: Int? = nil) throws(ShardingError) {
    let sorted = try NodeOrder.validated(nodes)
    for i in splits.indices.dropFirst() where !(splits[i - 1] < splits[i]) {
      throw .splitPointsOutOfOrder(position: i + 1, previous: splits[i - 1], next: splits[i])
    }
    if let max = maxRangeKeys, max < 2 { throw .invalidMaxRangeKeys(max) }
    self.nodes = sorted
    self.maxRangeKeys = maxRangeKeys
    let limit = maxRangeKeys ?? Int.max
    var shards = [Shard(lower: nil, node: sorted[0], keys: [], splitLimit: limit)]
    for (i, split) in splits.enumerated() {
      shards.append(Shard(lower: split, node: sorted[(i + 1) % sorted.count], keys: [], splitLimit: limit))
    }
    ranges = IndexedTree(shards)
    counts = LeastLoaded([Int](repeating: 0, count: sorted.count))
  }

  /// The position of `node` in `nodes` (which is sorted).
  private func position(_ node: NodeID) -> Int? {
    var lo = 0
    var hi = nodes.count
    while lo < hi {
      let mid = (lo + hi) >> 1
      if nodes[mid] < node { lo = mid + 1 } else { hi = mid }
    }
    return lo < nodes.count && nodes[lo] == node ? lo : nil
  }

  public var kind: SchemeKind { .range }
  public var label: String {
    var text = "range"
    if !splits.isEmpty { text += " splits=" + splits.map(\.description).joined(separator: ",") }
    if let maxRangeKeys { text += " max-keys=\(maxRangeKeys)" }
    return text
  }

  /// The split points: every range's lower bound but the first's.
  private var splits: [ShardKey] { ranges.dropFirst().compactMap(\.lower) }

  /// The range holding `key` (the last whose lower bound is at or below it): its index and handle.
  @inline(__always)
  private func locate(_ key: ShardKey) -> (index: Int, handle: Int) {
    // The first range has no lower bound, so some range always passes.
    ranges.lastPassing { $0.lower.map { !(key < $0) } ?? true } ?? (0, 0)
  }

  /// Index of the range holding `key`: the number of split points at or below it.
  private func rangeIndex(_ key: ShardKey) -> Int { locate(key).index }

  public func owner(of key: ShardKey) -> NodeID? { ranges[handle: locate(key).handle].node }

  public mutating func place(_ key: ShardKey) -> NodeID {
    let (i, h) = locate(key)
    let node = ranges[handle: h].node
    ranges[handle: h].keys.append(key)
    if let n = position(node) { counts[n] += 1 }
    if ranges[handle: h].keys.count > ranges[handle: h].splitLimit { split(i, to: nil) }
    return node
  }

  /// Per-node record counts, in node order.
  private func loads() -> [Int] {
    var counts = [Int](repeating: 0, count: nodes.count)
    for shard in ranges {
      if let n = nodes.firstIndex(of: shard.node) { counts[n] += shard.keys.count }
    }
    return counts
  }

  /// Splits range `i` at its median key. The upper half goes to `target`, or (nil) to the node
  /// with the fewest records once the upper half has left. Returns false when no split exists
  /// (every key in the range is equal).
  @discardableResult
  private mutating func split(_ i: Int, to target: NodeID?) -> Bool {
    let keys = ranges[i].keys
    guard let at = Self.splitKey(keys) else {
      let limit = max(ranges[i].splitLimit, keys.count)
      ranges[i].splitLimit = limit > Int.max / 2 ? Int.max : limit * 2
      return false
    }
    var lower: [ShardKey] = []
    var upper: [ShardKey] = []
    lower.reserveCapacity(keys.count / 2 + 1)
    upper.reserveCapacity(keys.count / 2 + 1)
    for key in keys {
      if key < at { lower.append(key) } else { upper.append(key) }
    }
    let limit = maxRangeKeys ?? Int.max
    ranges[i].keys = lower
    ranges[i].splitLimit = limit
    if let n = position(ranges[i].node) { counts[n] -= upper.count }
    let node = target ?? nodes[counts.least]
    if let n = position(node) { counts[n] += upper.count }
    ranges.insert(Shard(lower: at, node: node, keys: upper, splitLimit: limit), at: i + 1)
    return true
  }

  /// The median key of `keys`, or the next larger distinct key when the median equals the
  /// smallest; nil when all keys are equal (or there are fewer than two).
  static func splitKey(_ keys: [ShardKey]) -> ShardKey? {
    guard keys.count >= 2 else { return nil }
    var work = keys
    let mid = work.count / 2
    select(&work, mid)
    let median = work[mid]
    var smallest = work[0]
    for key in work[..<mid] where key < smallest { smallest = key }
    if smallest < median { return median }
    var candidate: ShardKey?
    for key in work[mid...] where median < key {
      if let c = candidate, !(key < c) { continue }
      candidate = key
    }
    return candidate
  }

  /// Quickselect (median-of-three pivots): afterwards `keys[k]` is the k-th smallest, everything
  /// before it is not larger, everything after it is not smaller.
  private static func select(_ keys: inout [ShardKey], _ k: Int) {
    var lo = 0
    var hi = keys.count - 1
    while lo < hi {
      let mid = lo + (hi - lo) / 2
      if keys[mid] < keys[lo] { keys.swapAt(mid, lo) }
      if keys[hi] < keys[lo] { keys.swapAt(hi, lo) }
      if keys[hi] < keys[mid] { keys.swapAt(hi, mid) }
      let pivot = keys[mid]
      var i = lo
      var j = hi
      while i <= j {
        while keys[i] < pivot { i += 1 }
        while pivot < keys[j] { j -= 1 }
        if i <= j {
          keys.swapAt(i, j)
          i += 1
          j -= 1
        }
      }
      if k <= j {
        hi = j
      } else if k >= i {
        lo = i
      } else {
        return
      }
    }
  }

  /// The new node takes whole ranges from the busiest nodes, largest first, as long as it stays
  /// at or below its fair share (records / nodes); when no whole range fits (a few big ranges), it
  /// takes the upper half of the largest range instead.
  public mutating func addNode(_ node: NodeID) throws(ShardingError) {
    try NodeOrder.checkAdd(node, to: nodes)
    nodes = NodeOrder.inserting(node, into: nodes)
    guard let newIndex = nodes.firstIndex(of: node) else { return }
    var counts = loads()
    let target = counts.reduce(0, +) / nodes.count
    while true {
      var donor = -1
      for i in nodes.indices where i != newIndex && (donor < 0 || counts[i] > counts[donor]) { donor = i }
      var best: Int?
      for r in ranges.indices where ranges[r].node == nodes[donor] && ranges[r].keys.count > 0 {
        let size = ranges[r].keys.count
        if counts[newIndex] + size <= target && size > (best.map { ranges[$0].keys.count } ?? 0) { best = r }
      }
      guard let r = best else { break }
      ranges[r].node = node
      counts[donor] -= ranges[r].keys.count
      counts[newIndex] += ranges[r].keys.count
    }
    self.counts = LeastLoaded(counts)
    guard counts[newIndex] == 0 else { return }
    var order = Array(0..<ranges.count)
    order.sort {
      ranges[$0].keys.count != ranges[$1].keys.count ? ranges[$0].keys.count > ranges[$1].keys.count : $0 < $1
    }
    for i in order where ranges[i].keys.count >= 2 {
      if split(i, to: node) { return }
    }
  }

  /// Each of the node's ranges goes to the node holding the fewest records at that moment.
  public mutating func removeNode(_ node: NodeID) throws(ShardingError) {
    let index = try NodeOrder.checkRemove(node, from: nodes)
    nodes.remove(at: index)
    var counts = loads()
    for i in ranges.indices where ranges[i].node == node {
      let target = NodeOrder.leastLoaded(counts)
      ranges[i].node = nodes[target]
      counts[target] += ranges[i].keys.count
    }
    self.counts = LeastLoaded(counts)
  }

  public func explain(_ key: ShardKey) -> ShardExplanation {
    let i = rangeIndex(key)
    let step = RangeStep(
      rangeIndex: i, lower: ranges[i].lower, upper: i + 1 < ranges.count ? ranges[i + 1].lower : nil,
      keysInRange: ranges[i].keys.count, rangeCount: ranges.count)
    return ShardExplanation(key: key, owner: ranges[i].node, step: .range(step))
  }

  /// The owner, then the nodes of the following ranges (wrapping), then any others.
  public func preferenceList(for key: ShardKey, limit: Int) -> [NodeID] {
    let i = rangeIndex(key)
    var order: [NodeID] = []
    var seen = Set<NodeID>()
    var k = 0
    while order.count < limit && k < ranges.count {
      let node = ranges[(i + k) % ranges.count].node
      if seen.insert(node).inserted { order.append(node) }
      k += 1
    }
    for node in nodes {
      guard order.count < limit else { break }
      if seen.insert(node).inserted { order.append(node) }
    }
    return order
  }

  /// The range table: bounds, node and record count of every range, in key order.
  public var table: [RangeRow] {
    (0..<ranges.count).map { i in
      RangeRow(
        lower: ranges[i].lower, upper: i + 1 < ranges.count ? ranges[i + 1].lower : nil, node: ranges[i].node,
        keys: ranges[i].keys.count)
    }
  }

  public var metadata: ShardMetadata { ShardMetadata(entries: ranges.count, unit: .ranges) }

  public var lookupCost: LookupCost {
    LookupCost(
      complexity: "O(log R)", steps: Double(Int.bitWidth - (ranges.count - 1).leadingZeroBitCount),
      detail: "binary search over \(ranges.count - 1) split points")
  }
}

/// One range: keys from `lower` (inclusive; nil = the very first key) up to `upper` (exclusive;
/// nil = no end), the node holding it and the records written to it.
public struct RangeRow: Hashable, Sendable {
  public var lower: ShardKey?
  public var upper: ShardKey?
  public var node: NodeID
  public var keys: Int

  public init(lower: ShardKey?, upper: ShardKey?, node: NodeID, keys: Int) {
    self.lower = lower
    self.upper = upper
    self.node = node
    self.keys = keys
  }
}

/// The range a key falls in (`rangeIndex` of `rangeCount`, 0-based) and its bounds.
public struct RangeStep: Hashable, Sendable {
  public var rangeIndex: Int
  public var lower: ShardKey?
  public var upper: ShardKey?
  public var keysInRange: Int
  public var rangeCount: Int

  public init(rangeIndex: Int, lower: ShardKey?, upper: ShardKey?, keysInRange: Int, rangeCount: Int) {
    self.rangeIndex = rangeIndex
    self.lower = lower
    self.upper = upper
    self.keysInRange = keysInRange
    self.rangeCount = rangeCount
  }
}
