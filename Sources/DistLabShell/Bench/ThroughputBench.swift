import DistLab

/// Messages delivered per second by a world of hot-potato nodes, in sim and in live mode.
enum ThroughputBench {
  static let nodes = 100
  static let potatoesPerNode = 10

  struct Result {
    var delivered: Int
    var seconds: Double
    var messagesPerSecond: Double { seconds > 0 ? Double(delivered) / seconds : 0 }
  }

  /// Sim mode: latency 1ms ± 0.5ms, so each look-ahead window holds about half a millisecond of
  /// traffic; `advance` runs in slices of virtual time until `seconds` of wall time have passed.
  /// With `singleThreaded`, the same workload on the reference engine (no node threads).
  static func sim(seconds: Double, singleThreaded: Bool = false) throws(WorldError) -> Result {
    var config = WorldConfig()
    config.seed = 1
    config.maxNodes = nodes
    config.singleThreaded = singleThreaded
    let count = nodes
    let world = World(config: config) { HotPotato(nodeCount: count) }
    _ = try world.spawn(count: nodes)
    try world.setLatency(.uniform(mean: .milliseconds(1), spread: .microseconds(500)))
    try HotPotato.seed(world, count: nodes, perNode: potatoesPerNode)
    _ = try world.advance(by: .milliseconds(20))
    let before = world.trace.stats.delivered
    let start = BenchClock.now()
    var elapsed = 0.0
    repeat {
      _ = try world.advance(by: .milliseconds(10))
      elapsed = BenchClock.seconds(since: start)
    } while elapsed < seconds
    return Result(delivered: world.trace.stats.delivered - before, seconds: elapsed)
  }

  /// Live mode: zero latency, no per-event trace; nodes count what they receive until told
  /// to stop.
  static func live(seconds: Double) throws(WorldError) -> Result {
    var config = WorldConfig()
    config.seed = 1
    config.mode = .live
    config.maxNodes = nodes
    let count = nodes
    let stop = StopFlag()
    let world = World(config: config) { HotPotato(nodeCount: count, stop: stop) }
    defer { stop.set() }
    _ = try world.spawn(count: nodes)
    try world.setLatency(.fixed(.zero))
    world.setLiveEventTracing(false)
    let start = BenchClock.now()
    try HotPotato.seed(world, count: nodes, perNode: potatoesPerNode)
    BenchClock.sleep(seconds: seconds)
    stop.set()
    let elapsed = BenchClock.seconds(since: start)
    var delivered = 0
    for i in 1...nodes {
      delivered += Int(try world.metric("received", of: NodeID(i)) ?? 0)
    }
    return Result(delivered: delivered, seconds: elapsed)
  }
}
