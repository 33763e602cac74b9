import DistLab
import DistLabTasks
import XCTest

/// Celery's canvas: a chain passes each result on and stops at a failure, leaving the rest
/// PENDING; a chord runs its body once, with every header result, and fails it when a header
/// task fails.
final class CanvasTests: XCTestCase {
  var world = World()
  var lab: TaskClient!

  override func setUpWithError() throws {
    world = World(config: WorldConfig(), roles: RoleCatalog(TaskRoles.all))
    lab = TaskClient(world: world)
    _ = try lab.start(workers: 2, settings: { WorkerSettings(broker: $0, backend: $1) }, cancel: { false })
  }

  typealias Sig = TaskClient.Signature

  func state(_ id: String) throws -> TaskStatus? { try lab.status(id, cancel: { false }) }

  func testAChainPassesEachResultOn() throws {
    let sent = try lab.sendCanvas(
      .chain, [Sig("add", [.int(2), .int(2)]), Sig("mul", [.int(10)]), Sig("add", [.int(1)])], body: nil,
      options: SendOptions(), cancel: { false })
    XCTAssertEqual(sent.count, 1, "only the first link is published; each worker sends the next")
    _ = try world.advance(by: .seconds(1))
    XCTAssertEqual(try state("T3")?.result, .int(41), "(2 + 2) × 10 + 1")
    XCTAssertEqual(try state("T2")?.result, .int(40))
  }

  func testAChainWhoseFirstLinkFailsLeavesTheRestPending() throws {
    _ = try lab.sendCanvas(
      .chain, [Sig("fail", []), Sig("add", [.int(1)]), Sig("add", [.int(2)])], body: nil, options: SendOptions(),
      cancel: { false })
    _ = try world.advance(by: .seconds(5))
    XCTAssertEqual(try state("T1")?.state, .failure)
    XCTAssertEqual(try state("T2")?.state, .pending)
    XCTAssertEqual(try state("T3")?.state, .pending)
    XCTAssertNil(TaskLedger(world.trace).starts["T2"], "never sent, never run")
  }

  func testAChordRunsItsBodyOnceWithEveryResult() throws {
    let header = (1...5).map { Sig("add", [.int(Int64($0)), .int(Int64($0))]) }
    let sent = try lab.sendCanvas(.chord, header, body: Sig("xsum", []), options: SendOptions(), cancel: { false })
    XCTAssertEqual(sent.count, 5)
    _ = try world.advance(by: .seconds(2))
    XCTAssertEqual(try state("T6")?.result, .int(30), "2 + 4 + 6 + 8 + 10")
    XCTAssertEqual(TaskLedger(world.trace).starts["T6"], 1, "the body runs once")
  }

  func testAChordWithAFailedHeaderFailsItsBody() throws {
    _ = try lab.sendCanvas(
      .chord, [Sig("add", [.int(1), .int(1)]), Sig("fail", [])], body: Sig("xsum", []), options: SendOptions(),
      cancel: { false })
    _ = try world.advance(by: .seconds(2))
    let body = try XCTUnwrap(state("T3"))
    XCTAssertEqual(body.state, .failure)
    XCTAssertEqual(body.error, "ChordError: Dependency T2 raised ValueError: fail always fails")
    XCTAssertNil(TaskLedger(world.trace).starts["T3"])
  }

  func testCanvasSignaturesAreChecked() throws {
    XCTAssertThrowsError(
      try lab.sendCanvas(
        .chain, [Sig("add", [.int(1), .int(1)]), Sig("mul", [.int(1), .int(2)])], body: nil, options: SendOptions(),
        cancel: { false })
    ) { e in XCTAssertEqual(e as? TaskLabError, .arguments(task: "mul", .count(given: 3))) }
    XCTAssertThrowsError(
      try lab.sendCanvas(
        .chord, [Sig("add", [.int(1), .int(1)])], body: Sig("nope", []), options: SendOptions(),
        cancel: { false })
    ) { e in XCTAssertEqual(e as? TaskLabError, .unknownTask("nope")) }
    XCTAssertTrue(lab.sent.isEmpty, "nothing is sent when a signature is wrong")
  }
}
