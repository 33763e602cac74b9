import DistLab

/// Consistent hashing with bounded loads (Mirrokni, Thorup & Zadimoghaddam, SODA 2018): a ring as in
/// ``RingScheme``, but no node may hold more than `ceil(c * m / N)` keys, m counting the key being
/// placed. A key walks clockwise from its hash past every full node. The load factor c (> 1) trades
/// balance (max/mean <= c) against movement.
///
/// Placements depend on arrival order, so the scheme remembers every distinct key in the order it
/// arrived, and where it went; a node change replays that order on the new ring.
public struct BoundedLoadScheme: ShardingScheme {
  public var shape: SchemeShape { .bounded(self) }

  public private(set) var ring: HashRing
  public let loadFactor: Double
  /// Keys held by each node, aligned with `ring.nodes`.
  public private(set) var loads: [Int]
  /// Where each distinct key went, in arrival order.
  private var assignments = KeyTable<NodeID>()
  /// Ring points passed over (full nodes skipped) summed over all placements.
  private var skipped = 0

  public static let defaultLoadFactor = 1.25
  public static let maxLoadFactor = 1_000.0

  public init(
    nodes: [NodeID], virtualNodes: Int = 100, loadFactor: Double = BoundedLoadScheme.defaultLoadFactor,
    seed: UInt64 = 0
  ) throws(ShardingError) {
    let sorted = try NodeOrder.validated(nodes)
    try HashRing.check(virtualNodes: virtualNodes, nodes: sorted.count)
    guard loadFactor >= 1, loadFactor <= Self.maxLoadFactor else { throw .invalidLoadFactor(loadFactor) }
    ring = HashRing(nodes: sorted, virtualNodes: virtualNodes, seed: seed)
    self.loadFactor = loadFactor
    loads = [Int](repeating: 0, count: sorted.count)
  }

  public var kind: SchemeKind { .bounded }
  public var label: String { "bounded c=\(loadFactor) vnodes=\(ring.virtualNodes) seed=\(ring.seed)" }
  public var nodes: [NodeID] { ring.nodes }

  /// The most keys a node may hold once the next key is placed.
  public var capacity: Int { capacity(forKeys: assignments.count + 1) }

  private func capacity(forKeys m: Int) -> Int {
    Int((loadFactor * Double(m) / Double(ring.nodes.count)).rounded(.up))
  }

  /// The ring point a new key would stop at, and how many points it passed.
  private func walk(_ hash: UInt64) -> (point: Int, skipped: Int) {
    let cap = capacity
    var i = ring.successor(of: hash)
    var passed = 0
    while passed < ring.count && loads[ring.ownerIndex(at: i)] >= cap {
      i = i + 1 == ring.count ? 0 : i + 1
      passed += 1
    }
    return (i, passed)
  }

  /// Where the key is, or where it would go if placed now.
  public func owner(of key: ShardKey) -> NodeID? {
    assignments[key] ?? ring.nodes[ring.ownerIndex(at: walk(key.hash).point)]
  }

  public mutating func place(_ key: ShardKey) -> NodeID {
    let (point, passed) = walk(key.hash)
    let n = ring.ownerIndex(at: point)
    let (entry, inserted) = assignments.insert(key, ring.nodes[n])
    guard inserted else { return assignments.values[entry] }
    loads[n] += 1
    skipped += passed
    return ring.nodes[n]
  }

  public mutating func place(_ keys: [ShardKey]) -> [NodeID] {
    assignments.reserveCapacity(assignments.count + keys.count)
    var result: [NodeID] = []
    result.reserveCapacity(keys.count)
    for key in keys { result.append(place(key)) }
    return result
  }

  private mutating func rebuild(_ nodes: [NodeID]) {
    let order = assignments.keys
    ring = HashRing(nodes: nodes, virtualNodes: ring.virtualNodes, seed: ring.seed)
    loads = [Int](repeating: 0, count: nodes.count)
    assignments = KeyTable()
    skipped = 0
    _ = place(order)
  }

  public mutating func addNode(_ node: NodeID) throws(ShardingError) {
    try NodeOrder.checkAdd(node, to: ring.nodes)
    try HashRing.check(virtualNodes: ring.virtualNodes, nodes: ring.nodes.count + 1)
    rebuild(NodeOrder.inserting(node, into: ring.nodes))
  }

  public mutating func removeNode(_ node: NodeID) throws(ShardingError) {
    var remaining = ring.nodes
    remaining.remove(at: try NodeOrder.checkRemove(node, from: remaining))
    rebuild(remaining)
  }

  public func explain(_ key: ShardKey) -> ShardExplanation {
    let first = ring.successor(of: key.hash)
    var visited: [NodeLoad] = []
    let placed = assignments[key]
    let cap = capacity
    var i = first
    for _ in 0..<ring.count {
      let n = ring.ownerIndex(at: i)
      visited.append(NodeLoad(node: ring.nodes[n], load: loads[n]))
      if let placed, placed == ring.nodes[n] { break }
      if placed == nil && loads[n] < cap { break }
      i = i + 1 == ring.count ? 0 : i + 1
    }
    let step = BoundedStep(
      position: key.hash, successor: ring.point(first), capacity: cap, visited: visited, placed: placed != nil)
    return ShardExplanation(key: key, owner: placed ?? visited.last?.node, step: .bounded(step))
  }

  public func preferenceList(for key: ShardKey, limit: Int) -> [NodeID] {
    let walk = ring.walk(from: key.hash, limit: limit == Int.max ? limit : limit + 1)
    return Array(NodeOrder.ownerFirst(owner(of: key), then: walk).prefix(limit))
  }

  public var metadata: ShardMetadata { ShardMetadata(entries: ring.count, unit: .ringPoints) }

  public var lookupCost: LookupCost {
    let base = ring.lookupCost
    let walk = assignments.isEmpty ? 0 : Double(skipped) / Double(assignments.count)
    return LookupCost(
      complexity: "O(log P + walk)", steps: base.steps + walk,
      detail: "\(base.detail), then \((walk * 100).rounded() / 100) full points passed on average")
  }
}

/// A node and how many keys it holds.
public struct NodeLoad: Hashable, Sendable {
  public var node: NodeID
  public var load: Int

  public init(node: NodeID, load: Int) {
    self.node = node
    self.load = load
  }
}

/// A bounded-load placement: the key's ring position and successor point, the capacity, and the
/// nodes visited clockwise with their loads (full ones passed, the last one the owner). For a key
/// already placed (`placed`), the walk is shown up to the node it went to when it arrived.
public struct BoundedStep: Hashable, Sendable {
  public var position: UInt64
  public var successor: RingPoint
  public var capacity: Int
  public var visited: [NodeLoad]
  public var placed: Bool

  public init(position: UInt64, successor: RingPoint, capacity: Int, visited: [NodeLoad], placed: Bool) {
    self.position = position
    self.successor = successor
    self.capacity = capacity
    self.visited = visited
    self.placed = placed
  }
}
