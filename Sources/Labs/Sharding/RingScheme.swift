import DistLab

/// Consistent hashing (Karger et al., 1997): nodes and keys hashed onto one circle of 2^64
/// positions; a key belongs to the first node point at or after its hash, clockwise. Adding a node
/// takes keys only from its new neighbours. Each node is drawn `virtualNodes` times, at
/// `xxh64("n<number>#<v>", seed: seed)` for v in 0..<virtualNodes: with one point per node the arcs
/// are very uneven (max/mean about H_N), with hundreds they even out.
public struct RingScheme: ShardingScheme {
  public var shape: SchemeShape { .ring(self) }

  public private(set) var ring: HashRing

  public init(nodes: [NodeID], virtualNodes: Int = 100, seed: UInt64 = 0) throws(ShardingError) {
    let sorted = try NodeOrder.validated(nodes)
    try HashRing.check(virtualNodes: virtualNodes, nodes: sorted.count)
    ring = HashRing(nodes: sorted, virtualNodes: virtualNodes, seed: seed)
  }

  public var kind: SchemeKind { .ring }
  public var label: String { "ring vnodes=\(ring.virtualNodes) seed=\(ring.seed)" }
  public var nodes: [NodeID] { ring.nodes }
  public var virtualNodes: Int { ring.virtualNodes }
  public var seed: UInt64 { ring.seed }

  public func owner(of key: ShardKey) -> NodeID? { ring.nodes[ring.ownerIndex(at: ring.successor(of: key.hash))] }

  public mutating func place(_ key: ShardKey) -> NodeID {
    ring.nodes[ring.ownerIndex(at: ring.successor(of: key.hash))]
  }

  public mutating func place(_ keys: [ShardKey]) -> [NodeID] {
    let ring = self.ring
    return keys.map { ring.nodes[ring.ownerIndex(at: ring.successor(of: $0.hash))] }
  }

  public mutating func addNode(_ node: NodeID) throws(ShardingError) {
    try NodeOrder.checkAdd(node, to: ring.nodes)
    try HashRing.check(virtualNodes: ring.virtualNodes, nodes: ring.nodes.count + 1)
    ring = HashRing(
      nodes: NodeOrder.inserting(node, into: ring.nodes), virtualNodes: ring.virtualNodes, seed: ring.seed)
  }

  public mutating func removeNode(_ node: NodeID) throws(ShardingError) {
    var remaining = ring.nodes
    remaining.remove(at: try NodeOrder.checkRemove(node, from: remaining))
    ring = HashRing(nodes: remaining, virtualNodes: ring.virtualNodes, seed: ring.seed)
  }

  public func explain(_ key: ShardKey) -> ShardExplanation {
    let i = ring.successor(of: key.hash)
    let point = ring.point(i)
    let step = RingStep(
      position: key.hash, successor: point, wrapped: key.hash > point.position, pointCount: ring.count)
    return ShardExplanation(key: key, owner: point.node, step: .ring(step))
  }

  /// Distinct nodes met walking clockwise from the key (Dynamo's preference list).
  public func preferenceList(for key: ShardKey, limit: Int) -> [NodeID] { ring.walk(from: key.hash, limit: limit) }

  public var metadata: ShardMetadata { ShardMetadata(entries: ring.count, unit: .ringPoints) }

  public var lookupCost: LookupCost { ring.lookupCost }

  /// Every point, clockwise from position 0: what a ring drawing shows.
  public var points: [RingPoint] { (0..<ring.count).map { ring.point($0) } }

  /// Each node's share of the circle, in node order (see ``HashRing/arcShares``).
  public var arcShares: [Double] { ring.arcShares }
}

/// A point on the ring: its position, the node it stands for and which of that node's virtual
/// nodes it is (`n3#17` is point 17 of node 3).
public struct RingPoint: Hashable, Sendable {
  public var position: UInt64
  public var node: NodeID
  public var virtualNode: Int

  public init(position: UInt64, node: NodeID, virtualNode: Int) {
    self.position = position
    self.node = node
    self.virtualNode = virtualNode
  }
}

/// A key's place on the ring: its position (the hash), the first point at or after it, and
/// whether the search wrapped past the top of the ring to the first point.
public struct RingStep: Hashable, Sendable {
  public var position: UInt64
  public var successor: RingPoint
  public var wrapped: Bool
  public var pointCount: Int
}

/// The sorted circle of points shared by the ring and bounded-load schemes.
public struct HashRing: Hashable, Sendable {
  public let nodes: [NodeID]
  public let virtualNodes: Int
  public let seed: UInt64
  /// Point positions, ascending.
  private var positions: [UInt64]
  /// For each point, the index of its node in `nodes`.
  private var owners: [Int32]
  private var vnodes: [Int32]
  /// The circle cut into 2^k equal buckets by the top k bits of a position (about two per
  /// point); `bucketStart[b]` is the first point in bucket b or later, so a lookup searches only
  /// its bucket's few points instead of the whole ring.
  private var bucketStart: [Int32]
  private var bucketShift: UInt64

  static func check(virtualNodes: Int, nodes: Int) throws(ShardingError) {
    guard (1...ShardingError.maxVirtualNodes).contains(virtualNodes) else { throw .invalidVirtualNodes(virtualNodes) }
    guard nodes * virtualNodes <= ShardingError.maxRingPoints else {
      throw .tooManyRingPoints(nodes: nodes, virtualNodes: virtualNodes)
    }
  }

  init(nodes: [NodeID], virtualNodes: Int, seed: UInt64) {
    self.nodes = nodes
    self.virtualNodes = virtualNodes
    self.seed = seed
    var all: [(position: UInt64, node: Int32, vnode: Int32)] = []
    all.reserveCapacity(nodes.count * virtualNodes)
    for (n, node) in nodes.enumerated() {
      let prefix = NodeOrder.hashLabel(node) + "#"
      for v in 0..<virtualNodes {
        all.append((XXHash64.hash(prefix + String(v), seed: seed), Int32(n), Int32(v)))
      }
    }
    all.sort { ($0.position, $0.node, $0.vnode) < ($1.position, $1.node, $1.vnode) }
    positions = all.map(\.position)
    owners = all.map(\.node)
    vnodes = all.map(\.vnode)
    let bits = Swift.min(20, Int.bitWidth - all.count.leadingZeroBitCount + 1)
    bucketShift = UInt64(64 - bits)
    var starts = [Int32](repeating: Int32(all.count), count: (1 << bits) + 1)
    var i = 0
    for bucket in 0..<(1 << bits) {
      while i < all.count && Int(all[i].position >> bucketShift) < bucket { i += 1 }
      starts[bucket] = Int32(i)
    }
    bucketStart = starts
  }

  public var count: Int { positions.count }

  /// Index of the first point at or after `hash`, wrapping to 0 past the top: a binary search
  /// within the hash's bucket (the answer lies between the bucket's first point and the next
  /// bucket's first point).
  @inline(__always)
  func successor(of hash: UInt64) -> Int {
    let bucket = Int(hash >> bucketShift)
    var lo = Int(bucketStart[bucket])
    var hi = Int(bucketStart[bucket + 1])
    return positions.withUnsafeBufferPointer { p in
      while lo < hi {
        let mid = (lo + hi) >> 1
        if p[mid] < hash { lo = mid + 1 } else { hi = mid }
      }
      return lo == p.count ? 0 : lo
    }
  }

  @inline(__always)
  func ownerIndex(at point: Int) -> Int { Int(owners[point]) }

  func point(_ i: Int) -> RingPoint {
    RingPoint(position: positions[i], node: nodes[Int(owners[i])], virtualNode: Int(vnodes[i]))
  }

  /// Distinct nodes clockwise from `hash`, all of them.
  func walk(from hash: UInt64, limit: Int = Int.max) -> [NodeID] {
    let wanted = min(limit, nodes.count)
    var seen = Set<Int>()
    var order: [NodeID] = []
    var i = successor(of: hash)
    var walked = 0
    // The walk stops as soon as it has met enough owners, so a key costs the points it passes.
    while order.count < wanted && walked < positions.count {
      let o = Int(owners[i])
      if seen.insert(o).inserted { order.append(nodes[o]) }
      i = i + 1 == positions.count ? 0 : i + 1
      walked += 1
    }
    return order
  }

  /// The share of the circle each node owns (its arcs' total length / 2^64), in node order.
  public var arcShares: [Double] {
    var shares = [Double](repeating: 0, count: nodes.count)
    guard let last = positions.last else { return shares }
    var previous = last
    for i in positions.indices {
      shares[Int(owners[i])] += Double(positions[i] &- previous) / 0x1p64
      previous = positions[i]
    }
    if positions.count == 1 { shares[Int(owners[0])] = 1 }
    return shares
  }

  var lookupCost: LookupCost {
    LookupCost(
      complexity: "O(log P)", steps: Double(Int.bitWidth - (count - 1).leadingZeroBitCount + 1),
      detail: "binary search over \(count) ring points (a bucket index narrows it to a few)")
  }
}
