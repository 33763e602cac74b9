import DistLab

/// The naive agreement lab's client: it starts voters `v1`…, sets them voting, and reads their
/// decisions — their answers, and the truth from the trace.
public final class VoteClient {
  public let world: World
  let generation: Int
  public private(set) var voters: [NodeID] = []

  public static let role = Role(
    "voter", summary: "the naive agreement protocol: decide the smallest value, with every vote or a timeout",
    services: { [VoteService()] })

  public required init(world: World) {
    self.world = world
    generation = world.generation
  }

  public var isStale: Bool { world.generation != generation }

  /// Spawns a voter for each value and tells each the others and its timeout (nil: none).
  public func start(values: [Value], timeout: Nanoseconds?) throws(WorldError) -> [NodeInfo] {
    let made = try world.spawn(count: values.count, names: (1...values.count).map { "v\($0)" }, roles: ["voter"])
    voters = made.map(\.id)
    let list = Value.list(voters.map { .int(Int64($0.number)) })
    _ = try world.callAll(
      zip(voters, values).map {
        CallRequest(to: $0, method: "vote.setup", args: [list, $1, .int(timeout?.value ?? 0)])
      }, options: CallOptions())
    return made
  }

  /// Has every voter that answers send its value.
  public func begin() throws(WorldError) {
    _ = try world.callAll(voters.map { CallRequest(to: $0, method: "vote.begin", args: []) }, options: CallOptions())
  }

  /// The decisions in the trace: each voter's, in order. Agreement holds when they are equal.
  public var decisions: [(voter: NodeID, value: Value, known: Int)] {
    world.trace.ordered.compactMap { e in
      guard case .event("vote.decided", let v) = e.detail, v.count == 2 else { return nil }
      return (e.node, v[0], Int(v[1].intValue ?? 0))
    }
  }
}

/// What one node saw: every message delivered to it, in order, with its time.
public struct ObservedMessage: Sendable, Equatable {
  public var time: Nanoseconds
  public var from: NodeID
  public var method: String
  public var args: [Value]
}

/// Two worlds that one voter cannot tell apart: in one a voter is killed before the vote, in
/// the other it is alive but every message it sends takes longer than the watch. The watching
/// voter's messages are the same, in the same order, at the same times; the worlds are not.
public struct VoteTwins: Sendable {
  public var killed: [ObservedMessage]
  public var slow: [ObservedMessage]
  /// Messages from the slow voter still travelling when the watch ended.
  public var inFlight: Int
  public var watch: Nanoseconds
  public var identical: Bool { killed == slow }

  /// Three voters with values 3, 2, 1 and no timeout; `v3` is the one killed, or slowed.
  public static func run(seed: UInt64, roles: RoleCatalog, watch: Nanoseconds) throws(WorldError) -> VoteTwins {
    func world(slow: Bool) throws(WorldError) -> (World, VoteClient) {
      var config = WorldConfig()
      config.seed = seed
      let world = World(config: config, roles: roles)
      let client = VoteClient(world: world)
      _ = try client.start(values: [.int(3), .int(2), .int(1)], timeout: nil)
      let v3 = client.voters[2]
      if slow {
        for other in client.voters.dropLast() {
          try world.setLatency(.fixed(watch + .seconds(1)), link: Link(v3, other))
        }
      } else {
        _ = try world.kill([v3])
      }
      try client.begin()
      _ = try world.advance(by: watch)
      return (world, client)
    }
    let (a, ca) = try world(slow: false)
    let (b, cb) = try world(slow: true)
    let watcher = ca.voters[0]
    let v3 = cb.voters[2]
    let sent = b.trace.ordered.filter { $0.kind == .send && $0.node == v3 && $0.peer?.isClient == false }.count
    let arrived = b.trace.ordered.filter {
      ($0.kind == .deliver || $0.kind == .drop) && $0.peer == v3 && !$0.node.isClient
    }.count
    let inFlight = sent - arrived
    return VoteTwins(
      killed: observed(a, at: watcher), slow: observed(b, at: watcher), inFlight: max(0, inFlight), watch: watch)
  }

  /// The messages (not replies to the shell) delivered to `node`, decoded.
  static func observed(_ world: World, at node: NodeID) -> [ObservedMessage] {
    world.trace.ordered.compactMap { e in
      guard e.kind == .deliver, e.node == node, let from = e.peer, !from.isClient, let bytes = e.bytes,
        let frame = try? FrameCodec.decode(bytes)
      else { return nil }
      return ObservedMessage(time: e.time, from: from, method: frame.method, args: frame.args)
    }
  }
}
