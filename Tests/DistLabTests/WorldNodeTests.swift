import DistLab
import XCTest

/// Nodes: spawning, naming, killing, restarting, pausing — and refusals that change nothing.
final class WorldNodeTests: XCTestCase {
  // MARK: Spawning

  func testSpawnNamesNodesInOrder() throws {
    let world = try makeWorld()
    let made = try world.spawn(count: 3)
    XCTAssertEqual(made.map(\.name), ["n1", "n2", "n3"])
    XCTAssertEqual(made.map(\.id), [NodeID(1), NodeID(2), NodeID(3)])
    XCTAssertEqual(Set(made.map(\.status)), [.up])
    XCTAssertEqual(Set(made.map(\.incarnation)), [1])
    let more = try world.spawn(count: 2)
    XCTAssertEqual(more.map(\.name), ["n4", "n5"])
    XCTAssertEqual(world.allNodes.map(\.name), ["n1", "n2", "n3", "n4", "n5"])
    XCTAssertEqual(world.node(named: "n4")?.id, NodeID(4))
    XCTAssertNil(world.node(named: "n6"))
    XCTAssertEqual(world.events(.spawn).map(\.node), (1...5).map(NodeID.init))
  }

  func testSpawnWithNamesRolesAndRegion() throws {
    let worker = Role("worker", summary: "a standard node by another name", services: { [CoreService()] })
    let world = World(roles: RoleCatalog.standard.adding(worker))
    let made = try world.spawn(count: 0, names: ["db", "Zürich_2", "web-1"], roles: ["worker"], region: "eu-central")
    XCTAssertEqual(made.map(\.name), ["db", "Zürich_2", "web-1"])
    for info in made {
      XCTAssertEqual(info.roles, ["worker"])
      XCTAssertEqual(info.region, "eu-central")
      XCTAssertEqual(world.network.placement[info.id], "eu-central")
    }
    XCTAssertEqual(world.name(of: made[1].id), "Zürich_2")
    XCTAssertEqual(world.name(of: .client), "cli")
    XCTAssertEqual(world.methods(of: made[0].id).map(\.name), ["add", "echo", "sleep", "fail"])
    let refused = assertRefused(try world.spawn(count: 1, roles: ["wroker"]))
    XCTAssertEqual(refused, .unknownRole("wroker", known: ["standard", "worker"]))
    XCTAssertEqual(world.allNodes.count, 3, "a refused spawn spawns nothing")
  }

  func testSpawningBeyondTheCapIsRefusedAndChangesNothing() throws {
    let world = try makeWorld()
    try world.setMaxNodes(3)
    _ = try world.spawn(count: 2)
    let before = world.snapshot
    let error = assertRefused(try world.spawn(count: 2))
    XCTAssertEqual(error, .overCap(spawning: 2, total: 4, cap: 3))
    assertRefused(try world.spawn(count: 0, names: ["a", "b"]))
    XCTAssertEqual(world.snapshot, before)
    XCTAssertEqual(try world.spawn(count: 1).map(\.name), ["n3"], "up to the cap is fine")
    assertRefused(try world.spawn(count: 1))
  }

  func testTheCapCannotGoBelowTheNodesThereAre() throws {
    let world = try makeWorld(nodes: 3)
    assertRefused(try world.setMaxNodes(2))
    assertRefused(try world.setMaxNodes(0))
    XCTAssertEqual(world.config.maxNodes, WorldConfig().maxNodes)
    try world.setMaxNodes(3)
    XCTAssertEqual(world.config.maxNodes, 3)
  }

  func testSpawningNothingIsRefused() throws {
    let world = try makeWorld()
    assertRefused(try world.spawn(count: 0))
    assertRefused(try world.spawn(count: -1))
    XCTAssertEqual(world.allNodes.count, 0)
  }

  func testInvalidNamesAreRefusedAndNothingIsSpawned() throws {
    let world = try makeWorld(nodes: 1)
    let before = world.snapshot
    let bad = [
      "", "9lives", "-x", "has space", "dot.ted", "all", "cli", "none", "up", "down", "paused",
      String(repeating: "a", count: 33), "emoji🙂",
    ]
    for name in bad {
      assertRefused(try world.spawn(count: 0, names: [name]), "'\(name)'")
      // Even next to a good name: all or nothing.
      assertRefused(try world.spawn(count: 0, names: ["good", name]), "'good', '\(name)'")
    }
    XCTAssertEqual(world.snapshot, before)
    XCTAssertNil(world.node(named: "good"))
    XCTAssertTrue(World.isValidName(String(repeating: "a", count: 32)))
  }

  func testDuplicateNamesAreRefusedAndNothingIsSpawned() throws {
    let world = try makeWorld(nodes: 2)
    let before = world.snapshot
    assertRefused(try world.spawn(count: 0, names: ["n1"]), "an existing name")
    assertRefused(try world.spawn(count: 0, names: ["x", "y", "x"]), "twice in one spawn")
    assertRefused(try world.spawn(count: 0, names: ["z", "n2"]), "an existing name after a new one")
    XCTAssertEqual(world.snapshot, before)
  }

  func testAnUnknownRegionIsRefused() throws {
    let world = try makeWorld()
    assertRefused(try world.spawn(count: 2, region: "atlantis"))
    XCTAssertEqual(world.allNodes.count, 0)
  }

  /// Default names skip names the user has taken; they must never give two nodes one name.
  func testDefaultNamesNeverCollideWithChosenNames() throws {
    let world = try makeWorld()
    _ = try world.spawn(count: 0, names: ["n3", "node3"])
    _ = try world.spawn(count: 2)
    let names = world.allNodes.map(\.name)
    XCTAssertEqual(Set(names).count, names.count, "duplicate names: \(names)")
    for info in world.allNodes { XCTAssertEqual(world.node(named: info.name)?.id, info.id, info.name) }
  }

  /// A lab polls one figure of a node without taking its summary: the same number, and none
  /// from a node that is down, in sim and live mode alike.
  func testAMetricIsTheSummarysFigureAskedAlone() throws {
    for mode in [WorldMode.sim, .live] {
      let world = try makeWorld(mode: mode, nodes: 2)
      let (n1, n2) = (world.id("n1"), world.id("n2"))
      _ = try world.send(from: n1, to: n2, texts: ["a", "b", "c"])
      XCTAssertEqual(try world.metric("received", of: n2), 3, "\(mode)")
      XCTAssertEqual(try world.metric("received", of: n2), try world.summary(of: n2)?.metric("received"), "\(mode)")
      XCTAssertNil(try world.metric("no such figure", of: n2), "\(mode)")
      _ = try world.kill([n2])
      XCTAssertNil(try world.metric("received", of: n2), "\(mode): a down node reports nothing")
      XCTAssertThrowsError(try world.metric("received", of: NodeID(99)), "\(mode): no such node")
      world.reset()
    }
  }

  // MARK: Kill and restart

  func testKillTakesANodeDownAndItsMemoryWithIt() throws {
    let world = try makeWorld(nodes: 2)
    let n1 = world.id("n1")
    XCTAssertNotNil(try world.summary(of: n1))
    let killed = try world.kill([n1])
    XCTAssertEqual(killed.map(\.status), [.down])
    XCTAssertEqual(world.info(n1)?.status, .down)
    XCTAssertNil(try world.summary(of: n1))
    XCTAssertEqual(world.info(world.id("n2"))?.status, .up, "only n1")
    XCTAssertEqual(world.events(.kill).map(\.node), [n1])
  }

  func testKillRefusalsChangeNothing() throws {
    let world = try makeWorld(nodes: 2)
    let (n1, n2) = (world.id("n1"), world.id("n2"))
    _ = try world.kill([n2])
    let before = world.snapshot
    assertRefused(try world.kill([n1, NodeID(9)]), "an unknown node")
    assertRefused(try world.kill([n1, n2]), "n2 is already down")
    assertRefused(try world.kill([.client]), "the shell is not a node")
    XCTAssertEqual(world.snapshot, before)
    XCTAssertEqual(world.info(n1)?.status, .up)
  }

  func testAMessageToAKilledNodeIsDropped() throws {
    let world = try makeWorld(nodes: 1)
    _ = try world.kill([world.id("n1")])
    XCTAssertEqual(
      try world.send(from: .client, to: world.id("n1"), texts: ["x"]).messages[0].fate, .dropped(reason: .nodeDown))
  }

  /// A down node has no running program: nothing can leave it. The world may refuse the
  /// command or let the message die, but it must not deliver a message from the dead.
  func testADownNodeCannotSendOrCall() throws {
    let world = try makeWorld(nodes: 2)
    let (n1, n2) = (world.id("n1"), world.id("n2"))
    _ = try world.kill([n1])
    do {
      let out = try world.send(from: n1, to: n2, texts: ["from beyond"])
      XCTAssertEqual(out.messages.map(\.fate), [.dropped(reason: .nodeDown)], "a message left a down node")
    } catch {
      XCTAssertEqual(error, .silentSender(name: "n1", status: .down))
    }
    XCTAssertEqual(try world.summary(of: n2)?.received, 0)
    var options = CallOptions()
    options.timeout = .milliseconds(50)
    do {
      let out = try world.call(from: n1, to: n2, method: "kv.incr", args: [.string("c")], options: options)
      XCTAssertEqual(out.result, .timeout)
    } catch {
      XCTAssertEqual(error, .silentSender(name: "n1", status: .down))
    }
    XCTAssertEqual(world.events(.exec).count, 0, "n2 ran a call made by a down node")
    XCTAssertEqual(try world.summary(of: n2)?.kv, [:])
  }

  func testRestartBringsAFreshIncarnationWithEmptyMemory() throws {
    let world = try makeWorld(nodes: 1)
    let n1 = world.id("n1")
    XCTAssertEqual(try world.call(to: n1, method: "kv.put", args: [.string("k"), .int(7)]).result, .value([.null]))
    XCTAssertEqual(try world.call(to: n1, method: "kv.get", args: [.string("k")]).result, .value([.int(7)]))
    _ = try world.send(from: .client, to: n1, texts: ["remember me"])
    _ = try world.kill([n1])
    let restarted = try world.restart([n1])
    XCTAssertEqual(restarted.map(\.incarnation), [2])
    XCTAssertEqual(restarted.map(\.status), [.up])
    XCTAssertEqual(try world.call(to: n1, method: "kv.get", args: [.string("k")]).result, .value([.null]))
    let summary = try XCTUnwrap(try world.summary(of: n1))
    XCTAssertEqual(summary.keys, 0)
    XCTAssertEqual(summary.lastMessages, [])
    XCTAssertEqual(summary.received, 1, "only the kv.get since the restart")
    XCTAssertEqual(world.events(.restart).map(\.detail), [.incarnation(2)])
  }

  func testRestartingAnUpNodeKillsItFirst() throws {
    let world = try makeWorld(nodes: 1)
    let n1 = world.id("n1")
    _ = try world.call(to: n1, method: "kv.put", args: [.string("k"), .int(1)])
    XCTAssertEqual(try world.restart([n1]).map(\.incarnation), [2])
    XCTAssertEqual(try world.restart([n1]).map(\.incarnation), [3])
    XCTAssertEqual(try world.summary(of: n1)?.keys, 0)
    XCTAssertEqual(world.events(.kill).count, 2)
    assertRefused(try world.restart([NodeID(2)]))
  }

  func testARestartedNodeForgetsTheTimersOfItsPastLife() throws {
    let world = try makeWorld(nodes: 1)
    let n1 = world.id("n1")
    var options = CallOptions()
    options.timeout = .milliseconds(100)
    // n1 sets a 500 ms timer to answer; the caller gives up first.
    let out = try world.call(to: n1, method: "sleep", args: [.int(500_000_000)], options: options)
    XCTAssertEqual(out.result, .timeout)
    _ = try world.restart([n1])
    let sendsBefore = world.events(.send).count
    _ = try world.advance(by: .seconds(1))
    XCTAssertEqual(world.events(.timer).count, 0, "the old timer never fires")
    XCTAssertEqual(world.events(.send).count, sendsBefore, "the new incarnation sends no reply")
  }

  // MARK: Pause and resume

  func testAPausedNodeHoldsMessagesUntilItResumes() throws {
    let world = try makeWorld(nodes: 1)
    let n1 = world.id("n1")
    XCTAssertEqual(try world.pause([n1]).map(\.status), [.paused])
    let out = try world.send(from: .client, to: n1, texts: ["one", "two"])
    XCTAssertEqual(out.messages.map(\.fate), [.inFlight, .inFlight])
    XCTAssertEqual(out.arrivalOrder, [])
    _ = try world.advance(by: .seconds(5))
    XCTAssertEqual(try world.summary(of: n1)?.received, 0, "still paused after 5 s")
    XCTAssertEqual(world.events(.deliver).count, 0)
    XCTAssertEqual(try world.resume([n1]).map(\.status), [.up])
    _ = try world.advance(by: .zero)
    XCTAssertEqual(try world.summary(of: n1)?.lastMessages, ["one", "two"], "in the order they came")
    let delivered = world.events(.deliver)
    XCTAssertEqual(delivered.map(\.messageID), out.messages.map(\.id))
    // They were held from 1 ms; the 5 s advance ended at 5.001 s, where they are handled.
    XCTAssertEqual(delivered.map(\.time), [.milliseconds(5001), .milliseconds(5001)])
    XCTAssertEqual(world.now, .milliseconds(5001))
  }

  func testAPausedNodeKeepsItsMemory() throws {
    let world = try makeWorld(nodes: 1)
    let n1 = world.id("n1")
    _ = try world.call(to: n1, method: "kv.put", args: [.string("k"), .string("v")])
    _ = try world.pause([n1])
    XCTAssertNotNil(try world.summary(of: n1))
    _ = try world.resume([n1])
    XCTAssertEqual(try world.call(to: n1, method: "kv.get", args: [.string("k")]).result, .value([.string("v")]))
  }

  func testACallToAPausedNodeRunsWhenItResumes() throws {
    let world = try makeWorld(nodes: 1)
    let n1 = world.id("n1")
    _ = try world.pause([n1])
    var options = CallOptions()
    options.timeout = .milliseconds(50)
    let out = try world.call(to: n1, method: "kv.incr", args: [.string("c")], options: options)
    XCTAssertEqual(out.result, .timeout)
    XCTAssertEqual(world.events(.exec).count, 0)
    _ = try world.resume([n1])
    _ = try world.advance(by: .milliseconds(10))
    XCTAssertEqual(world.events(.exec).count, 1, "the held request runs late")
    XCTAssertEqual(try world.call(to: n1, method: "kv.get", args: [.string("c")]).result, .value([.int(1)]))
  }

  func testKillingAPausedNodeDropsWhatItHeld() throws {
    let world = try makeWorld(nodes: 1)
    let n1 = world.id("n1")
    _ = try world.pause([n1])
    let out = try world.send(from: .client, to: n1, texts: ["x"])
    _ = try world.kill([n1])
    let drops = world.events(.drop)
    XCTAssertEqual(drops.map(\.messageID), [out.messages[0].id])
    XCTAssertEqual(drops.map(\.detail), [.dropped(.nodeDown)])
    _ = try world.restart([n1])
    _ = try world.advance(by: .seconds(1))
    XCTAssertEqual(try world.summary(of: n1)?.received, 0, "the new incarnation never sees it")
  }

  func testPauseAndResumeRefusalsChangeNothing() throws {
    let world = try makeWorld(nodes: 3)
    let (n1, n2, n3) = (world.id("n1"), world.id("n2"), world.id("n3"))
    _ = try world.pause([n2])
    _ = try world.kill([n3])
    let before = world.snapshot
    assertRefused(try world.resume([n1]), "n1 is up, not paused")
    assertRefused(try world.resume([n2, n1]), "n1 is not paused")
    assertRefused(try world.resume([n3]), "n3 is down")
    assertRefused(try world.pause([n1, n2]), "n2 is already paused")
    assertRefused(try world.pause([n3]), "n3 is down")
    assertRefused(try world.pause([NodeID(4)]), "no such node")
    XCTAssertEqual(world.snapshot, before)
    XCTAssertEqual(world.allNodes.map(\.status), [.up, .paused, .down])
  }

  // MARK: Starting over

  func testResetStartsOverWithTheSameSeed() throws {
    let world = try makeWorld(seed: 77, nodes: 3)
    _ = try world.send(from: .client, to: world.id("n1"), texts: ["x"])
    _ = try world.advance(by: .seconds(1))
    world.reset()
    XCTAssertEqual(world.allNodes.count, 0)
    XCTAssertEqual(world.now, .zero)
    XCTAssertEqual(world.trace.totalRecorded, 0)
    XCTAssertEqual(world.pendingEvents, 0)
    XCTAssertEqual(world.seed, 77)
    XCTAssertEqual(try world.spawn(count: 1).map(\.name), ["n1"])
  }
}
