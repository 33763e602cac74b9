import DistLab

/// Replicas, the primer's sixth scheme: `factor` copies of every key on distinct nodes, over any
/// other scheme. The base scheme picks the owner (the first copy); the others follow its
/// preference list (ring successors, rendezvous runners-up, the next nodes for mod-N…).
///
/// With zones, copies avoid sharing a zone while unused zones remain: a node whose zone already
/// holds a copy is passed over, and only taken on a second pass when there are fewer zones than
/// copies. Nodes without a zone count as zones of their own.
public struct ReplicatedScheme: ShardingScheme {
  public var shape: SchemeShape { .replicated(self) }

  public private(set) var base: any ShardingScheme
  public let factor: Int
  /// Zone of each node that has one.
  public private(set) var zones: [NodeID: String]

  public init(base: any ShardingScheme, factor: Int, zones: [NodeID: String] = [:]) throws(ShardingError) {
    guard factor >= 1 else { throw .invalidReplicationFactor(factor) }
    guard factor <= base.nodes.count else {
      throw .replicationFactorAboveNodeCount(factor: factor, nodes: base.nodes.count)
    }
    self.base = base
    self.factor = factor
    self.zones = zones
  }

  public var kind: SchemeKind { base.kind }
  public var label: String { base.label + " replicas=\(factor)" + (zones.isEmpty ? "" : " zone-aware") }
  public var nodes: [NodeID] { base.nodes }

  public func owner(of key: ShardKey) -> NodeID? { base.owner(of: key) }

  public mutating func place(_ key: ShardKey) -> NodeID { base.place(key) }

  /// Places the key through the base scheme and returns all its copies, owner first.
  public mutating func placeReplicas(_ key: ShardKey) -> [NodeID] {
    let owner = base.place(key)
    return choose(owner: owner, from: preference(key))
  }

  /// The nodes holding the key's copies, owner first; empty when the base has no owner for it.
  public func replicas(of key: ShardKey) -> [NodeID] {
    guard let owner = base.owner(of: key) else { return [] }
    return choose(owner: owner, from: preference(key))
  }

  /// As much of the base's preference list as choosing needs: the first few nodes, or all of
  /// them when zones may make the walk skip nodes.
  private func preference(_ key: ShardKey) -> [NodeID] {
    base.preferenceList(for: key, limit: zones.isEmpty ? factor + 1 : Int.max)
  }

  private func choose(owner: NodeID, from preference: [NodeID]) -> [NodeID] {
    var chosen = [owner]
    var usedZones: Set<String> = []
    if let zone = zones[owner] { usedZones.insert(zone) }
    for node in preference where chosen.count < factor && !chosen.contains(node) {
      if let zone = zones[node] {
        if usedZones.contains(zone) { continue }
        usedZones.insert(zone)
      }
      chosen.append(node)
    }
    for node in preference where chosen.count < factor && !chosen.contains(node) {
      chosen.append(node)
    }
    return chosen
  }

  public mutating func addNode(_ node: NodeID) throws(ShardingError) {
    try base.addNode(node)
  }

  /// Adds a node in `zone`.
  public mutating func addNode(_ node: NodeID, zone: String?) throws(ShardingError) {
    try base.addNode(node)
    zones[node] = zone
  }

  /// Refused when fewer nodes than copies would remain.
  public mutating func removeNode(_ node: NodeID) throws(ShardingError) {
    if base.nodes.contains(node) && base.nodes.count > 1 && base.nodes.count - 1 < factor {
      throw .replicationFactorAboveNodeCount(factor: factor, nodes: base.nodes.count - 1)
    }
    try base.removeNode(node)
    zones[node] = nil
  }

  public func explain(_ key: ShardKey) -> ShardExplanation {
    var explanation = base.explain(key)
    explanation.replicas = replicas(of: key)
    explanation.replicaZones = explanation.replicas.map { zones[$0] }
    return explanation
  }

  public func preferenceList(for key: ShardKey, limit: Int) -> [NodeID] {
    base.preferenceList(for: key, limit: limit)
  }

  public var metadata: ShardMetadata { base.metadata }

  public var lookupCost: LookupCost {
    var cost = base.lookupCost
    cost.detail += ", then \(factor - 1) more \(factor - 1 == 1 ? "replica" : "replicas") from the preference list"
    return cost
  }
}
