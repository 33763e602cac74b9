import DistLab
import DistLabService
import XCTest

/// The service lab agrees with queueing theory where theory exists: one server with
/// exponential service times under Poisson arrivals is an M/M/1 queue, whose mean time in the
/// system is 1/(μ − λ).
final class QueueingTests: XCTestCase {
  func testASingleServerMatchesMM1AtHalfAndNineTenthsUtilisation() throws {
    let mu = 100.0
    for lambda in [50.0, 90.0] {
      var config = WorldConfig()
      config.seed = 4
      config.traceLimit = 1000
      config.singleThreaded = true
      let world = World(config: config, roles: RoleCatalog(ServiceClient.roles))
      try world.setLatency(.fixed(.zero))
      let client = ServiceClient(world: world)
      _ = try client.start(servers: 1, meanService: .seconds(1 / mu))
      let r = try client.load(
        rate: lambda, duration: .seconds(1500), poisson: true, balancer: .roundRobin, deadline: .seconds(60),
        cancel: { false })
      let theory = 1 / (mu - lambda)
      let mean = try XCTUnwrap(r.mean).seconds
      XCTAssertEqual(mean, theory, accuracy: theory * 0.1, "λ = \(lambda): \(r.ok) requests")
      XCTAssertEqual(r.availability, 1)
      // More than a frame's list can hold (65,535): every request came back, in pages.
      XCTAssertGreaterThan(r.requests, Int(lambda * 1500 * 0.95))
    }
  }
}
