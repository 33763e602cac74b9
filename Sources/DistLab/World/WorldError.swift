/// Why the world refused an operation (which then changed nothing). A value with the facts;
/// the shell's message catalogue words it, so the world writes no prose and no shell syntax.
public enum WorldError: Error, Equatable, Sendable {
  /// What a probability was for.
  public enum Probability: Sendable, Equatable { case loss, duplication, chance }

  // Nodes
  case noNode(NodeID)
  case capOutOfRange(ClosedRange<Int>)
  case capBelowExisting(nodes: Int)
  case spawnNothing
  case overCap(spawning: Int, total: Int, cap: Int)
  case badNodeName(String)
  case nameTaken(String)
  case unknownRole(String, known: [String])
  case unknownRegion(String, known: [String])
  case threadRefused(node: Int, spawned: Int, of: Int)
  /// The process engine could not start or reach node `name`'s process.
  case processRefused(name: String, reason: String)
  /// `connect` outside process mode.
  case connectNeedsProcessMode
  /// Process mode needs an engine this world was not given (a world made without the shell).
  case noProcessEngine
  case alreadyDown(name: String)
  case cannotPause(name: String, status: NodeStatus)
  case notPaused(name: String, status: NodeStatus)
  /// A down or paused node was asked to send.
  case silentSender(name: String, status: NodeStatus)
  case traceLimitOutOfRange(ClosedRange<Int>)

  // The network
  case latencyOutOfRange
  case spreadOutOfRange
  case badProbability(Probability)
  case linkToItself
  case partitionTooFewGroups
  case partitionEmptyGroup
  case inTwoGroups(name: String)
  case badRegionName(String)
  case badCoordinates
  case distanceToItself
  case distanceOutOfRange

  // Messages, calls and time
  case nothingToSend
  case callNotMade
  case timeoutNotPositive
  case retriesOutOfRange(ClosedRange<Int>)
  case badMethodName
  case tooManyArguments(limit: Int)
  case timeBackwards
  /// The world's clock would have to pass its horizon (`Nanoseconds.horizon`).
  case pastHorizon
}
