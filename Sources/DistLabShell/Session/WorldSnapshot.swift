import DistLab

extension WorldView {
  /// The view of `world` as it stands now.
  public init(_ world: World) {
    var names: [NodeID: String] = [:]
    var statuses: [NodeID: NodeStatus] = [:]
    for n in world.allNodes {
      names[n.id] = n.name
      statuses[n.id] = n.status
    }
    self.init(names: names, statuses: statuses, mode: world.mode)
  }
}
