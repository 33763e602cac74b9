import DistLab

/// One way of deciding which node holds a key: the small protocol every scheme of the sharding lab
/// conforms to. Schemes are value types: copying one and adding a node to the copy is how a
/// movement report compares "before" and "after".
///
/// `owner(of:)` is a pure lookup. `place(_:)` records a key the way the scheme would when data
/// arrives, which matters for the schemes with state: bounded loads (the current loads decide),
/// range partitioning (a range that grows too big splits), chunks (the file grows) and the
/// directory (a new row is written). For the others the two agree. Place a batch in order with
/// `place(_ keys:)`.
public protocol ShardingScheme: Sendable {
  var kind: SchemeKind { get }
  /// The scheme and its settings in a short parse-friendly form, e.g. `ring vnodes=100 seed=0`.
  var label: String { get }
  /// The nodes holding data, in ascending order.
  var nodes: [NodeID] { get }
  /// The node holding `key` now; nil when the scheme has no record of a key that only placement
  /// can create (a directory without its row, a chunked file without the record).
  func owner(of key: ShardKey) -> NodeID?
  /// Records `key` and returns the node it went to.
  mutating func place(_ key: ShardKey) -> NodeID
  /// Places keys in order; element `i` is where key `i` went at the moment it was placed.
  mutating func place(_ keys: [ShardKey]) -> [NodeID]
  /// Adds a node, moving whatever the scheme moves. Refused (scheme unchanged) for a node already
  /// present or a node number below 1.
  mutating func addNode(_ node: NodeID) throws(ShardingError)
  /// Removes a node, handing its keys to others. Refused (scheme unchanged) for an unknown node or
  /// the last one.
  mutating func removeNode(_ node: NodeID) throws(ShardingError)
  /// Why `key` lives where it lives: hash value, ring successor, range, block, table row…
  func explain(_ key: ShardKey) -> ShardExplanation
  /// The first `limit` nodes, best first, starting with the owner, of the order replicas of `key`
  /// go in; asking for only as many as are needed keeps placing copies cheap over many nodes.
  func preferenceList(for key: ShardKey, limit: Int) -> [NodeID]
  /// What must be stored and kept up to date to find keys (table rows, ring points…).
  var metadata: ShardMetadata { get }
  /// What one lookup costs in this configuration.
  var lookupCost: LookupCost { get }
  /// The scheme as its concrete kind, for code that treats each kind its own way.
  var shape: SchemeShape { get }
}

/// A scheme as its concrete kind. Code that draws or explains each kind its own way (the
/// pictures of `shard map`) switches over this, so the compiler names any kind it forgets.
public enum SchemeShape {
  case modn(ModNScheme)
  case range(RangeScheme)
  case chunks(ChunkScheme)
  case ring(RingScheme)
  case directory(DirectoryScheme)
  case jump(JumpScheme)
  case rendezvous(RendezvousScheme)
  case maglev(MaglevScheme)
  case bounded(BoundedLoadScheme)
  /// Copies kept by a preference list over a base scheme.
  case replicated(ReplicatedScheme)
}

extension ShardingScheme {
  public mutating func place(_ keys: [ShardKey]) -> [NodeID] {
    var result: [NodeID] = []
    result.reserveCapacity(keys.count)
    for key in keys { result.append(place(key)) }
    return result
  }

  /// The current owner of every key (after any splits or moves placement caused).
  public func owners(of keys: [ShardKey]) -> [NodeID?] {
    keys.map { owner(of: $0) }
  }

  /// Default preference list: the owner first, then the other nodes by rendezvous weight.
  public func preferenceList(for key: ShardKey, limit: Int) -> [NodeID] {
    Array(NodeOrder.ownerFirst(owner(of: key), then: NodeOrder.rendezvous(key, nodes)).prefix(limit))
  }

  /// Every node, best first, starting with the owner: where replicas of `key` go.
  public func preferenceList(for key: ShardKey) -> [NodeID] { preferenceList(for: key, limit: Int.max) }

  /// The first `count` nodes of the key's preference list that pass `accept`, asking the scheme
  /// for a longer list only when the shorter one did not hold enough.
  public func preferred(for key: ShardKey, count: Int, where accept: (NodeID) -> Bool) -> [NodeID] {
    guard count > 0 else { return [] }
    var limit = 2 * count
    while true {
      let list = preferenceList(for: key, limit: limit)
      let found = list.filter(accept)
      if found.count >= count || list.count < limit { return Array(found.prefix(count)) }
      limit = limit > Int.max / 4 ? Int.max : limit * 4
    }
  }
}

/// The answer to `where`: the key, its hash, the owner and replica list, and the scheme's own
/// reasoning in `step`.
public struct ShardExplanation: Hashable, Sendable {
  public var key: ShardKey
  /// The owner; nil when the scheme has no record of the key.
  public var owner: NodeID?
  /// The owner followed by the other copies (just the owner without replication).
  public var replicas: [NodeID]
  /// The zone of each replica when zones are known, aligned with `replicas`.
  public var replicaZones: [String?]
  public var step: ShardStep

  public var hash: UInt64 { key.hash }

  public init(key: ShardKey, owner: NodeID?, step: ShardStep) {
    self.key = key
    self.owner = owner
    self.replicas = owner.map { [$0] } ?? []
    self.replicaZones = owner == nil ? [] : [nil]
    self.step = step
  }
}

/// Each scheme's reasoning for one placement, with named fields for renderers and expectations.
public enum ShardStep: Hashable, Sendable {
  case modN(ModNStep)
  case range(RangeStep)
  case chunk(ChunkStep)
  case ring(RingStep)
  case directory(DirectoryStep)
  case jump(JumpStep)
  case rendezvous(RendezvousStep)
  case maglev(MaglevStep)
  case bounded(BoundedStep)
}

/// The bookkeeping a scheme keeps to find keys: its size and what it counts.
public struct ShardMetadata: Hashable, Sendable {
  /// What `entries` counts.
  public enum Unit: Hashable, Sendable {
    case nodeList, ranges, blockRows, ringPoints, directoryRows, lookupTable
  }

  public var entries: Int
  public var unit: Unit

  public init(entries: Int, unit: Unit) {
    self.entries = entries
    self.unit = unit
  }
}

/// The cost of one lookup: its growth and the expected number of steps in this configuration.
public struct LookupCost: Hashable, Sendable {
  /// Big-O in the scheme's own size, e.g. `O(1)`, `O(log P)`, `O(N)`.
  public var complexity: String
  /// Expected elementary steps (probes, comparisons, hash evaluations) for the current size.
  public var steps: Double
  /// What a step is, e.g. `binary search over 1000 ring points`.
  public var detail: String

  public init(complexity: String, steps: Double, detail: String) {
    self.complexity = complexity
    self.steps = steps
    self.detail = detail
  }
}

/// Node-set checks and orders shared by the schemes.
enum NodeOrder {
  /// The label a node is hashed under (ring points, rendezvous weights, Maglev permutations):
  /// `n` followed by its number, e.g. `n3`.
  static func hashLabel(_ node: NodeID) -> String { "n\(node.number)" }

  /// `nodes` sorted, after checking that it is non-empty, has no duplicates and no node below 1.
  static func validated(_ nodes: [NodeID]) throws(ShardingError) -> [NodeID] {
    guard !nodes.isEmpty else { throw .noNodes }
    let sorted = nodes.sorted()
    for (i, node) in sorted.enumerated() {
      if node.number < 1 { throw .invalidNode(node) }
      if i > 0 && sorted[i - 1] == node { throw .duplicateNode(node) }
    }
    return sorted
  }

  /// Throws unless `node` may join `nodes`.
  static func checkAdd(_ node: NodeID, to nodes: [NodeID]) throws(ShardingError) {
    if node.number < 1 { throw .invalidNode(node) }
    if nodes.contains(node) { throw .duplicateNode(node) }
  }

  /// The position of `node` in `nodes`; throws when it is absent or the last one.
  static func checkRemove(_ node: NodeID, from nodes: [NodeID]) throws(ShardingError) -> Int {
    guard let i = nodes.firstIndex(of: node) else { throw .unknownNode(node) }
    if nodes.count == 1 { throw .lastNode(node) }
    return i
  }

  /// `nodes` with `node` inserted in ascending order.
  static func inserting(_ node: NodeID, into nodes: [NodeID]) -> [NodeID] {
    var result = nodes
    let i = result.firstIndex { $0 > node } ?? result.count
    result.insert(node, at: i)
    return result
  }

  /// Rendezvous weight of `key` on a node whose hash label hashed to `nodeHash`:
  /// `xxh64(key.hash as 8 little-endian bytes, seed: nodeHash)`.
  @inline(__always)
  static func weight(_ keyHash: UInt64, _ nodeHash: UInt64) -> UInt64 {
    XXHash64.hash(keyHash, seed: nodeHash)
  }

  /// All nodes by decreasing rendezvous weight for `key` (ties: lower node first).
  static func rendezvous(_ key: ShardKey, _ nodes: [NodeID], seed: UInt64 = 0) -> [NodeID] {
    nodes.map { (node: $0, weight: weight(key.hash, XXHash64.hash(hashLabel($0), seed: seed))) }
      .sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.node < $1.node }
      .map(\.node)
  }

  /// `owner` followed by `order` without it.
  static func ownerFirst(_ owner: NodeID?, then order: [NodeID]) -> [NodeID] {
    guard let owner else { return order }
    return [owner] + order.filter { $0 != owner }
  }

  /// Index of the smallest count (ties: the first, i.e. the lowest node).
  static func leastLoaded(_ counts: [Int]) -> Int {
    var best = 0
    for i in counts.indices where counts[i] < counts[best] { best = i }
    return best
  }
}
