import DistLab
import DistLabSharding
import XCTest

@testable import DistLabShell

/// The sharding lab in the shell: data really lives in the nodes' stores, node changes move
/// exactly what the scheme says, replicas keep keys readable, bad input changes nothing.
final class ShardCommandTests: XCTestCase {
  func session(nodes: Int) -> ShellSession {
    let s = ShellSession()
    runOK(s, ["spawn \(nodes)"])
    return s
  }

  /// Keys each node's own store holds, asked on the node's thread.
  func storeCounts(_ s: ShellSession) throws -> [String: Int] {
    var out: [String: Int] = [:]
    for n in s.world.allNodes where n.status != .down {
      out[n.name] = Int(try s.world.summary(of: n.id)?.metric("keys") ?? 0)
    }
    return out
  }

  func testLoadedKeysLiveInTheNodesStores() throws {
    let s = session(nodes: 5)
    runOK(s, ["shard use rendezvous", "shard load 3000"])
    let counts = try storeCounts(s)
    XCTAssertEqual(counts.values.reduce(0, +), 3000)
    let d = s.sharding.shardDistribution()
    for row in d.rows { XCTAssertEqual(counts[s.world.name(of: row.node)], row.keys) }
    let lab = try XCTUnwrap(s.sharding.shardLab)
    let key = lab.keys[17]
    let read = s.run("shard get \(key)")
    XCTAssertTrue(
      read.text.hasPrefix("\(key) = 17 from \(s.world.name(of: lab.scheme.owner(of: key) ?? NodeID(0)))"), read.text)
  }

  /// A join moves exactly the keys whose owner changed, by messages, and nothing else.
  func testAddingANodeMovesExactlyTheKeysTheSchemeMoves() throws {
    let s = session(nodes: 10)
    runOK(s, ["shard use ring --vnodes 100", "shard load 5000", "spawn 1"])
    let before = try XCTUnwrap(s.sharding.shardLab)
    var after = before.scheme
    try after.addNode(NodeID(11))
    let expected = before.keys.filter { before.scheme.owner(of: $0) != after.owner(of: $0) }.count
    runOK(s, ["shard add n11"])
    let lab = try XCTUnwrap(s.sharding.shardLab)
    XCTAssertEqual(lab.lastChange?.report.movement.moved, expected)
    XCTAssertEqual(lab.lastChange?.copiesMoved, expected)
    XCTAssertEqual(lab.lastChange?.bytesMoved, expected * 1024)
    for key in lab.keys {
      XCTAssertEqual(lab.copies(of: key).map(\.node), [lab.scheme.owner(of: key)].compactMap { $0 })
    }
    let counts = try storeCounts(s)
    XCTAssertEqual(counts.values.reduce(0, +), 5000, "moved keys must leave their old node")
    XCTAssertEqual(counts["n11"], expected)
    XCTAssertEqual(s.run("expect shard.moved < 13% and shard.moved > 6%").status, .ok)
  }

  func testModNMovesMostKeysAndTheRingFew() {
    let s = session(nodes: 10)
    runOK(s, ["shard use modn", "shard load 20000", "spawn 1", "shard add n11"])
    XCTAssertEqual(
      s.run("expect shard.moved >= 89% and shard.moved <= 93%").status, .ok, s.run("expect shard.moved == 0").text)
    let r = session(nodes: 10)
    runOK(r, ["shard use ring --vnodes 200", "shard load 20000", "spawn 1", "shard add n11"])
    XCTAssertEqual(
      r.run("expect shard.moved >= 6.1% and shard.moved <= 12.1%").status, .ok, r.run("expect shard.moved == 0").text)
  }

  func testSequentialKeysMakeARangeHotSpot() {
    let s = session(nodes: 4)
    runOK(s, ["shard use range --splits key-00001000,key-00002000,key-00003000", "shard load 5000 --dist sequential"])
    XCTAssertEqual(s.run("expect shard.max == 2000 and shard.balance == 1.6").status, .ok)
    runOK(s, ["shard load 1000 --dist sequential"])
    XCTAssertEqual(s.run("expect shard.max == 3000").status, .ok, "every new sequential write lands on the last range")
  }

  func testReplicasKeepKeysReadableAndRepairRestoresThem() throws {
    let s = session(nodes: 5)
    runOK(s, ["shard use ring --replicas 3", "shard load 1000", "kill n1,n2"])
    // Nobody told the client: until it asks, it believes every copy is there. The checker's
    // subjects read the world's truth.
    XCTAssertEqual(s.sharding.shardHealth().healthy, 1000)
    XCTAssertEqual(s.run("expect shard.unreachable == 0 and shard.under > 0").status, .ok)
    let lab = try XCTUnwrap(s.sharding.shardLab)
    let key = try XCTUnwrap(lab.keys.first { lab.scheme.owner(of: $0) == NodeID(1) })
    let read = s.run("shard get \(key)").text
    XCTAssertTrue(read.contains("read a replica") && read.contains("asked n1 (no answer within 1s), then "), read)
    let drops = s.world.trace.ordered.filter { $0.kind == .drop && $0.node == NodeID(1) }
    XCTAssertFalse(drops.isEmpty, "the request to n1 was sent, and dropped there")
    let check = runOK(s, ["shard health"])
    XCTAssertTrue(check.hasPrefix("asked the nodes in 5 messages; no answer within 1s from n1, n2"), check)
    XCTAssertEqual(s.sharding.shardHealth().unreachable, 0)
    XCTAssertGreaterThan(s.sharding.shardHealth().underReplicated, 0, "now the client knows")
    runOK(s, ["shard repair"])
    XCTAssertEqual(s.run("expect shard.under == 0 and shard.healthy == 1000").status, .ok)
    let plain = session(nodes: 5)
    runOK(plain, ["shard use ring", "shard load 1000", "kill n1"])
    XCTAssertEqual(plain.sharding.shardHealth().unreachable, 0, "not known before asking")
    XCTAssertEqual(plain.run("expect shard.unreachable > 0").status, .ok)
    runOK(plain, ["shard health"])
    XCTAssertGreaterThan(plain.sharding.shardHealth().unreachable, 0)
  }

  /// A restarted node answers, but empty: a read that finds no copy there moves on at once,
  /// and the client forgets the copy.
  func testARestartedNodeAnswersThatItHasNoCopy() throws {
    let s = session(nodes: 4)
    runOK(s, ["shard use ring --replicas 2", "shard load 200"])
    let lab = try XCTUnwrap(s.sharding.shardLab)
    let key = try XCTUnwrap(lab.keys.first { lab.scheme.owner(of: $0) == NodeID(2) })
    runOK(s, ["restart n2"])
    let read = runOK(s, ["shard get \(key)"])
    XCTAssertTrue(read.contains("asked n2 (has no copy), then "), read)
    XCTAssertFalse(read.contains("no answer"), "n2 is up and answered at once: \(read)")
    XCTAssertEqual(s.sharding.shardLab?.copies(of: key).map(\.node).contains(NodeID(2)), false)
    let check = runOK(s, ["shard health"])
    XCTAssertTrue(check.contains("all answered") && check.contains("missing (emptied by a restart)"), check)
    XCTAssertEqual(s.run("expect shard.under > 0").status, .ok)
  }

  /// Each bad input is one line of error, and neither the world nor the lab changes.
  func testBadInputIsRefusedAndChangesNothing() {
    let empty = ShellSession()
    XCTAssertEqual(
      empty.run("shard use ring").text, "error: a scheme needs nodes: spawn some first (or name them with --nodes)")
    let s = session(nodes: 3)
    let cases: [(String, String)] = [
      ("shard use bogus", "unknown scheme 'bogus'"),
      ("shard use ring --replicas 4", "replication factor 4 needs at least 4 nodes (there are 3)"),
      ("shard use range --splits t,m", "range split points must increase"),
      ("shard use maglev --table-size 8", "Maglev table size must be prime: 8 is not (the next prime is 11)"),
      ("shard load 10", "no sharding scheme yet"),
      ("shard use ring --vnodes 0", "--vnodes must be between 1 and 10000"),
    ]
    for (line, message) in cases {
      let before = WorldFingerprint(s.world)
      let o = s.run(line)
      XCTAssertEqual(o.status, .error, line)
      XCTAssertTrue(o.text.contains(message), "\(line): \(o.text)")
      XCTAssertFalse(o.text.contains("\n"), line)
      XCTAssertEqual(WorldFingerprint(s.world), before, line)
      XCTAssertNil(s.sharding.shardLab, line)
    }
    runOK(s, ["shard use jump", "shard load 100"])
    let keys = s.sharding.shardLab?.keys.count
    XCTAssertEqual(s.run("shard use ring").status, .error)
    XCTAssertEqual(s.run("shard add n7").status, .error)
    XCTAssertEqual(s.run("shard remove n1 --raw").status, .error)
    XCTAssertEqual(s.sharding.shardLab?.keys.count, keys)
    XCTAssertEqual(s.sharding.shardLab?.scheme.nodes.count, 3)
  }

  func testWhereExplainsAndMapDraws() {
    let s = session(nodes: 3)
    runOK(s, ["shard use ring --vnodes 4", "shard put alice"])
    let w = s.run("shard where alice").text
    XCTAssertTrue(
      w.contains("ring position 0x") && w.contains("next point clockwise") && w.contains("copies written: n"), w)
    XCTAssertTrue(s.run("shard map").text.contains("max share / mean share"))
    XCTAssertTrue(s.run("shard compare --keys 500 --nodes 4").text.contains("MOVED +1 NODE"))
  }
}

/// `shard compare` fits 120 columns when the width is not known, and 80 on an 80-column
/// terminal.
final class ShardCompareWidthTests: XCTestCase {
  func testCompareFitsItsWidth() {
    for (columns, limit) in [(nil, 120), (80, 80), (120, 120)] as [(Int?, Int)] {
      let s = ShellSession(style: Style(colour: false, columns: columns))
      let out = runOK(s, ["shard compare --keys 2000 --nodes 10"])
      for line in out.split(separator: "\n") {
        XCTAssertLessThanOrEqual(TextWidth.of(String(line)), limit, "\(String(describing: columns)): \(line)")
      }
      XCTAssertTrue(out.contains("bounded"), out)
    }
  }

  /// Ctrl-C (or a time limit) stops a huge load while it places keys, within a few thousand
  /// keys, and leaves the lab as it was.
  func testALoadStopsWhenCancelledAndLoadsNothing() {
    let s = ShellSession()
    runOK(s, ["spawn 10", "shard use range --max-range-keys 2", "shard load 10"])
    let keys = s.sharding.shardLab?.keys.count
    let asked = Locked(0)
    s.cancel = {
      asked.withLock {
        $0 += 1
        return $0 > 3
      }
    }
    let stopped = s.run("shard load 1000000")
    XCTAssertEqual(stopped.status, .error)
    XCTAssertTrue(
      stopped.text.hasSuffix("interrupted after placing 1,023 of 1,000,000 keys; nothing was loaded"), stopped.text)
    XCTAssertEqual(s.sharding.shardLab?.keys.count, keys)
  }
}

extension ShardCommandTests {
  /// A cancel that answers true from its `n`th question on.
  func cancelAfter(_ n: Int) -> @Sendable () -> Bool {
    let asked = Locked(0)
    return {
      asked.withLock {
        $0 += 1
        return $0 >= n
      }
    }
  }

  /// Ctrl-C while a node's leaving is being worked out stops before any message and puts the
  /// lab back as it was: same nodes, same copies, and the next command works.
  func testANodeChangeStopsWhenCancelledAndChangesNothing() throws {
    let s = ShellSession()
    runOK(s, ["spawn 20", "shard use jump --replicas 2", "shard load 20000"])
    let before = try XCTUnwrap(s.sharding.shardLab)
    let sent = s.world.trace.stats.sent
    s.cancel = cancelAfter(1)
    let stopped = s.run("shard remove n3")
    XCTAssertEqual(stopped.status, .error)
    XCTAssertTrue(
      stopped.text.hasSuffix("interrupted while working out where copies go, before any message; nothing changed"),
      stopped.text)
    XCTAssertEqual(s.sharding.shardLab?.scheme.nodes, before.scheme.nodes)
    XCTAssertEqual(s.sharding.shardLab?.copies, before.copies)
    XCTAssertEqual(s.world.trace.stats.sent, sent, "no message left")
    s.cancel = { false }
    XCTAssertTrue(runOK(s, ["shard remove n3"]).contains("n3"))
  }

  /// A repair stops after its check, before it writes a copy; a comparison stops between schemes.
  func testARepairAndACompareStopWhenCancelled() {
    let s = ShellSession()
    runOK(s, ["spawn 20", "shard use ring --replicas 3", "shard load 20000", "kill n1"])
    s.cancel = cancelAfter(2)
    let repair = s.run("shard repair")
    XCTAssertEqual(repair.status, .error)
    XCTAssertTrue(
      repair.text.hasSuffix("before any copy was written; shard health shows what the check learned"), repair.text)
    XCTAssertGreaterThan(s.sharding.shardHealth().underReplicated, 0, "the check learned n1 is silent; nothing written")
    s.cancel = { false }
    runOK(s, ["shard repair"])
    XCTAssertEqual(s.sharding.shardHealth().underReplicated, 0)
    s.cancel = cancelAfter(3)
    let compare = s.run("shard compare --keys 200000 --nodes 100")
    XCTAssertEqual(compare.status, .error)
    XCTAssertTrue(
      compare.text.hasSuffix("interrupted before every scheme was compared; nothing is shown"), compare.text)
  }
}
