import DistLab
import DistLabService

/// The service lab's load generator in live mode against 10 servers: how many requests a
/// second it sends and sees answered, asked for at `rate` a second.
enum ServiceBench {
  static func run(rate: Double, seconds: Double) throws(WorldError) -> (perSecond: Double, availability: Double) {
    var config = WorldConfig()
    config.seed = 1
    config.mode = .live
    let world = World(config: config, roles: RoleCatalog(ServiceClient.roles))
    try world.setLatency(.fixed(.zero))
    world.setLiveEventTracing(false)
    let client = ServiceClient(world: world)
    _ = try client.start(servers: 10, meanService: .microseconds(1), gateway: false)
    let report = try client.load(
      streams: [LoadStream(rate: rate)], duration: .seconds(seconds), poisson: false, balancer: .roundRobin,
      deadline: .seconds(1),
      cancel: { false }
    ).overall
    return (Double(report.ok) / seconds, report.availability)
  }
}
