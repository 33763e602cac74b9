import DistLab

/// The publish-subscribe lab's client: it starts a broker and subscribers, subscribes them,
/// and publishes from the shell.
public final class PubSubClient {
  public let world: World
  let generation: Int
  public private(set) var broker: NodeID?
  public private(set) var subscribers: [NodeID] = []

  public static let brokerRole = Role(
    "pubsub", summary: "a publish-subscribe broker: topic logs, fan-out, durable offsets",
    services: {
      [PubSubBroker()]
    })
  public static let subscriberRole = Role(
    "subscriber", summary: "a subscriber that records what it receives", services: { [Subscriber()] })

  public required init(world: World) {
    self.world = world
    generation = world.generation
  }

  public var isStale: Bool { world.generation != generation }

  /// Spawns the broker `ps` and `count` subscribers `sub1`, `sub2`, ….
  public func start(subscribers count: Int) throws(WorldError) -> [NodeInfo] {
    let made = try world.spawn(groups: [
      (["ps"], "pubsub"), (count > 0 ? (1...count).map { "sub\($0)" } : [], "subscriber"),
    ])
    broker = made[0].id
    subscribers = made.dropFirst().map(\.id)
    return made
  }

  /// Sets how the broker treats slow subscribers.
  public func setFlow(_ flow: PubSubFlow) throws(WorldError) -> CallOutcome {
    guard let broker else { throw .callNotMade }
    return try world.call(
      to: broker, method: "pubsub.flow", args: [.int(Int64(flow.buffer)), .bool(flow.block)], options: CallOptions())
  }

  /// Subscribes `node` to `topic`; it asks the broker itself. With a `pace`, the subscriber
  /// takes that long over each message.
  public func subscribe(
    _ node: NodeID, topic: String, durable: Bool, group: String?, pace: Nanoseconds? = nil
  ) throws(WorldError) -> CallOutcome {
    guard let broker else { throw .callNotMade }
    var args: [Value] = [.int(Int64(broker.number)), .string(topic), .bool(durable), group.map(Value.string) ?? .null]
    if let pace { args.append(.int(pace.value)) }
    return try world.call(to: node, method: "sub.follow", args: args, options: CallOptions())
  }

  /// Publishes `count` messages one after another, each once the last was answered; each
  /// one's outcome and how long the publisher waited for it.
  public func publish(
    _ topic: String, messages: [Value], cancel: () -> Bool
  ) throws(WorldError) -> [(CallOutcome.Result, Nanoseconds)] {
    var results: [(CallOutcome.Result, Nanoseconds)] = []
    for m in messages {
      if cancel() { break }
      let before = world.now
      let outcome = try publish(topic, m)
      results.append((outcome.result, world.now - before))
    }
    return results
  }

  /// The broker's answer to `pubsub.stats`, nil when it is silent.
  public func stats() throws(WorldError) -> Value? {
    guard let broker else { throw .callNotMade }
    let outcome = try world.call(to: broker, method: "pubsub.stats", args: [], options: CallOptions())
    guard case .value(let v) = outcome.result else { return nil }
    return v.first
  }

  /// Publishes from the shell; the broker's offset, or the call's failure.
  public func publish(_ topic: String, _ message: Value) throws(WorldError) -> CallOutcome {
    guard let broker else { throw .callNotMade }
    return try world.call(
      to: broker, method: "pubsub.publish", args: [.string(topic), message], options: CallOptions())
  }
}
