import DistLab
import DistLabService
import Foundation
import XCTest

/// The service lab agrees with queueing theory where theory exists: one server with
/// exponential service times under Poisson arrivals is an M/M/1 queue, whose mean time in the
/// system is 1/(μ − λ).
final class QueueingTests: XCTestCase {
  func testASingleServerMatchesMM1AtHalfAndNineTenthsUtilisation() throws {
    let mu = 100.0
    let lambdas = [50.0, 90.0]
    // Two independent worlds, one per load, run at once on two threads; checked afterwards.
    let runs = Locked<[Double: (mean: Double?, availability: Double, requests: Int, ok: Int)]>([:])
    let failures = Locked<[String]>([])
    DispatchQueue.concurrentPerform(iterations: lambdas.count) { i in
      let lambda = lambdas[i]
      var config = WorldConfig()
      config.seed = 4
      config.traceLimit = 1000
      config.singleThreaded = true
      let world = World(config: config, roles: RoleCatalog(ServiceClient.roles))
      do {
        try world.setLatency(.fixed(.zero))
        let client = ServiceClient(world: world)
        _ = try client.start(servers: 1, meanService: .seconds(1 / mu), gateway: false)
        let r = try client.load(
          streams: [LoadStream(rate: lambda)], duration: .seconds(1500), poisson: true, balancer: .roundRobin,
          deadline: .seconds(60),
          cancel: { false }
        ).overall
        runs.withLock { $0[lambda] = (r.mean?.seconds, r.availability, r.requests, r.ok) }
      } catch {
        failures.withLock { $0.append("λ = \(lambda): \(error)") }
      }
    }
    for f in failures.withLock({ $0 }) { XCTFail(f) }
    for lambda in lambdas {
      let r = try XCTUnwrap(runs.withLock { $0[lambda] }, "λ = \(lambda) did not run")
      let theory = 1 / (mu - lambda)
      let mean = try XCTUnwrap(r.mean)
      XCTAssertEqual(mean, theory, accuracy: theory * 0.1, "λ = \(lambda): \(r.ok) requests")
      XCTAssertEqual(r.availability, 1)
      // More than a frame's list can hold (65,535): every request came back, in pages.
      XCTAssertGreaterThan(r.requests, Int(lambda * 1500 * 0.95))
    }
  }

  /// Little's law holds for any closed system: C clients = throughput × (response time + think
  /// time). The closed-loop generator must obey it.
  func testAClosedLoopObeysLittlesLaw() throws {
    let world = Self.world(seed: 5)
    let client = ServiceClient(world: world)
    _ = try client.start(servers: 2, meanService: .milliseconds(10), gateway: false)
    let clients = 8
    let think = Nanoseconds.milliseconds(50)
    let r = try client.load(
      streams: [LoadStream(rate: 1)], duration: .seconds(300), poisson: true, balancer: .roundRobin,
      deadline: .seconds(60), clients: clients, think: think, cancel: { false }
    ).overall
    let mean = try XCTUnwrap(r.mean).seconds
    let n = r.throughput * (mean + think.seconds)
    XCTAssertEqual(n, Double(clients), accuracy: Double(clients) * 0.05, "throughput \(r.throughput), latency \(mean)")
    // A closed loop cannot overload the servers: at most 2 / 10ms = 200 a second.
    XCTAssertLessThan(r.throughput, 200)
  }

  /// A tenant's token bucket lets through its burst and then its rate, and no more; the other
  /// tenant is untouched.
  func testATokenBucketAdmitsTheBurstThenTheRate() throws {
    let world = Self.world(seed: 6)
    let client = ServiceClient(world: world)
    _ = try client.start(servers: 4, meanService: .microseconds(100), gateway: true)
    let bob = try XCTUnwrap(try client.tenant("bob", token: nil, methods: nil))
    let alice = try XCTUnwrap(try client.tenant("alice", token: nil, methods: ["read"]))
    _ = try XCTUnwrap(try client.plan("bob", rate: 20, burst: 5, limit: nil, period: nil))
    let r = try client.load(
      streams: [
        LoadStream(tenant: "bob", token: bob.token, rate: 100),
        LoadStream(tenant: "alice", token: alice.token, rate: 30),
      ], duration: .seconds(10), poisson: false, balancer: .roundRobin, deadline: .seconds(1), cancel: { false })
    let served = try XCTUnwrap(r.tenant("bob")).ok
    XCTAssertLessThanOrEqual(served, 5 + 20 * 10 + 1)
    XCTAssertGreaterThanOrEqual(served, 20 * 10 - 1)
    let b = try XCTUnwrap(r.tenant("bob"))
    XCTAssertEqual(b.count(.throttled), b.requests - served)
    XCTAssertGreaterThan(b.requests, 990)
    let a = try XCTUnwrap(r.tenant("alice"))
    XCTAssertEqual(a.ok, a.requests)
    XCTAssertGreaterThan(a.requests, 290)
    let usage = try XCTUnwrap(try client.usage())
    XCTAssertEqual(usage.first { $0.tenant == "bob" }?.billed, served)
  }

  /// Authentication before authorization before the plan: a wrong token is 401 whatever the
  /// method, a method outside the ACL 403, and a spent quota 429 until the next period.
  func testTheGatewayChecksIdentityThenACLThenQuota() throws {
    let world = Self.world(seed: 7)
    let client = ServiceClient(world: world)
    _ = try client.start(servers: 1, meanService: .microseconds(100), gateway: true)
    let a = try XCTUnwrap(try client.tenant("a", token: "secret", methods: ["read"]))
    XCTAssertEqual(a.token, "secret")
    _ = try client.plan("a", rate: nil, burst: nil, limit: 15, period: .seconds(2))
    func run(_ s: LoadStream) throws -> SLAReport {
      try client.load(
        streams: [s], duration: .seconds(1), poisson: false, balancer: .roundRobin, deadline: .seconds(1),
        cancel: { false }
      ).overall
    }
    // Evenly spaced at 10 a second for 1 s: 9 requests, at 0.1 s … 0.9 s.
    let guessed = try run(LoadStream(tenant: "a", token: "guess", method: "admin", rate: 10))
    XCTAssertEqual(guessed.count(.unauthenticated), 9)
    XCTAssertEqual(try run(LoadStream(tenant: "a", token: "secret", method: "admin", rate: 10)).count(.forbidden), 9)
    // Each load takes one period of 2 s: 15 of the next 19 reads fit in it.
    let quota = try run(LoadStream(tenant: "a", token: "secret", method: "read", rate: 20))
    XCTAssertEqual(quota.ok, 15)
    XCTAssertEqual(quota.count(.overQuota), 4)
    let audit = try XCTUnwrap(try client.audit())
    XCTAssertEqual(audit.entries.count, 9 + 9 + 19)
    XCTAssertEqual(audit.entries.filter { $0.outcome == .unauthenticated }.count, 9)
    XCTAssertTrue(audit.entries.allSatisfy { $0.tenant == "a" })
  }

  static func world(seed: UInt64) -> World {
    var config = WorldConfig()
    config.seed = seed
    config.traceLimit = 1000
    config.singleThreaded = true
    let world = World(config: config, roles: RoleCatalog(ServiceClient.roles))
    try? world.setLatency(.fixed(.zero))
    return world
  }
}
