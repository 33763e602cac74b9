import DistLab

/// Rendezvous hashing, or highest random weight (Thaler & Ravishankar, 1996): every node scores
/// the key and the highest score wins. Weight of key k on node n is
/// `xxh64(k.hash as 8 little-endian bytes, seed: xxh64("n<number>", seed: seed))`.
/// Only the keys of a leaving node move, and a joining node takes 1/(N+1) of the keys, but each
/// lookup scores all N nodes.
public struct RendezvousScheme: ShardingScheme {
  public var shape: SchemeShape { .rendezvous(self) }

  public private(set) var nodes: [NodeID]
  public let seed: UInt64
  private var nodeHashes: [UInt64]

  public init(nodes: [NodeID], seed: UInt64 = 0) throws(ShardingError) {
    self.nodes = try NodeOrder.validated(nodes)
    self.seed = seed
    nodeHashes = []
    rehash()
  }

  private mutating func rehash() {
    nodeHashes = nodes.map { XXHash64.hash(NodeOrder.hashLabel($0), seed: seed) }
  }

  public var kind: SchemeKind { .rendezvous }
  public var label: String { "rendezvous seed=\(seed)" }

  @inline(__always)
  private func winner(_ hash: UInt64) -> Int {
    nodeHashes.withUnsafeBufferPointer { seeds in
      var best = 0
      var bestWeight = NodeOrder.weight(hash, seeds[0])
      var i = 1
      while i < seeds.count {
        let w = NodeOrder.weight(hash, seeds[i])
        if w > bestWeight {
          best = i
          bestWeight = w
        }
        i += 1
      }
      return best
    }
  }

  public func owner(of key: ShardKey) -> NodeID? { nodes[winner(key.hash)] }

  public mutating func place(_ key: ShardKey) -> NodeID { nodes[winner(key.hash)] }

  public mutating func addNode(_ node: NodeID) throws(ShardingError) {
    try NodeOrder.checkAdd(node, to: nodes)
    nodes = NodeOrder.inserting(node, into: nodes)
    rehash()
  }

  public mutating func removeNode(_ node: NodeID) throws(ShardingError) {
    let i = try NodeOrder.checkRemove(node, from: nodes)
    nodes.remove(at: i)
    nodeHashes.remove(at: i)
  }

  private func weights(_ key: ShardKey) -> [NodeWeight] {
    nodes.indices.map { NodeWeight(node: nodes[$0], weight: NodeOrder.weight(key.hash, nodeHashes[$0])) }
      .sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.node < $1.node }
  }

  public func explain(_ key: ShardKey) -> ShardExplanation {
    let w = weights(key)
    return ShardExplanation(
      key: key, owner: w.first?.node, step: .rendezvous(RendezvousStep(hash: key.hash, weights: w)))
  }

  /// Nodes by decreasing weight: the classic rendezvous replica list.
  public func preferenceList(for key: ShardKey, limit: Int) -> [NodeID] { weights(key).prefix(limit).map(\.node) }

  public var metadata: ShardMetadata { ShardMetadata(entries: nodes.count, unit: .nodeList) }

  public var lookupCost: LookupCost {
    LookupCost(complexity: "O(N)", steps: Double(nodes.count), detail: "one weight per node, \(nodes.count) nodes")
  }
}

/// One node's rendezvous score for a key.
public struct NodeWeight: Hashable, Sendable {
  public var node: NodeID
  public var weight: UInt64

  public init(node: NodeID, weight: UInt64) {
    self.node = node
    self.weight = weight
  }
}

/// Every node's weight for the key, highest (the owner) first.
public struct RendezvousStep: Hashable, Sendable {
  public var hash: UInt64
  public var weights: [NodeWeight]

  public init(hash: UInt64, weights: [NodeWeight]) {
    self.hash = hash
    self.weights = weights
  }
}
