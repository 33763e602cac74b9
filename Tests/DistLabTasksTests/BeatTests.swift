import DistLab
import DistLabTasks
import XCTest

/// Celery beat: one beat publishes each entry once per period; a second beat doubles them;
/// crontab fields mean what Celery's do.
final class BeatTests: XCTestCase {
  func lab(workers: Int = 2) throws -> (World, TaskClient) {
    let world = World(config: WorldConfig(), roles: RoleCatalog(TaskRoles.all))
    let lab = TaskClient(world: world)
    _ = try lab.start(workers: workers, settings: { WorkerSettings(broker: $0, backend: $1) }, cancel: { false })
    return (world, lab)
  }

  func testOneBeatPublishesEachPeriodOnceAndTwoBeatsTwice() throws {
    for beats in [1, 2] {
      let (world, lab) = try lab()
      _ = try lab.startBeat(force: false, cancel: { false })
      if beats == 2 {
        XCTAssertThrowsError(try lab.startBeat(force: false, cancel: { false })) { e in
          XCTAssertEqual(e as? TaskLabError, .beatRunning(lab.beats[0]))
        }
        _ = try lab.startBeat(force: true, cancel: { false })
      }
      _ = try lab.setEntry(
        BeatEntry(name: "tick", task: "add", args: [.int(1), .int(1)], schedule: .every(.seconds(10))),
        cancel: { false })
      _ = try world.advance(by: .seconds(65))
      let ledger = TaskLedger(world.trace)
      XCTAssertEqual(ledger.beatSent["tick"], 6 * beats, "\(beats) beat(s) over 65 s at one run each 10 s")
      XCTAssertEqual(ledger.starts.count, 6 * beats, "every published run ran, each its own id")
      XCTAssertEqual(ledger.duplicates, 0)
    }
  }

  /// An entry missed while its beat was down runs once, at once, when it comes back (the
  /// schedule file on its disk remembers the last run).
  func testARestartedBeatRunsAMissedEntryOnce() throws {
    let (world, lab) = try lab()
    let beat = try lab.startBeat(force: false, cancel: { false }).id
    _ = try lab.setEntry(
      BeatEntry(name: "tick", task: "add", args: [.int(1), .int(1)], schedule: .every(.seconds(10))),
      cancel: { false })
    _ = try world.advance(by: .seconds(15))
    _ = try world.kill([beat])
    _ = try world.advance(by: .seconds(60))
    XCTAssertEqual(TaskLedger(world.trace).beatSent["tick"], 1)
    _ = try world.restart([beat])
    _ = try world.advance(by: .seconds(1))
    XCTAssertEqual(TaskLedger(world.trace).beatSent["tick"], 2, "the missed runs collapse into one")
    _ = try world.advance(by: .seconds(10))
    XCTAssertEqual(TaskLedger(world.trace).beatSent["tick"], 3)
  }

  func testCrontabFieldsAreCelerys() throws {
    let minute: Int64 = 60_000_000_000
    // 1970-01-01 was a Thursday (day_of_week 4).
    let quarter = try Crontab(parsing: "minute=*/15")
    XCTAssertEqual(quarter.next(after: .zero), Nanoseconds(15 * minute))
    let monday = try Crontab(parsing: "minute=30,hour=7,day_of_week=mon")
    XCTAssertEqual(monday.next(after: .zero), Nanoseconds((4 * 1440 + 7 * 60 + 30) * minute), "Monday 5 January, 07:30")
    let both = try Crontab(parsing: "minute=0,hour=0,day_of_month=1,day_of_week=sun")
    // The first 1st of a month that is a Sunday after 1970-01-01: 1 February 1970.
    XCTAssertEqual(both.next(after: .zero), Nanoseconds(31 * 1440 * minute), "both day fields must match")
    let list = try Crontab(parsing: "minute=0;30,hour=9-17/4")
    XCTAssertEqual(list.next(after: .zero), Nanoseconds(9 * 60 * minute))
    XCTAssertEqual(list.next(after: Nanoseconds(9 * 60 * minute)), Nanoseconds((9 * 60 + 30) * minute))
    XCTAssertThrowsError(try Crontab(parsing: "minute=60")) { e in
      XCTAssertEqual(e as? Crontab.Problem, .outOfRange(field: .minute, value: 60))
    }
    XCTAssertThrowsError(try Crontab(parsing: "hours=1")) { e in
      XCTAssertEqual(e as? Crontab.Problem, .unknownField("hours=1"))
    }
    XCTAssertThrowsError(try Crontab(parsing: "day_of_month=31,month_of_year=feb")) { e in
      XCTAssertEqual(e as? Crontab.Problem, .nothingMatches)
    }
    XCTAssertThrowsError(try Crontab(parsing: "minute=*/0"))
    XCTAssertThrowsError(try Crontab(parsing: "minute=5-2"))
  }
}
