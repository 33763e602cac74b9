import DistLab

/// HDFS's default block placement (`BlockPlacementPolicyDefault`): the first replica on the
/// writer's node if it is a DataNode, else on a random one; the second on a different rack;
/// the third on the second's rack, on another node; any more at random, with at most
/// (replicas − 1) / racks + 2 on one rack (and never all on one rack when there are two).
/// Replicas already placed count as the first ones, so re-replication follows the same rule.
/// The NameNode asks for every block written, so racks come as the NameNode's small numbers
/// for them (equal numbers, same rack) rather than names.
struct PlacementPolicy {
  /// Live DataNodes that may take a replica, with their racks' numbers.
  var candidates: [(node: NodeID, rack: Int)]
  /// The rack number of a node that holds a replica already.
  var rack: (NodeID) -> Int
  var random: () -> UInt64

  func choose(_ count: Int, writer: NodeID?, existing: [NodeID], total: Int) -> [NodeID] {
    let racks = candidates.map(\.rack)
    var chosen = existing
    var chosenRacks = existing.map(rack)
    var picked: [NodeID] = []
    // Rack numbers are small, so the racks in play are counted in a list of flags.
    let inPlay = racks + chosenRacks
    var seen = [Bool](repeating: false, count: (inPlay.max() ?? 0) + 1)
    var rackCount = 0
    for r in inPlay where !seen[r] {
      seen[r] = true
      rackCount += 1
    }
    // Hadoop 3's getMaxNodesPerRack: no cap on one rack; else (total − 1) / racks + 2, one
    // less if that would allow every replica on one rack.
    var perRack = total
    if rackCount > 1 && total > 1 {
      perRack = (total - 1) / rackCount + 2
      if perRack == total { perRack -= 1 }
    }
    func free(_ i: Int) -> Bool {
      let r = racks[i]
      var onRack = 0
      for c in chosenRacks where c == r { onRack += 1 }
      return onRack < perRack && !chosen.contains(candidates[i].node)
    }
    /// A random free candidate among those `allowed`, drawn as from the list of them in order.
    func pick(_ allowed: (Int) -> Bool) -> Int? {
      var options = 0
      for i in candidates.indices where allowed(i) && free(i) { options += 1 }
      guard options > 0 else { return nil }
      var k = Int(random() % UInt64(options))
      for i in candidates.indices where allowed(i) && free(i) {
        if k == 0 { return i }
        k -= 1
      }
      return nil
    }
    let any: (Int) -> Bool = { _ in true }
    for _ in 0..<count {
      var next: Int?
      switch chosen.count {
      case 0:
        if let w = writer, let i = candidates.firstIndex(where: { $0.node == w }), free(i) {
          next = i
        } else {
          next = pick(any)
        }
      case 1:
        let first = chosenRacks[0]
        next = pick { racks[$0] != first } ?? pick(any)
      case 2:
        let (first, second) = (chosenRacks[0], chosenRacks[1])
        if first == second {
          next = pick { racks[$0] != first } ?? pick(any)
        } else {
          next = pick { racks[$0] == second } ?? pick(any)
        }
      default: next = pick(any)
      }
      guard let i = next else { break }
      chosen.append(candidates[i].node)
      chosenRacks.append(racks[i])
      picked.append(candidates[i].node)
    }
    return picked
  }
}
