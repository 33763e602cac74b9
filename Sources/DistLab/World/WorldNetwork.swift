/// Changing the network: latency, loss, duplication, partitions, cuts and regions.
extension World {
  func setNetwork(_ change: (inout NetworkConfig) -> Void) {
    change(&network)
    engine.networkChanged(network)
  }

  /// Sets latency everywhere, or on one link (both directions) when `link` is given.
  public func setLatency(_ model: LatencyModel, link: Link? = nil) throws(WorldError) {
    guard model.mean >= .zero, model.mean <= .seconds(3600) else {
      throw .latencyOutOfRange
    }
    switch model {
    case .uniform(_, let s), .normal(_, let s):
      guard s >= .zero, s <= .seconds(3600) else { throw .spreadOutOfRange }
    default: break
    }
    if let link { try checkLink(link) }
    setNetwork { n in
      if let link { n.linkLatency[link] = model } else { n.latency = model }
    }
  }

  public func setLoss(_ p: Double, link: Link? = nil) throws(WorldError) {
    guard p >= 0, p <= 1 else { throw .badProbability(.loss) }
    if let link { try checkLink(link) }
    setNetwork { n in
      if let link { n.linkLoss[link] = p } else { n.loss = p }
    }
  }

  public func setDuplication(_ p: Double) throws(WorldError) {
    guard p >= 0, p <= 1 else { throw .badProbability(.duplication) }
    setNetwork { $0.duplication = p }
  }

  func checkLink(_ link: Link) throws(WorldError) {
    try requireNode(link.a.isClient ? link.b : link.a)
    try requireNode(link.b)
    guard link.a != link.b else { throw .linkToItself }
  }

  /// Splits the named nodes into groups that cannot reach one another.
  public func partition(_ groups: [[NodeID]]) throws(WorldError) {
    guard groups.count >= 2 else { throw .partitionTooFewGroups }
    var seen = Set<NodeID>()
    for g in groups {
      guard !g.isEmpty else { throw .partitionEmptyGroup }
      for id in g {
        if !id.isClient { try requireNode(id) }
        guard seen.insert(id).inserted else { throw .inTwoGroups(name: name(of: id)) }
      }
    }
    setNetwork { $0.partitions.append(groups.map { Set($0) }) }
  }

  /// Cuts the one-way link from `from` to `to`.
  public func cut(from: NodeID, to: NodeID) throws(WorldError) {
    try checkLink(Link(from, to))
    setNetwork { _ = $0.cuts.insert(DirectedLink(from: from, to: to)) }
  }

  /// Removes every partition and cut. Returns how many there were.
  @discardableResult
  public func heal() -> Int {
    let n = network.partitions.count + network.cuts.count
    setNetwork {
      $0.partitions = []
      $0.cuts = []
    }
    return n
  }

  /// Returns the network to its defaults, keeping regions and where nodes are placed.
  public func resetNetwork() {
    setNetwork { n in
      var fresh = NetworkConfig()
      fresh.regions = n.regions
      fresh.distances = n.distances
      fresh.placement = n.placement
      n = fresh
    }
  }

  /// Defines (or moves) a region at a latitude and longitude.
  public func defineRegion(_ name: String, latitude: Double, longitude: Double) throws(WorldError) {
    guard World.isValidName(name) else { throw .badRegionName(name) }
    guard (-90...90).contains(latitude), (-180...180).contains(longitude) else {
      throw .badCoordinates
    }
    setNetwork { $0.regions[name] = Region(name: name, latitude: latitude, longitude: longitude) }
  }

  /// Fixes the distance between two regions, overriding their coordinates.
  public func setDistance(_ a: String, _ b: String, km: Double) throws(WorldError) {
    for r in [a, b] where network.regions[r] == nil { throw .unknownRegion(r, known: []) }
    guard a != b else { throw .distanceToItself }
    guard km >= 0, km <= 40_075 else { throw .distanceOutOfRange }
    setNetwork { $0.distances[[a, b]] = km }
  }

  /// Places nodes in a region.
  public func place(_ ids: [NodeID], in region: String) throws(WorldError) {
    guard network.regions[region] != nil else {
      throw .unknownRegion(region, known: network.regions.keys.sorted())
    }
    for id in ids { try requireNode(id) }
    for id in ids { table[id]?.info.region = region }
    setNetwork { n in for id in ids { n.placement[id] = region } }
  }
}
