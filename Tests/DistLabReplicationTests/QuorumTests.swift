import DistLab
import DistLabReplication
import XCTest

/// The quorum store on fixed seeds: strict quorums refuse on a minority and stay linearizable;
/// sloppy ones accept on both sides, and last-writer-wins then loses exactly the writes the
/// final state no longer shows; siblings keep them; read repair and anti-entropy mend replicas.
final class QuorumTests: XCTestCase {
  func store(
    nodes: Int, sloppy: Bool, resolution: Resolution = .lww, antiEntropy: Nanoseconds? = nil, seed: UInt64 = 7
  ) throws -> (World, StoreClient) {
    var config = WorldConfig()
    config.seed = seed
    let world = World(config: config, roles: RoleCatalog([StoreClient.role, StoreClient.workloadRole]))
    let client = StoreClient(world: world)
    _ = try client.startQuorum(
      nodes: nodes,
      settings: QuorumSettings(
        me: .client, members: [], n: 3, w: 2, r: 2, sloppy: sloppy, resolution: resolution, antiEntropy: antiEntropy))
    return (world, client)
  }

  func value(_ read: Result<QuorumRead, CallFailure>) -> [Value]? {
    guard case .success(let r) = read else { return nil }
    return r.values
  }

  func testAStrictMinorityRefusesAndTheHistoryStaysLinearizable() throws {
    for seed: UInt64 in [1, 2, 3] {
      let (_, client) = try store(nodes: 3, sloppy: false, seed: seed)
      let history = try client.workload(
        clients: 3, interval: .milliseconds(50), duration: .seconds(6), readAny: false, keys: 2, nemesis: true,
        cancel: { false })
      XCTAssertGreaterThan(history.failed, 10, "seed \(seed): the minority's coordinator refuses")
      let verdict = LinearizabilityChecker.check(history, model: .kv)
      XCTAssertTrue(verdict.linearizable, "seed \(seed)")
    }
  }

  func testAStrictMinorityRefusesWhatTheMajorityAccepts() throws {
    let (world, client) = try store(nodes: 3, sloppy: false)
    let (s1, s3) = (client.nodes[0], client.nodes[2])
    try world.partition([[s1, client.nodes[1]], [s3]])
    XCTAssertEqual(try client.quorumPut("x", .int(1), via: s1), .acknowledged(by: [s1, client.nodes[1]]))
    let blind = try world.call(to: s3, method: "store.qput", args: [.string("x"), .int(2), .map([])])
    guard case .error(let e) = blind.result else { return XCTFail("accepted") }
    XCTAssertTrue(e.hasPrefix("timeout:"), "the first attempt learns by timing out: \(e)")
    XCTAssertEqual(try world.summary(of: s3)?.data["x"], .int(2), "and keeps the copy it wrote itself")
    guard case .notSent(.error(let refused)) = try client.quorumPut("x", .int(3), via: s3) else {
      return XCTFail("accepted")
    }
    XCTAssertTrue(refused.hasPrefix("unavailable:"), "then it refuses at once: \(refused)")
  }

  /// Both sides of a partition accept writes to the same keys; after the heal, last-writer-wins
  /// keeps one side's last write per key. The lab's count of lost writes is the number of sides
  /// whose last acknowledged write the final state does not hold, and the reads made during the
  /// partition make the history non-linearizable.
  func testASloppyStoreAcceptsOnBothSidesAndCountsTheWritesLastWriterWinsLost() throws {
    let (world, client) = try store(nodes: 5, sloppy: true)
    let n = client.nodes
    var builder = HistoryBuilder()
    func put(_ p: Int, _ key: String, _ v: Int64, via: NodeID) throws {
      try builder.add(process: p, type: .invoke, function: .put, key: key, value: .int(v))
      XCTAssertNoThrow(try builder.add(process: p, type: .ok, function: .put, key: key, value: .int(v)))
      guard case .acknowledged = try client.quorumPut(key, .int(v), via: via) else {
        return XCTFail("\(key)=\(v) refused")
      }
    }
    func get(_ p: Int, _ key: String, via: NodeID) throws -> Value {
      try builder.add(process: p, type: .invoke, function: .get, key: key, value: .null)
      let v = value(try client.quorumGet(key, via: via))?.first ?? .null
      try builder.add(process: p, type: .ok, function: .get, key: key, value: v)
      return v
    }
    try put(0, "x", 1, via: n[0])
    try put(0, "y", 1, via: n[0])
    _ = try world.advance(by: .milliseconds(100))
    try world.partition([[n[0], n[1]], [n[2], n[3], n[4]]])
    var lastOnSide: [[String: Value]] = [[:], [:]]
    for (side, via) in [(0, n[0]), (1, n[3]), (0, n[1]), (1, n[4])] {
      for key in ["x", "y"] {
        let v = Int64(10 * side + key.count + Int(world.now.value / 1_000_000) % 7)
        try put(side, key, v, via: via)
        lastOnSide[side][key] = .int(v)
        _ = try world.advance(by: .milliseconds(10))
      }
    }
    XCTAssertEqual(try get(0, "x", via: n[0]), lastOnSide[0]["x"], "side A sees only its own writes")
    world.heal()
    _ = try world.advance(by: .seconds(3))
    var lostOnSides = 0
    for key in ["x", "y"] {
      let final = try get(0, key, via: n[0])
      XCTAssertEqual(final, lastOnSide[1][key], "the later side's last write wins")
      lostOnSides += lastOnSide.filter { $0[key] != final }.count
    }
    let parts = try client.quorumParts()
    XCTAssertEqual(client.lostWrites(parts).lost, lostOnSides)
    XCTAssertEqual(lostOnSides, 2)
    let verdict = LinearizabilityChecker.check(builder.build(), model: .kv)
    XCTAssertFalse(verdict.linearizable, "a read on side A missed side B's acknowledged write")
  }

  func testSiblingsKeepBothSidesWritesUntilAWriteThatHasSeenThem() throws {
    let (world, client) = try store(nodes: 5, sloppy: true, resolution: .siblings)
    let n = client.nodes
    _ = try client.quorumPut("x", .int(0), via: n[0])
    try world.partition([[n[0], n[1]], [n[2], n[3], n[4]]])
    _ = try client.quorumPut("x", .int(1), via: n[0])
    _ = try client.quorumPut("x", .int(2), via: n[3])
    world.heal()
    _ = try world.advance(by: .seconds(3))
    XCTAssertEqual(value(try client.quorumGet("x", via: n[0])).map(Set.init), [.int(1), .int(2)])
    _ = try client.quorumPut("x", .int(3), via: n[0])
    XCTAssertEqual(value(try client.quorumGet("x", via: n[0])), [.int(3)])
    XCTAssertEqual(client.lostWrites(try client.quorumParts()).dropped, 0, "siblings drop nothing")
  }

  func testReadRepairAndAntiEntropyBringAStaleReplicaUpToDate() throws {
    for antiEntropy in [false, true] {
      let (world, client) = try store(
        nodes: 3, sloppy: false, antiEntropy: antiEntropy ? .milliseconds(100) : nil)
      let n = client.nodes
      try world.partition([[n[0], n[1]], [n[2]]])
      _ = try client.quorumPut("x", .int(1), via: n[0])
      world.heal()
      _ = try world.advance(by: .seconds(1))
      let parts = try client.quorumParts()
      let synced = parts.reduce(0) { $0 + ($1.1?["counts"]?["synced"]?.intValue ?? 0) }
      let held = try world.summary(of: n[2])?.data["x"]
      if antiEntropy {
        XCTAssertGreaterThan(synced, 0)
        XCTAssertEqual(held, .int(1), "anti-entropy copied the write")
      } else {
        XCTAssertEqual(synced, 0)
        XCTAssertNil(held ?? nil, "nothing mends a replica nobody reads")
        // s3 coordinates: its own empty copy and one from the majority make its read quorum.
        guard case .success(let read) = try client.quorumGet("x", via: n[2]) else { return XCTFail("no read") }
        XCTAssertEqual(read.values, [.int(1)])
        XCTAssertEqual(read.repairs, 1)
        XCTAssertEqual(try world.summary(of: n[2])?.data["x"], .int(1), "read repair wrote it back")
      }
    }
  }
}
