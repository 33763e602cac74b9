import DistLab
import DistLabReplication
import XCTest

/// Primary/replica replication: asynchronous replication acknowledges writes the replicas do
/// not have yet, and a failover loses exactly those; synchronous replication loses none.
final class PrimaryReplicaTests: XCTestCase {
  func store(sync: Bool) throws -> (World, StoreClient) {
    let world = World(config: WorldConfig(), roles: RoleCatalog([StoreClient.role]))
    let client = StoreClient(world: world)
    _ = try client.start(replicas: 2, sync: sync, shipInterval: .milliseconds(100))
    return (world, client)
  }

  func testAsyncFailoverLosesTheUnshippedAcknowledgedWrites() throws {
    let (world, client) = try store(sync: false)
    for k in 1...3 { XCTAssertEqual(try client.put("early\(k)", .int(Int64(k))), .value([.int(Int64(k))])) }
    _ = try world.advance(by: .milliseconds(150))
    for k in 1...4 { _ = try client.put("late\(k)", .int(Int64(k))) }
    _ = try world.kill([client.nodes[0]])
    try client.assign(primary: client.nodes[1])
    XCTAssertEqual(try client.lostWrites(), ["late1", "late2", "late3", "late4"], "acknowledged, never shipped")
    XCTAssertEqual(try client.get("early2", from: client.nodes[1]), .int(2), "shipped before the crash")
  }

  func testSyncFailoverLosesNothing() throws {
    let (world, client) = try store(sync: true)
    for k in 1...5 { XCTAssertEqual(try client.put("k\(k)", .int(Int64(k))), .value([.int(Int64(k))])) }
    _ = try world.kill([client.nodes[0]])
    try client.assign(primary: client.nodes[2])
    XCTAssertEqual(try client.lostWrites(), [])
  }

  func testAReplicaRefusesWritesAndServesStaleReads() throws {
    let (world, client) = try store(sync: false)
    _ = try client.put("x", .int(1))
    XCTAssertEqual(try client.get("x", from: client.nodes[1]), .null, "not shipped yet: a stale read")
    _ = try world.advance(by: .milliseconds(150))
    XCTAssertEqual(try client.get("x", from: client.nodes[1]), .int(1))
    let refused = try world.call(to: client.nodes[1], method: "store.put", args: [.string("y"), .int(2)])
    XCTAssertEqual(refused.result, .error("not the primary (the primary is node 1)"))
  }
}

extension PrimaryReplicaTests {
  func autoStore(fencing: Bool) throws -> (World, StoreClient) {
    let world = World(config: WorldConfig(), roles: RoleCatalog([StoreClient.role]))
    let client = StoreClient(world: world)
    _ = try client.start(
      replicas: 2, sync: false, shipInterval: .milliseconds(50), failoverTimeout: .seconds(1), fencing: fencing)
    return (world, client)
  }

  /// Up store nodes that believe they are the primary: the world's truth.
  func primaries(_ world: World, _ client: StoreClient) throws -> [NodeID] {
    try client.nodes.filter { n in
      guard world.info(n)?.status == .up else { return false }
      return try world.summary(of: n)?.metric("primary") == 1
    }
  }

  /// A primary that stops beating is replaced by the first replica in line once the timeout
  /// has passed; without fencing, when it comes back it still believes it leads: two primaries
  /// accept writes, and its stale writes overwrite the new primary's on the replicas.
  func testAPausedPrimaryIsReplacedAndWithoutFencingComesBackAsASecondPrimary() throws {
    let (world, client) = try autoStore(fencing: false)
    let (s1, s2, s3) = (client.nodes[0], client.nodes[1], client.nodes[2])
    _ = try world.pause([s1])
    _ = try world.advance(by: .seconds(2))
    XCTAssertEqual(try world.summary(of: s2)?.metric("primary"), 1, "s2 took over")
    XCTAssertEqual(try world.summary(of: s2)?.metric("epoch"), 2)
    XCTAssertEqual(try world.summary(of: s3)?.metric("primary"), 0, "s3 follows s2")
    _ = try world.resume([s1])
    _ = try world.advance(by: .milliseconds(300))
    XCTAssertEqual(try primaries(world, client), [s1, s2], "split brain")
    XCTAssertEqual(try client.put("x", .int(1), to: s2), .value([.int(1)]))
    XCTAssertEqual(try client.put("x", .int(9), to: s1), .value([.int(1)]), "the old primary still accepts")
  }

  /// With fencing, the replicas refuse the old epoch and tell the old primary who leads now:
  /// it steps down at its first heartbeat, and refuses writes.
  func testFencingMakesTheOldPrimaryStepDown() throws {
    let (world, client) = try autoStore(fencing: true)
    let (s1, s2) = (client.nodes[0], client.nodes[1])
    _ = try world.pause([s1])
    _ = try world.advance(by: .seconds(2))
    _ = try world.resume([s1])
    _ = try world.advance(by: .milliseconds(300))
    XCTAssertEqual(try primaries(world, client), [s2])
    XCTAssertEqual(
      try client.put("x", .int(9), to: s1), .error("not the primary (the primary is node \(s2.number))"))
  }

  /// Compare-and-set on the primary: a cas whose expected value is stale is refused, and a
  /// workload of reads, writes and cas through a synchronous primary is linearizable.
  func testCompareAndSetThroughThePrimaryIsLinearizable() throws {
    let (world, client) = try store(sync: true)
    _ = try client.put("x", .int(1))
    let p = client.nodes[0]
    let stale = try world.call(to: p, method: "store.cas", args: [.string("x"), .int(0), .int(2)])
    XCTAssertEqual(stale.result, .error("cas refused: the value is 1"))
    let fresh = try world.call(to: p, method: "store.cas", args: [.string("x"), .int(1), .int(2)])
    XCTAssertEqual(fresh.result, .value([.int(2)]))
    let world2 = World(config: WorldConfig(), roles: RoleCatalog([StoreClient.role, StoreClient.workloadRole]))
    let c2 = StoreClient(world: world2)
    _ = try c2.start(replicas: 2, sync: true)
    let h = try c2.workload(
      clients: 3, interval: .milliseconds(20), duration: .seconds(3), readAny: false, keys: 2, cas: true,
      cancel: { false })
    XCTAssertGreaterThan(h.operations.filter { $0.function == .cas }.count, 5)
    XCTAssertTrue(LinearizabilityChecker.check(h, model: .kv).linearizable)
  }
}
