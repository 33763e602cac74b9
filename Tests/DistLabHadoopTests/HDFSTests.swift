import DistLab
import DistLabHadoop
import XCTest

/// HDFS as Hadoop does it, each a scenario on a fixed seed: rack-aware placement, a dead
/// DataNode declared after 2 × recheck + 10 × heartbeat and its blocks copied again, a returning
/// node's surplus removed, a corrupt replica caught by its checksum and replaced, and a
/// NameNode restart that replays its edit log and waits in safe mode for block reports.
final class HDFSTests: XCTestCase {
  var world = World()
  var hdfs: HDFSClient!

  func start(
    datanodes: Int = 6, racks: Int = 2, seed: UInt64 = 3, configure: (inout HDFSSettings) -> Void = { _ in }
  ) throws {
    var config = WorldConfig()
    config.seed = seed
    world = World(config: config, roles: RoleCatalog(HDFSClient.roles))
    hdfs = HDFSClient(world: world)
    _ = try hdfs.start(datanodes: datanodes, racks: racks) { s in
      s.heartbeat = .seconds(1)
      s.recheck = .seconds(15)
      configure(&s)
    }
  }

  func fsck() throws -> FsckReport {
    guard case .success(let r) = try hdfs.fsck() else { throw XCTSkip("no fsck") }
    return r
  }

  func rack(_ n: NodeID) -> String { hdfs.settings!.rack(of: n) }

  /// The defaults are Hadoop's own (hdfs-default.xml, mapred-default.xml of Hadoop 1): a
  /// student who learns them here learns the real numbers.
  func testTheDefaultsAreHadoops() {
    let s = HDFSSettings(namenode: NodeID(0), racks: [:])
    XCTAssertEqual(s.blockSize, 128 * 1024 * 1024, "dfs.blocksize")
    XCTAssertEqual(s.replication, 3, "dfs.replication")
    XCTAssertEqual(s.heartbeat, .seconds(3), "dfs.heartbeat.interval")
    XCTAssertEqual(s.recheck, .seconds(300), "dfs.namenode.heartbeat.recheck-interval")
    XCTAssertEqual(s.deadAfter, .seconds(630), "dead after 2 × recheck + 10 × heartbeat: 10 min 30 s")
    XCTAssertEqual(s.stale, .seconds(30), "dfs.namenode.stale.datanode.interval")
    XCTAssertEqual(s.maxStreams, 2, "dfs.namenode.replication.max-streams")
    XCTAssertEqual(s.redundancyInterval, .seconds(3), "dfs.namenode.redundancy.interval.seconds")
    XCTAssertEqual(s.safemodeThreshold, 0.999, "dfs.namenode.safemode.threshold-pct")
    XCTAssertEqual(s.safemodeExtension, .seconds(30), "dfs.namenode.safemode.extension")
    XCTAssertEqual(s.checkpointPeriod, .seconds(3600), "dfs.namenode.checkpoint.period")
    XCTAssertEqual(s.checkpointTxns, 1_000_000, "dfs.namenode.checkpoint.txns")
    XCTAssertEqual(s.checkpointCheck, .seconds(60), "dfs.namenode.checkpoint.check.period")
    XCTAssertEqual(s.blockReportInterval, .seconds(21_600), "dfs.blockreport.intervalMsec")
    XCTAssertEqual(s.mapSlots, 2, "mapred.tasktracker.map.tasks.maximum")
    XCTAssertEqual(s.reduceSlots, 2, "mapred.tasktracker.reduce.tasks.maximum")
    XCTAssertEqual(s.trackerExpiry, .seconds(600), "mapred.tasktracker.expiry.interval")
    XCTAssertEqual(s.slowstart, 0.05, "mapred.reduce.slowstart.completed.maps")
    XCTAssertEqual(MapReduceJob.maxAttempts, 4, "mapred.map.max.attempts")
    XCTAssertEqual(LocalJobRunner.splitSize, 32 << 20, "fs.local.block.size")
  }

  /// A DataNode reports every replica it holds again every dfs.blockreport.intervalMsec: a
  /// replica lost from its disk without a word is forgotten by the NameNode at the next report.
  func testFullBlockReportsComeOnTheirOwnCadence() throws {
    try start(datanodes: 3, racks: 1) { s in s.blockReportInterval = .seconds(30) }
    guard case .success = try hdfs.put("/a", size: 10 << 20, replication: nil) else { return XCTFail() }
    let reports = {
      self.world.trace.ordered.filter { e in
        if case .exec(let method, _) = e.detail { method == "nn.blockReport" } else { false }
      }.count
    }
    let before = reports()
    _ = try world.advance(by: .seconds(31))
    XCTAssertGreaterThanOrEqual(reports() - before, 3, "one from each DataNode")
  }

  func testEveryBlockHasThreeReplicasOnTwoRacksTheSecondAndThirdTogether() throws {
    try start()
    guard case .success(let w) = try hdfs.put("/big", size: 10 << 30, replication: nil) else { return XCTFail() }
    XCTAssertEqual(w.blocks.count, 80, "10 GB in 128 MB blocks")
    for (_, pipeline) in w.blocks {
      XCTAssertEqual(Set(pipeline).count, 3)
      XCTAssertNotEqual(rack(pipeline[0]), rack(pipeline[1]), "the second replica on another rack")
      XCTAssertEqual(rack(pipeline[1]), rack(pipeline[2]), "the third on the second's rack")
    }
    // The first replica is at random when the writer is no DataNode: every node gets some.
    XCTAssertEqual(Set(w.blocks.map { $0.stored[0] }).count, 6)
    let r = try fsck()
    XCTAssertEqual(r.totalBlocks, 80)
    XCTAssertEqual(r.underReplicated, 0)
    XCTAssertEqual(r.totalSize, 10 << 30)
  }

  func testASingleReplicaCanBePlacedOnAClusterOfTwoRacks() throws {
    try start()
    guard case .success(let w) = try hdfs.put("/one", size: 300 << 20, replication: 1) else { return XCTFail() }
    XCTAssertEqual(w.blocks.map(\.stored.count), [1, 1, 1])
  }

  func testOneRackTakesEveryReplicaOnDistinctNodes() throws {
    try start(datanodes: 4, racks: 1)
    guard case .success(let w) = try hdfs.put("/a", size: 1 << 30, replication: nil) else { return XCTFail() }
    for (_, pipeline) in w.blocks { XCTAssertEqual(Set(pipeline).count, 3) }
  }

  func testADeadDataNodeIsDeclaredAfterTheRuleAndItsBlocksAreCopiedAgain() throws {
    try start()
    guard case .success = try hdfs.put("/a", size: 1 << 30, replication: nil) else { return XCTFail() }
    let victim = hdfs.datanodes[1]
    let held = try fsck().allBlocksHeld(by: victim)
    XCTAssertGreaterThan(held, 0)
    _ = try world.kill([victim])
    // 2 × 15 s + 10 × 1 s = 40 s of silence; checked once every 15 s.
    _ = try world.advance(by: .seconds(39))
    guard case .success(let early) = try hdfs.report() else { return XCTFail() }
    XCTAssertEqual(early.datanodes.first { $0.node == victim }?.state, "stale", "silent, not yet dead")
    XCTAssertEqual(try fsck().underReplicated, 0, "its replicas still count")
    _ = try world.advance(by: .seconds(20))
    guard case .success(let late) = try hdfs.report() else { return XCTFail() }
    XCTAssertEqual(late.datanodes.first { $0.node == victim }?.state, "dead")
    let dead = world.trace.ordered.filter { if case .event("hdfs.dead", _) = $0.detail { true } else { false } }
    XCTAssertEqual(dead.count, 1)
    // Re-replication: at most 2 streams a source, 2 × live nodes blocks a round, every 3 s.
    _ = try world.advance(by: .seconds(30))
    let r = try fsck()
    XCTAssertEqual(r.underReplicated, 0)
    XCTAssertEqual(r.missing, 0)
    XCTAssertEqual(r.allBlocksHeld(by: victim), 0)
  }

  func testAReturningDataNodesSurplusReplicasAreDeleted() throws {
    try start()
    guard case .success = try hdfs.put("/a", size: 1 << 30, replication: nil) else { return XCTFail() }
    let victim = hdfs.datanodes[2]
    _ = try world.kill([victim])
    _ = try world.advance(by: .seconds(90))
    XCTAssertEqual(try fsck().underReplicated, 0)
    _ = try world.restart([victim])
    _ = try world.advance(by: .seconds(2))
    _ = try world.advance(by: .seconds(10))
    let r = try fsck()
    XCTAssertEqual(r.overReplicated, 0, "the surplus went at the next heartbeats")
    XCTAssertEqual(r.averageReplication, 3)
  }

  func testACorruptReplicaIsCaughtOnReadReportedAndReplaced() throws {
    try start()
    guard case .success = try hdfs.put("/a", size: 1 << 20, replication: nil) else { return XCTFail() }
    guard let (block, bad) = try hdfs.corrupt("/a", block: 0, on: nil) else { return XCTFail() }
    guard case .success(let reads) = try hdfs.read("/a") else { return XCTFail() }
    XCTAssertEqual(reads[0].failed.map(\.node), [bad])
    XCTAssertEqual(reads[0].failed.map(\.error), ["ChecksumException"])
    XCTAssertNotNil(reads[0].servedBy)
    _ = try world.advance(by: .seconds(10))
    let b = try XCTUnwrap(try fsck().files.first?.blocks.first)
    XCTAssertEqual(b.info, block)
    XCTAssertEqual(b.live.count, 3)
    XCTAssertFalse(b.live.contains(bad), "a new replica elsewhere; the corrupt one deleted")
    XCTAssertEqual(b.corrupt, [])
  }

  func testANameNodeRestartReplaysItsEditsAndWaitsInSafeModeForReports() throws {
    try start()
    for i in 0..<3 {
      guard case .success = try hdfs.put("/f\(i)", size: 200 << 20, replication: nil) else { return XCTFail() }
    }
    guard case .success = try hdfs.remove("/f1") else { return XCTFail() }
    let nn = try XCTUnwrap(hdfs.namenode)
    _ = try world.kill([nn])
    _ = try world.restart([nn])
    guard case .success(let during) = try hdfs.report() else { return XCTFail() }
    XCTAssertTrue(during.safeMode, "no block reported yet")
    guard case .failure(.refused(let why)) = try hdfs.put("/new", size: 1, replication: nil) else { return XCTFail() }
    XCTAssertEqual(why, "Cannot create file /new. Name node is in safe mode.")
    // DataNodes re-register at their next heartbeat, report, and 30 s later safe mode ends.
    _ = try world.advance(by: .seconds(40))
    guard case .success(let after) = try hdfs.report() else { return XCTFail() }
    XCTAssertFalse(after.safeMode)
    let r = try fsck()
    XCTAssertEqual(r.files.map(\.path), ["/f0", "/f2"], "the edit log kept the creates and the delete")
    XCTAssertEqual(r.missing, 0)
  }

  func testDeletingAFileDeletesItsReplicas() throws {
    try start()
    guard case .success = try hdfs.put("/a", size: 300 << 20, replication: nil) else { return XCTFail() }
    guard case .success = try hdfs.remove("/a") else { return XCTFail() }
    _ = try world.advance(by: .seconds(3))
    for dn in hdfs.datanodes {
      let o = try world.call(to: dn, method: "dn.blocks", args: [])
      guard case .value(let v) = o.result else { return XCTFail() }
      XCTAssertEqual(v.first?.listValue?.count, 0, "\(dn) still holds replicas")
    }
  }
}

extension HDFSTests {
  /// The SecondaryNameNode checkpoints once enough transactions pile up, and a NameNode that
  /// lost its disk comes back from that checkpoint: what came after is gone, and the DataNodes
  /// are told to delete its blocks.
  func testACheckpointIsWhatALostNameNodeComesBackFrom() throws {
    var config = WorldConfig()
    config.seed = 5
    world = World(config: config, roles: RoleCatalog(HDFSClient.roles))
    hdfs = HDFSClient(world: world)
    _ = try hdfs.start(datanodes: 4, racks: 2) { s in
      s.heartbeat = .seconds(1)
      s.checkpointTxns = 6
    }
    for p in ["/a", "/b"] {
      guard case .success = try hdfs.put(p, size: 100 << 20, replication: nil) else { return XCTFail() }
    }
    _ = try world.advance(by: .seconds(61))
    let nn = try XCTUnwrap(hdfs.namenode)
    let info = try world.call(to: nn, method: "nn.txinfo", args: [])
    XCTAssertEqual(info.result, .value([.int(6), .int(6)]), "6 transactions, all in the fsimage")
    guard case .success = try hdfs.put("/c", size: 100 << 20, replication: nil) else { return XCTFail() }
    _ = try world.kill([nn], wipe: true)
    _ = try world.restart([nn])
    guard case .failure(.refused(let why)) = try hdfs.fsck() else { return XCTFail() }
    XCTAssertEqual(why, "NameNode is not formatted.")
    guard case .success(let covered) = try hdfs.importCheckpoint() else { return XCTFail() }
    XCTAssertEqual(covered, 6)
    _ = try world.advance(by: .seconds(45))
    let r = try fsck()
    XCTAssertEqual(r.files.map(\.path), ["/a", "/b"])
    XCTAssertEqual(r.missing, 0)
    for dn in hdfs.datanodes {
      guard case .value(let v) = try world.call(to: dn, method: "dn.blocks", args: []).result else { return XCTFail() }
      XCTAssertLessThanOrEqual(v.first?.listValue?.count ?? 0, 2, "/c's block deleted from \(dn)")
    }
    guard case .failure = try hdfs.importCheckpoint() else { return XCTFail("a formatted NameNode refuses an import") }
  }
}

extension HDFSTests {
  /// New, empty DataNodes and the balancer: it moves blocks until every node's use is within
  /// the threshold of the average, never onto fewer racks, and loses no replica.
  func testTheBalancerEvensOutNewDataNodesWithoutLosingARackOrAReplica() throws {
    var config = WorldConfig()
    config.seed = 8
    world = World(config: config, roles: RoleCatalog(HDFSClient.roles))
    hdfs = HDFSClient(world: world)
    _ = try hdfs.start(datanodes: 4, racks: 2) { s in s.capacity = 10 << 30 }
    guard case .success = try hdfs.put("/data", size: 4 << 30, replication: nil) else { return XCTFail() }
    let added = try hdfs.add(datanodes: 2, rack: nil)
    XCTAssertEqual(added.map(\.name), ["dn5", "dn6"])
    _ = try world.advance(by: .seconds(5))
    guard case .success(let run) = try hdfs.balance(threshold: 5) else { return XCTFail() }
    XCTAssertEqual(run.end, .balanced)
    XCTAssertGreaterThan(run.iterations.count, 0)
    guard case .success(let report) = try hdfs.report() else { return XCTFail() }
    let used = report.datanodes.map { Double($0.used) * 100 / Double(10 << 30) }
    let avg = used.reduce(0, +) / Double(used.count)
    for u in used { XCTAssertLessThanOrEqual(abs(u - avg), 5.01) }
    let r = try fsck()
    XCTAssertEqual(r.underReplicated + r.overReplicated + r.missing, 0)
    for b in r.files.flatMap(\.blocks) {
      XCTAssertEqual(Set(b.live.map { hdfs.settings!.rack(of: $0) }).count, 2, "\(b.info.name) kept on two racks")
    }
  }
}

extension HDFSTests {
  /// A decommissioned DataNode's blocks are copied to nodes in service first, so it can be
  /// switched off afterwards and nothing is under-replicated, let alone missing; no new block
  /// lands on it meanwhile.
  func testADecommissionedDataNodeCanBeSwitchedOffWithoutLoss() throws {
    try start(datanodes: 5, racks: 2)
    guard case .success = try hdfs.put("/a", size: 1 << 30, replication: nil) else { return XCTFail() }
    let drained = hdfs.datanodes[0]
    guard case .success = try hdfs.decommission(drained) else { return XCTFail() }
    guard case .success(let w) = try hdfs.put("/b", size: 300 << 20, replication: nil) else { return XCTFail() }
    XCTAssertFalse(w.blocks.contains { $0.stored.contains(drained) }, "no new replica on a draining node")
    _ = try world.advance(by: .seconds(40))
    guard case .success(let report) = try hdfs.report() else { return XCTFail() }
    XCTAssertEqual(report.datanodes.first { $0.node == drained }?.state, "decommissioned")
    _ = try world.kill([drained])
    _ = try world.advance(by: .seconds(60))
    let r = try fsck()
    XCTAssertEqual(r.missing + r.underReplicated, 0)
    guard case .success = try hdfs.decommission(hdfs.datanodes[1]) else { return XCTFail() }
    guard case .failure(.refused(let why)) = try hdfs.decommission(hdfs.datanodes[1]) else {
      return XCTFail("a second decommission of one node is refused")
    }
    XCTAssertEqual(why, "already decommission in progress")
  }
}

extension FsckReport {
  func allBlocksHeld(by n: NodeID) -> Int { files.flatMap(\.blocks).filter { $0.live.contains(n) }.count }
}
