import DistLab
import DistLabDetection
import XCTest

/// The failure detectors on fixed seeds: a kill is suspected within the detector's bound; a
/// pause is mistaken for a death by a short timeout and not by a long one; φ accrual adapts to
/// a jittery link where a fixed timeout does not; indirect probes cut false suspicions on a
/// lossy network.
final class DetectorTests: XCTestCase {
  let roles = RoleCatalog([DetectionClient.role])

  func lab(_ kind: DetectorSettings.Kind, nodes: Int = 4, seed: UInt64 = 3, allowance: Nanoseconds? = nil) throws
    -> (World, DetectionClient)
  {
    var config = WorldConfig()
    config.seed = seed
    let world = World(config: config, roles: roles)
    let client = DetectionClient(world: world)
    var s = DetectorSettings(members: [], interval: .seconds(1), kind: kind)
    if let allowance { s.acceptablePause = allowance }
    _ = try client.start(count: nodes, settings: s)
    return (world, client)
  }

  func testAKilledNodeIsSuspectedByEveryObserverWithinTheTimeoutAndACheck() throws {
    for timeout in [2.0, 3.0, 5.0] {
      let (world, client) = try lab(.timeout(.seconds(timeout)))
      _ = try world.advance(by: .seconds(10))
      _ = try world.kill([client.nodes[3]])
      _ = try world.advance(by: .seconds(10))
      let kill = try XCTUnwrap(client.ledger.kills.first)
      XCTAssertEqual(kill.detections.count, 3, "every live observer")
      for d in kill.detections {
        // The last heartbeat came at most an interval before the kill; checks come every 500 ms.
        XCTAssertGreaterThan(d.after, .seconds(timeout - 1), "timeout \(timeout)")
        XCTAssertLessThanOrEqual(d.after, .seconds(timeout + 0.5) + .milliseconds(2), "timeout \(timeout)")
      }
      XCTAssertTrue(client.ledger.mistakes.isEmpty)
    }
  }

  func testAPausedNodeIsFalselySuspectedAtAShortTimeoutAndNotAtALongOne() throws {
    for (timeout, mistaken) in [(1.5, true), (4.0, false)] {
      let (world, client) = try lab(.timeout(.seconds(timeout)))
      _ = try world.advance(by: .seconds(5))
      _ = try world.pause([client.nodes[1]])
      _ = try world.advance(by: .seconds(2.5))
      _ = try world.resume([client.nodes[1]])
      _ = try world.advance(by: .seconds(5))
      let onPaused = client.ledger.mistakes.filter { $0.suspect == client.nodes[1] }
      XCTAssertEqual(!onPaused.isEmpty, mistaken, "timeout \(timeout)")
      XCTAssertTrue(onPaused.allSatisfy(\.paused))
    }
  }

  /// On a link whose latency jitters by 300 ms, a 1.2 s timeout keeps suspecting a live node;
  /// φ accrual (threshold 8, no allowance) learns the spread and hardly ever does, yet on a calm network
  /// it still detects a kill sooner than on the jittery one: it adapts.
  func testPhiAccrualAdaptsToAJitteryLinkWhereAFixedTimeoutDoesNot() throws {
    func run(_ kind: DetectorSettings.Kind, jitter: Bool) throws -> DetectionLedger {
      let (world, client) = try lab(kind, allowance: .zero)
      if jitter { try world.setLatency(.normal(mean: .milliseconds(10), spread: .milliseconds(300))) }
      _ = try world.advance(by: .seconds(60))
      _ = try world.kill([client.nodes[3]])
      _ = try world.advance(by: .seconds(20))
      return client.ledger
    }
    let timeoutOnJitter = try run(.timeout(.milliseconds(1200)), jitter: true)
    let phiOnJitter = try run(.phi(threshold: 8), jitter: true)
    let phiCalm = try run(.phi(threshold: 8), jitter: false)
    XCTAssertGreaterThan(timeoutOnJitter.mistakes.count, 5)
    XCTAssertLessThan(
      phiOnJitter.mistakes.count * 5, timeoutOnJitter.mistakes.count,
      "\(phiOnJitter.mistakes) vs \(timeoutOnJitter.mistakes.count)")
    XCTAssertEqual(phiCalm.mistakes.count, 0)
    let calm = try XCTUnwrap(phiCalm.meanDetection)
    let jittery = try XCTUnwrap(phiOnJitter.meanDetection)
    XCTAssertLessThan(calm, jittery, "φ waits longer where heartbeats are irregular")
  }

  func testIndirectProbesCutFalseSuspicionsOnALossyNetwork() throws {
    let base = DetectionSweep.Plan(
      parameter: .indirect, values: [0, 2], seeds: 5, nodes: 4, interval: .seconds(1), jitter: nil, loss: 0.1,
      pause: nil)
    let points = try DetectionSweep(base).run(roles: roles, cancel: { false })
    XCTAssertEqual(points.count, 2)
    XCTAssertGreaterThan(points[0].mistakes, 3 * points[1].mistakes, "\(points)")
    XCTAssertEqual(points.map(\.missed), [0, 0], "every kill is still detected")
  }

  /// φ as Akka computes it: 0.3 at the mean (the logistic approximation gives −log10(0.5)),
  /// growing with the silence, and larger for a steadier history.
  func testPhiFollowsAkkasFormula() {
    XCTAssertEqual(HeartbeatHistory.phi(1000, mean: 1000, deviation: 100), 0.30103, accuracy: 0.0001)
    XCTAssertLessThan(
      HeartbeatHistory.phi(1200, mean: 1000, deviation: 100), HeartbeatHistory.phi(1400, mean: 1000, deviation: 100))
    XCTAssertGreaterThan(
      HeartbeatHistory.phi(1400, mean: 1000, deviation: 100), HeartbeatHistory.phi(1400, mean: 1000, deviation: 300))
    XCTAssertEqual(HeartbeatHistory.phi(1e9, mean: 1000, deviation: 100), 10_000, "clamped, never infinite")
    var h = HeartbeatHistory(capacity: 3)
    for x in [1.0, 2, 3, 4] { h.add(x) }
    XCTAssertEqual(h.count, 3)
    XCTAssertEqual(h.mean, 3, accuracy: 1e-9, "the oldest sample left the window")
  }
}
