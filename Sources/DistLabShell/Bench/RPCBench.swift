import DistLab
import DistLabNet

/// Round trips of calls from the shell's endpoint to one node, each timed on the wall clock
/// around `World.call`: in live mode (a node thread of this process) or in process mode (a
/// `distlab node` child, over loopback TCP, its events streamed to the shell as they happen).
enum RPCBench {
  struct Result {
    var p50Micros: Double
    var p99Micros: Double
    var calls: Int
    var failures: Int
  }

  static func run(calls: Int, mode: WorldMode = .live) throws(WorldError) -> Result {
    var config = WorldConfig()
    config.seed = 1
    config.processEngine = ProcessMode.maker()
    config.mode = mode
    let world = World(config: config)
    defer { world.reset() }
    _ = try world.spawn(count: 1)
    try world.setLatency(.fixed(.zero))
    // Live mode's figure is the engine's own; process mode's keeps the trace streaming, as a
    // student's shell does.
    if mode == .live { world.setLiveEventTracing(false) }
    let server = NodeID(1)
    var failures = 0
    func call(_ i: Int) throws(WorldError) -> Int64 {
      let start = BenchClock.now()
      let out = try world.call(to: server, method: "add", args: [.int(Int64(i)), .int(1)])
      let took = BenchClock.now() - start
      if out.result != .value([.int(Int64(i) + 1)]) { failures += 1 }
      return took
    }
    for i in 0..<min(500, calls) { _ = try call(i) }
    failures = 0
    var samples: [Int64] = []
    samples.reserveCapacity(calls)
    for i in 0..<calls { samples.append(try call(i)) }
    let (p50, p99) = LatencyPercentiles.of(samples)
    return Result(p50Micros: p50, p99Micros: p99, calls: calls, failures: failures)
  }
}
