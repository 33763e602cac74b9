import DistLab
import DistLabHadoop

/// The Hadoop lab in sim mode: how long, in wall time, writing a file takes through the
/// client's pipelines — 1 TB (8,192 blocks × 3 replicas) over 100 DataNodes on 10 racks in a
/// full run — with every heartbeat and every NameNode look of the virtual hours that takes.
enum HadoopBench {
  static func write(bytes: Int64) throws(WorldError) -> (seconds: Double, blocks: Int) {
    var config = WorldConfig()
    config.seed = 1
    config.traceLimit = 1000
    let world = World(config: config, roles: RoleCatalog(HDFSClient.roles))
    let client = HDFSClient(world: world)
    _ = try client.start(datanodes: 100, racks: 10) { _ in }
    let start = BenchClock.now()
    let result = try client.put("/big", size: bytes, replication: nil)
    let seconds = Double(BenchClock.now() - start) / 1e9
    guard case .success(let w) = result else { return (seconds, 0) }
    return (seconds, w.blocks.count)
  }
}
