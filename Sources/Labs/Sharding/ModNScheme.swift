import DistLab

/// Hash distribution, the primer's first scheme: node number `hash(key) mod N` in the sorted node
/// list. No bookkeeping at all, but changing N re-deals almost every key (N/(N+1) of them when a
/// node joins).
public struct ModNScheme: ShardingScheme {
  public var shape: SchemeShape { .modn(self) }

  public private(set) var nodes: [NodeID]

  public init(nodes: [NodeID]) throws(ShardingError) {
    self.nodes = try NodeOrder.validated(nodes)
  }

  public var kind: SchemeKind { .modN }
  public var label: String { "modn" }

  @inline(__always)
  func index(_ hash: UInt64) -> Int { Int(hash % UInt64(nodes.count)) }

  public func owner(of key: ShardKey) -> NodeID? { nodes[index(key.hash)] }

  public mutating func place(_ key: ShardKey) -> NodeID { nodes[index(key.hash)] }

  public mutating func place(_ keys: [ShardKey]) -> [NodeID] {
    let n = UInt64(nodes.count)
    return nodes.withUnsafeBufferPointer { list in keys.map { list[Int($0.hash % n)] } }
  }

  public mutating func addNode(_ node: NodeID) throws(ShardingError) {
    try NodeOrder.checkAdd(node, to: nodes)
    nodes = NodeOrder.inserting(node, into: nodes)
  }

  public mutating func removeNode(_ node: NodeID) throws(ShardingError) {
    let i = try NodeOrder.checkRemove(node, from: nodes)
    nodes.remove(at: i)
  }

  public func explain(_ key: ShardKey) -> ShardExplanation {
    let i = index(key.hash)
    return ShardExplanation(
      key: key, owner: nodes[i], step: .modN(ModNStep(hash: key.hash, nodeCount: nodes.count, index: i)))
  }

  /// The owner, then the nodes after it in the list (wrapping): chained copies.
  public func preferenceList(for key: ShardKey, limit: Int) -> [NodeID] {
    let i = index(key.hash)
    return (0..<min(limit, nodes.count)).map { nodes[(i + $0) % nodes.count] }
  }

  public var metadata: ShardMetadata { ShardMetadata(entries: nodes.count, unit: .nodeList) }

  public var lookupCost: LookupCost {
    LookupCost(complexity: "O(1)", steps: 1, detail: "one modulo of the hash")
  }
}

/// `hash mod nodeCount = index`: position `index` (0-based) in the sorted node list.
public struct ModNStep: Hashable, Sendable {
  public var hash: UInt64
  public var nodeCount: Int
  public var index: Int

  public init(hash: UInt64, nodeCount: Int, index: Int) {
    self.hash = hash
    self.nodeCount = nodeCount
    self.index = index
  }
}
