import DistLab

/// What a renderer may know of the world besides the result it renders: each node's name
/// and status, and the mode. A value taken after the command ran; renderers never hold the
/// live world. The statuses are the world's truth, which only the shell's views may show.
public struct WorldView: Sendable {
  public var names: [NodeID: String]
  public var statuses: [NodeID: NodeStatus]
  public var mode: WorldMode

  public init(names: [NodeID: String], statuses: [NodeID: NodeStatus], mode: WorldMode) {
    self.names = names
    self.statuses = statuses
    self.mode = mode
  }

  /// A node's name, `cli` for the shell, `#N` for an address the world never had.
  public func name(_ id: NodeID) -> String { id.isClient ? "cli" : (names[id] ?? id.description) }
}
