import DistLab
import DistLabReplication

/// The quorum store in live mode, three nodes with N=3, W=2, R=2: how many client operations a
/// second it completes with `clients` calls in flight at a time (in rounds: a round's calls go
/// out at once, and the next round when all are answered) — half writes, half reads, over
/// 1,000 keys, sent to the three nodes in turn as coordinators. Rounds keep each node's queue
/// well inside the coordinator's 200 ms replica timeout, as a real store's clients must.
enum QuorumBench {
  static func throughput(operations: Int, clients: Int = 512) throws(WorldError) -> (
    opsPerSecond: Double, failures: Int
  ) {
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
    var failures = 0
    for round in stride(from: 0, to: requests.count, by: clients) {
      let batch = Array(requests[round..<min(requests.count, round + clients)])
      let outcomes = try world.callAll(batch, options: CallOptions(timeout: .seconds(10)))
      failures += outcomes.filter { if case .value = $0.result { false } else { true } }.count
    }
    let seconds = BenchClock.seconds(since: start)
    return (Double(operations - failures) / seconds, failures)
  }
}
