import DistLab
import DistLabReplication

/// The quorum store in live mode, three nodes with N=3, W=2, R=2: how many client operations a
/// second it completes when many clients call at once — half writes, half reads, over 1,000
/// keys, each sent to the three nodes in turn as coordinators.
enum QuorumBench {
  static func throughput(operations: Int) throws(WorldError) -> (opsPerSecond: Double, failures: Int) {
    var config = WorldConfig()
    config.seed = 1
    config.mode = .live
    let world = World(config: config, roles: .builtIn)
    try world.setLatency(.fixed(.zero))
    world.setLiveEventTracing(false)
    let store = StoreClient(world: world)
    _ = try store.startQuorum(
      nodes: 3,
      settings: QuorumSettings(
        me: .client, members: [], n: 3, w: 2, r: 2, sloppy: false, resolution: .lww, antiEntropy: nil))
    let nodes = store.nodes
    let requests = (0..<operations).map { i in
      let key = Value.string("k\(i % 1000)")
      return i % 2 == 0
        ? CallRequest(to: nodes[i % 3], method: "store.qput", args: [key, .int(Int64(i)), .map([])])
        : CallRequest(to: nodes[i % 3], method: "store.qget", args: [key])
    }
    let start = BenchClock.now()
    let outcomes = try world.callAll(requests, options: CallOptions(timeout: .seconds(60)))
    let seconds = BenchClock.seconds(since: start)
    let failures = outcomes.filter { if case .value = $0.result { false } else { true } }.count
    return (Double(operations - failures) / seconds, failures)
  }
}
