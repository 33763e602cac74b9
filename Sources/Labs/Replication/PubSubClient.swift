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
    var made = try world.spawn(count: 1, names: ["ps"], roles: ["pubsub"])
    broker = made[0].id
    if count > 0 {
      let subs = try world.spawn(count: count, names: (1...count).map { "sub\($0)" }, roles: ["subscriber"])
      subscribers = subs.map(\.id)
      made += subs
    }
    return made
  }

  /// Subscribes `node` to `topic`; it asks the broker itself.
  public func subscribe(_ node: NodeID, topic: String, durable: Bool, group: String?) throws(WorldError) -> CallOutcome
  {
    guard let broker else { throw .callNotMade }
    return try world.call(
      to: node, method: "sub.follow",
      args: [.int(Int64(broker.number)), .string(topic), .bool(durable), group.map(Value.string) ?? .null],
      options: CallOptions())
  }

  /// Publishes from the shell; the broker's offset, or the call's failure.
  public func publish(_ topic: String, _ message: Value) throws(WorldError) -> CallOutcome {
    guard let broker else { throw .callNotMade }
    return try world.call(
      to: broker, method: "pubsub.publish", args: [.string(topic), message], options: CallOptions())
  }
}
