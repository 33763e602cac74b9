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
