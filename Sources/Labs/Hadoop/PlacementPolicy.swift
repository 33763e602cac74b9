import DistLab

/// HDFS's default block placement (`BlockPlacementPolicyDefault`): the first replica on the
/// writer's node if it is a DataNode, else on a random one; the second on a different rack;
/// the third on the second's rack, on another node; any more at random, with at most
/// (replicas − 1) / racks + 2 on one rack (and never all on one rack when there are two). Replicas already placed count as the first ones, so
/// re-replication follows the same rule.
struct PlacementPolicy {
  /// Live DataNodes that may take a replica, and their racks.
  var candidates: [NodeID]
  var rack: (NodeID) -> String
  var random: () -> UInt64

  func choose(_ count: Int, writer: NodeID?, existing: [NodeID], total: Int) -> [NodeID] {
    var chosen = existing
    var picked: [NodeID] = []
    let racks = Set(candidates.map(rack)).union(existing.map(rack))
    // Hadoop 3's getMaxNodesPerRack: no cap on one rack; else (total − 1) / racks + 2, one
    // less if that would allow every replica on one rack.
    var perRack = total
    if racks.count > 1 && total > 1 {
      perRack = (total - 1) / racks.count + 2
      if perRack == total { perRack -= 1 }
    }
    func free(_ n: NodeID) -> Bool {
      !chosen.contains(n) && chosen.filter { rack($0) == rack(n) }.count < perRack
    }
    func pick(_ pool: [NodeID]) -> NodeID? {
      let options = pool.filter(free)
      guard !options.isEmpty else { return nil }
      return options[Int(random() % UInt64(options.count))]
    }
    for _ in 0..<count {
      var next: NodeID?
      switch chosen.count {
      case 0:
        if let w = writer, candidates.contains(w), free(w) { next = w } else { next = pick(candidates) }
      case 1: next = pick(candidates.filter { rack($0) != rack(chosen[0]) }) ?? pick(candidates)
      case 2:
        if rack(chosen[0]) == rack(chosen[1]) {
          next = pick(candidates.filter { rack($0) != rack(chosen[0]) }) ?? pick(candidates)
        } else {
          next = pick(candidates.filter { rack($0) == rack(chosen[1]) }) ?? pick(candidates)
        }
      default: next = pick(candidates)
      }
      guard let n = next else { break }
      chosen.append(n)
      picked.append(n)
    }
    return picked
  }
}
