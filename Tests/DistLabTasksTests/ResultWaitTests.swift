import DistLab
import DistLabTasks
import XCTest

/// Waiting for a result as Celery's `AsyncResult.get()` does on a Redis backend: the backend
/// tells the reader the moment a ready state is stored, a task that never gets there is given
/// up at the timeout with the state it has, and a dead backend answers nothing.
final class ResultWaitTests: XCTestCase {
  var world = World()
  var lab: TaskClient!

  override func setUpWithError() throws {
    world = World(config: WorldConfig(), roles: RoleCatalog(TaskRoles.all))
    lab = TaskClient(world: world)
    _ = try lab.start(workers: 1, settings: { WorkerSettings(broker: $0, backend: $1) }, cancel: { false })
  }

  func testTheReaderHearsOfTheResultWhenItIsStoredNotAtTheNextPoll() throws {
    let sent = try lab.send(
      "sleep", args: [.int(Nanoseconds.milliseconds(1234).value)], options: SendOptions(), cancel: { false })
    let (status, waited) = try lab.wait(sent.message.id, timeout: .seconds(10), cancel: { false })
    XCTAssertEqual(status?.state, .success)
    // The run's 1.234 s and a few one-millisecond hops: no half-second polling step.
    XCTAssertGreaterThan(waited, .milliseconds(1234))
    XCTAssertLessThan(waited, .milliseconds(1250))
  }

  func testATaskThatNeverFinishesIsGivenUpAtTheTimeoutWithItsState() throws {
    let sent = try lab.send(
      "sleep", args: [.int(Nanoseconds.seconds(60).value)], options: SendOptions(), cancel: { false })
    let (status, waited) = try lab.wait(sent.message.id, timeout: .seconds(2), cancel: { false })
    XCTAssertEqual(status?.state, .pending, "STARTED is not stored unless track_started is on")
    XCTAssertGreaterThanOrEqual(waited, .seconds(2))
    XCTAssertLessThan(waited, .milliseconds(2010))
    // A second reader, later, still gets the result once it is ready.
    let (later, _) = try lab.wait(sent.message.id, timeout: .seconds(120), cancel: { false })
    XCTAssertEqual(later?.state, .success)
  }

  func testADeadBackendAnswersNothing() throws {
    let sent = try lab.send("add", args: [.int(1), .int(2)], options: SendOptions(), cancel: { false })
    let backend = try XCTUnwrap(lab.backend)
    _ = try world.kill([backend])
    let (status, _) = try lab.wait(sent.message.id, timeout: .seconds(1), cancel: { false })
    XCTAssertNil(status)
  }

  /// `apply_async(…).get()`: subscribed as it publishes, the reader has the result one pass
  /// through broker, worker and backend after sending, and a refused task has no result.
  func testSendAndWaitReturnsTheResultOfTheTaskItSent() throws {
    let run = try lab.sendAndWait(
      "add", args: [.int(20), .int(22)], options: SendOptions(), timeout: .seconds(5), cancel: { false })
    XCTAssertNil(run.sent.refusal)
    XCTAssertEqual(run.status?.state, .success)
    XCTAssertEqual(run.status?.result, .int(42))
    XCTAssertLessThan(world.now, .milliseconds(20))
    let broker = try XCTUnwrap(lab.broker)
    _ = try world.kill([broker])
    let lost = try lab.sendAndWait(
      "add", args: [.int(1), .int(1)], options: SendOptions(), timeout: .seconds(1), cancel: { false })
    XCTAssertNotNil(lost.sent.refusal, "a dead broker does not accept the task")
    XCTAssertEqual(lost.status?.state, .pending, "and the backend never hears of it")
  }
}
