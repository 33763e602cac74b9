import DistLab
import Foundation
import XCTest

/// Sends in the background from the moment it starts: a burst to `target` every interval.
final class NoisyService: StartingService {
  static let methods: [ServiceMethod<NoisyService>] = []
  let target: NodeID
  let burst: Int
  init(target: NodeID, burst: Int) {
    self.target = target
    self.burst = burst
  }
  func start(_ node: ProgramNode) {
    node.every(.microseconds(200)) { node in
      for _ in 0..<self.burst { node.send(to: self.target, "noise") }
    }
  }
}

/// Counts, across incarnations and threads, how many messages its programs were handed.
final class Tally: Sendable {
  let count = Locked(0)
}

/// A program that counts every message it is handed into a shared tally.
final class CountingProgram: NodeProgram {
  let tally: Tally
  init(tally: Tally) { self.tally = tally }
  func receive(_ envelope: Envelope, context: NodeContext) { tally.count.withLock { $0 += 1 } }
  func timer(token: UInt64, context: NodeContext) {}
  func summary() -> NodeSummary { NodeSummary() }
}

/// Races in live mode between the shell's commands and nodes that keep sending.
final class LiveRaceTests: XCTestCase {
  func liveConfig() -> WorldConfig {
    var config = WorldConfig()
    config.mode = .live
    config.traceLimit = 1_000_000
    return config
  }

  /// A node sending in the background to a node that does not exist must not lend its
  /// messages' fates to the shell's: every `send` from cli to n1 is reported delivered.
  func testSendReportsOnlyItsOwnMessagesFates() throws {
    let noisy = Role("noisy", summary: "sends to no one", services: { [NoisyService(target: NodeID(99), burst: 20)] })
    let world = World(config: liveConfig(), roles: RoleCatalog.standard.adding(noisy))
    _ = try world.spawn(count: 1)
    _ = try world.spawn(count: 1, roles: ["noisy"])
    try world.setLatency(.fixed(.zero))
    var fates: [String: Int] = [:]
    // At least 300 sends, and on until the noise has really raced them (however busy the
    // machine is), up to 20,000.
    var i = 0
    while i < 300 || ((world.trace.stats.droppedBy[.noSuchNode] ?? 0) <= 100 && i < 20_000) {
      let out = try world.send(from: .client, to: NodeID(1), texts: ["m\(i)"])
      fates["\(out.messages[0].fate)".components(separatedBy: "(").first ?? "", default: 0] += 1
      i += 1
    }
    XCTAssertEqual(fates, ["delivered": i])
    XCTAssertGreaterThan(world.trace.stats.droppedBy[.noSuchNode] ?? 0, 100, "the noise really raced the sends")
  }

  /// Every message the trace records as delivered to a node was handed to a running
  /// program: a kill makes the node down for senders before its program is dropped.
  func testNothingIsRecordedAsDeliveredToAProgramThatIsGone() throws {
    let tally = Tally()
    let sink = Role("sink", summary: "counts what it is handed", program: { CountingProgram(tally: tally) })
    let noisy = Role("noisy", summary: "floods n1", services: { [NoisyService(target: NodeID(1), burst: 50)] })
    let world = World(config: liveConfig(), roles: RoleCatalog([sink, noisy]))
    _ = try world.spawn(count: 1)
    _ = try world.spawn(count: 2, roles: ["noisy"])
    try world.setLatency(.fixed(.zero))
    for _ in 0..<20 {
      Thread.sleep(forTimeInterval: 0.005)
      _ = try world.kill([NodeID(1)])
      Thread.sleep(forTimeInterval: 0.001)
      _ = try world.restart([NodeID(1)])
    }
    _ = try world.kill([NodeID(2), NodeID(3)])
    Thread.sleep(forTimeInterval: 0.05)
    let delivered = world.trace.ordered.filter { $0.kind == .deliver && $0.node == NodeID(1) }.count
    XCTAssertGreaterThan(delivered, 1000, "the flood reached n1")
    XCTAssertGreaterThan(world.trace.stats.droppedBy[.nodeDown] ?? 0, 0, "messages reached n1 while it was down")
    XCTAssertEqual(delivered, tally.count.withLock { $0 }, "deliveries recorded vs messages handed to a program")
  }
}

extension LiveRaceTests {
  /// In live mode the time `send` reports for a message is the time its delivery has in the
  /// trace: one reading of the clock serves both.
  func testSendAndTraceAgreeOnArrivalTimes() throws {
    let world = World(config: liveConfig())
    _ = try world.spawn(count: 2)
    try world.setLatency(.uniform(mean: .milliseconds(2), spread: .milliseconds(1)))
    let out = try world.send(from: NodeID(1), to: NodeID(2), texts: (1...20).map { "m\($0)" })
    let delivered = Dictionary(
      uniqueKeysWithValues: world.trace.ordered.filter { $0.kind == .deliver && $0.node == NodeID(2) }.compactMap { e in
        e.messageID.map { ($0, e.time) }
      })
    for m in out.messages {
      guard case .delivered(let at, _) = m.fate else { return XCTFail("\(m.fate)") }
      XCTAssertEqual(delivered[m.id], at, "m\(m.id)")
    }
  }
}
