import DistLab

/// What spawning many nodes into a fresh world costs: time and resident memory.
enum SpawnBench {
  struct Result {
    /// How long `spawn` took.
    var millis: Double
    /// Until every node had answered a query (all threads up and parked).
    var readyMillis: Double
    /// Resident memory gained (MB of 10^6 bytes), with every node's thread up.
    var rssGrowthMB: Double?
  }

  static func run(count: Int) throws(WorldError) -> Result {
    let before = ProcessMemory.residentBytes()
    var config = WorldConfig()
    config.maxNodes = count
    let world = World(config: config)
    let start = BenchClock.now()
    _ = try world.spawn(count: count)
    let spawned = BenchClock.now()
    for i in 1...count { _ = try world.summary(of: NodeID(i)) }
    let ready = BenchClock.now()
    let after = ProcessMemory.residentBytes()
    let growth = before.flatMap { b in after.map { Double($0 - b) / 1e6 } }
    return Result(millis: Double(spawned - start) / 1e6, readyMillis: Double(ready - start) / 1e6, rssGrowthMB: growth)
  }
}
