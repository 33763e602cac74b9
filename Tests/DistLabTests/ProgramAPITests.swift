import DistLab
import XCTest

/// A service that exercises the program API: calls to other nodes with continuations,
/// timers that fire once, repeat or are cancelled, memory and disk.
final class ProbeService: Service {
  var fired = 0
  var pendingTimer: TimerHandle?
  var memory: [String: Value] = [:]

  static let methods: [ServiceMethod<ProbeService>] = [
    ServiceMethod("relay", [ArgumentSpec("NODE", .int), ArgumentSpec("RETRIES", .int)], "asks n.add(1, 2) for you") {
      _, r, node in
      var options = CallOptions()
      options.timeout = .milliseconds(20)
      options.retries = Int(r.args[1].intValue ?? 0)
      node.call(NodeID(Int(r.args[0].intValue ?? 0)), "add", [.int(1), .int(2)], options: options) { node, result in
        switch result {
        case .value(let v): node.answer(r, .value(v))
        case .error(let e): node.answer(r, .error("relayed: \(e)"))
        case .timeout: node.answer(r, .error("relayed: timeout"))
        }
      }
      return .later
    },
    ServiceMethod("arm", [ArgumentSpec("DURATION", .duration)], "counts one firing after that long") { s, r, node in
      s.pendingTimer = node.after(Nanoseconds(r.args[0].intValue ?? 0)) { _ in s.fired += 1 }
      return .value([])
    },
    ServiceMethod("tick", [ArgumentSpec("DURATION", .duration)], "counts a firing every interval") { s, r, node in
      s.pendingTimer = node.every(Nanoseconds(r.args[0].intValue ?? 0)) { _ in s.fired += 1 }
      return .value([])
    },
    ServiceMethod("disarm", [], "cancels the last timer") { s, _, node in
      if let t = s.pendingTimer { node.cancel(t) }
      return .value([])
    },
    ServiceMethod("remember", [ArgumentSpec("KEY", .key), ArgumentSpec("VALUE", .value)], "in memory and on disk") {
      s, r, node in
      s.memory[r.key(0)] = r.args[1]
      node.disk[r.key(0)] = r.args[1]
      return .value([])
    },
    ServiceMethod("recall", [ArgumentSpec("KEY", .key)], "[memory, disk, incarnation]") { s, r, node in
      .value([s.memory[r.key(0)] ?? .null, node.disk[r.key(0)] ?? .null, .int(Int64(node.incarnation))])
    },
  ]

  func metrics() -> [(String, Double)] { [("fired", Double(fired))] }
}

final class ProgramAPITests: XCTestCase {
  static let roles = RoleCatalog.standard.adding(
    Role("probe", summary: "exercises the program API", services: { [ProbeService()] }))

  func world(singleThreaded: Bool = false, mode: WorldMode = .sim) throws -> World {
    var config = WorldConfig()
    config.seed = 11
    config.mode = mode
    config.singleThreaded = singleThreaded
    let world = World(config: config, roles: Self.roles)
    _ = try world.spawn(count: 1, roles: ["probe"])
    _ = try world.spawn(count: 1)
    return world
  }

  func value(_ world: World, _ method: String, _ args: [Value] = []) throws -> CallOutcome.Result {
    var options = CallOptions()
    options.timeout = .seconds(5)
    return try world.call(to: NodeID(1), method: method, args: args, options: options).result
  }

  func fired(_ world: World) throws -> Double { try world.summary(of: NodeID(1))?.metric("fired") ?? -1 }

  func testACallWithRetriesGetsThroughALossyLinkOnBothEngines() throws {
    var traces: [[String]] = []
    for singleThreaded in [false, true] {
      let world = try world(singleThreaded: singleThreaded)
      try world.setLoss(0.6, link: Link(NodeID(1), NodeID(2)))
      for _ in 0..<10 {
        XCTAssertEqual(try value(world, "relay", [.int(2), .int(60)]), .value([.int(3)]))
      }
      let notes = world.events(.note).filter { $0.node == NodeID(1) }.map(\.detail)
      let retried = notes.contains { if case .retry(_, 1) = $0 { true } else { false } }
      XCTAssertTrue(retried, "the loss cost at least one retry: \(notes)")
      let ids = notes.compactMap { d -> UInt32? in
        switch d {
        case .retry(let id, _), .gaveUp(let id, _): id
        default: nil
        }
      }
      XCTAssertTrue(ids.allSatisfy { CallLabel.label($0).hasPrefix("rpc#1.") }, "a program's calls are labelled apart")
      traces.append(render(world.trace))
    }
    assertSameLines(traces[0], traces[1], "sim vs reference")
  }

  func testACallThatNeverGetsThroughGivesUpAfterItsRetries() throws {
    let world = try world()
    try world.partition([[NodeID(1)], [NodeID(2)]])
    XCTAssertEqual(try value(world, "relay", [.int(2), .int(2)]), .error("relayed: timeout"))
    let notes = world.events(.note).filter { $0.node == NodeID(1) }.map(\.detail)
    let id = CallLabel.programID(incarnation: 1, count: 1)
    XCTAssertEqual(
      notes, [.retry(callID: id, attempt: 1), .retry(callID: id, attempt: 2), .gaveUp(callID: id, attempts: 3)])
    XCTAssertEqual(CallLabel.label(id), "rpc#1.1")
  }

  func testACancelledTimerNeverFires() throws {
    for singleThreaded in [false, true] {
      let world = try world(singleThreaded: singleThreaded)
      _ = try value(world, "arm", [.int(100_000_000)])
      _ = try value(world, "disarm")
      _ = try world.advance(by: .seconds(1))
      XCTAssertEqual(try fired(world), 0)
      XCTAssertTrue(world.events(.timer).isEmpty, "a cancelled timer leaves no trace")
      _ = try value(world, "arm", [.int(100_000_000)])
      _ = try world.advance(by: .seconds(1))
      XCTAssertEqual(try fired(world), 1, "the control: an armed timer fires once")
      XCTAssertEqual(world.events(.timer).count, 1)
    }
  }

  func testARepeatingTimerRepeatsUntilCancelled() throws {
    let world = try world()
    _ = try value(world, "tick", [.int(10_000_000)])
    _ = try world.advance(by: .milliseconds(95))
    // Set about 1 ms into the world (the call's trip there), it fires at 11, 21, … 91 ms.
    XCTAssertEqual(try fired(world), 9)
    _ = try value(world, "disarm")
    _ = try world.advance(by: .seconds(1))
    // The cancel reaches n1 at 96 ms, before the firing due at 101 ms: none after it.
    XCTAssertEqual(try fired(world), 9)
  }

  func testTheDiskSurvivesKillAndRestartAndMemoryDoesNot() throws {
    for mode in [WorldMode.sim, .live] {
      let world = try world(mode: mode)
      _ = try value(world, "remember", [.string("colour"), .string("blue")])
      XCTAssertEqual(
        try value(world, "recall", [.string("colour")]), .value([.string("blue"), .string("blue"), .int(1)]))
      _ = try world.kill([NodeID(1)])
      _ = try world.restart([NodeID(1)])
      XCTAssertEqual(
        try value(world, "recall", [.string("colour")]), .value([.null, .string("blue"), .int(2)]), "\(mode)")
      _ = try world.kill([NodeID(1)], wipe: true)
      _ = try world.restart([NodeID(1)])
      XCTAssertEqual(try value(world, "recall", [.string("colour")]), .value([.null, .null, .int(3)]), "\(mode)")
    }
  }

  /// Live mode keeps a node's timers on its own thread and asks the delay line to wake it for
  /// the earliest only: a timer set sooner than the one waiting still fires first and on time,
  /// a cancelled one never fires, and a restart forgets the timers of the old incarnation.
  func testLiveTimersFireInOrderSkipCancelledOnesAndDieWithARestart() throws {
    let world = try world(mode: .live)
    _ = try value(world, "arm", [.int(400_000_000)])
    _ = try value(world, "arm", [.int(20_000_000)])
    _ = try world.advance(by: .milliseconds(150))
    XCTAssertEqual(try fired(world), 1, "the sooner timer fired without waiting for the later one")
    _ = try value(world, "disarm")
    _ = try value(world, "arm", [.int(50_000_000)])
    _ = try world.kill([NodeID(1)])
    _ = try world.restart([NodeID(1)])
    _ = try world.advance(by: .milliseconds(500))
    XCTAssertEqual(try fired(world), 0, "a restarted node starts with no timers and no count")
    _ = try value(world, "arm", [.int(10_000_000)])
    _ = try value(world, "arm", [.int(30_000_000)])
    _ = try value(world, "disarm")
    _ = try world.advance(by: .milliseconds(200))
    XCTAssertEqual(try fired(world), 1, "of two, the cancelled one did not fire")
  }
}
