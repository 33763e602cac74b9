import DistLab

/// The replication lab's client. For now it checks histories and remembers the last verdict,
/// which `expect history.linearizable` reads.
public final class ReplicationClient {
  public let world: World
  let generation: Int
  public private(set) var lastVerdict: LinearizabilityVerdict?

  public required init(world: World) {
    self.world = world
    generation = world.generation
  }

  public var isStale: Bool { world.generation != generation }

  /// Checks a history against `model`.
  public func check(_ history: History, model: LinearizabilityModel, cancel: () -> Bool) -> LinearizabilityVerdict {
    let verdict = LinearizabilityChecker.check(history, model: model, cancel: cancel)
    if !verdict.interrupted { lastVerdict = verdict }
    return verdict
  }

  /// Parses a Jepsen-format history and checks it against `model`.
  public func check(_ text: String, model: LinearizabilityModel, cancel: () -> Bool) throws(JepsenHistory.Problem)
    -> (verdict: LinearizabilityVerdict, history: History)
  {
    let history = try JepsenHistory.parse(text, model: model)
    let verdict = LinearizabilityChecker.check(history, model: model, cancel: cancel)
    if !verdict.interrupted { lastVerdict = verdict }
    return (verdict, history)
  }
}
