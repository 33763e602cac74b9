import DistLab
import XCTest

@testable import DistLabShell

/// The task lab as a student types it: every refusal is one line that names the fix and
/// leaves the world alone, and the views fit the terminal.
final class TaskCommandTests: XCTestCase {
  func refusal(_ s: ShellSession, _ line: String) -> String {
    let before = WorldFingerprint(s.world)
    let out = s.run(line)
    XCTAssertEqual(out.status, .error, line)
    XCTAssertEqual(WorldFingerprint(s.world), before, "a refused line changed the world: \(line)")
    return out.text
  }

  /// A name already in use refuses the whole start: no broker is left behind without its backend.
  func testAStartRefusedForATakenNameSpawnsNothing() {
    let s = ShellSession()
    runOK(s, ["spawn 1 --name backend"])
    XCTAssertTrue(refusal(s, "task start").contains("backend"))
    XCTAssertEqual(s.world.allNodes.count, 1)
    runOK(s, ["kill backend"])
    XCTAssertTrue(refusal(s, "task send add 1 2").contains("no broker yet"))
  }

  func testBadInputIsRefusedWithTheFix() {
    let s = ShellSession()
    XCTAssertEqual(
      refusal(s, "task send add 1 2"),
      "error: no broker yet: 'task start' starts a broker, a result backend and workers")
    runOK(s, ["task start"])
    XCTAssertEqual(
      refusal(s, "task send addd 1 2"),
      "error: unknown task 'addd' (did you mean 'add'?) (one of: add, mul, sleep, fail, flaky, crash, charge, fib, xsum, wordcount)"
    )
    XCTAssertEqual(refusal(s, "task send add 1"), "error: add takes 2 arguments (add X Y), not 1")
    XCTAssertEqual(
      refusal(s, "task send add x 2"), "error: add: argument 1 (X) must be a whole number, not a string")
    XCTAssertEqual(
      refusal(s, "task send add 1 2 --countdown -5s"),
      "error: --countdown must be a duration like 250ms, 2s or 1m, not '-5s'")
    XCTAssertEqual(
      refusal(s, "task worker --rate-limit add=10/x"),
      "error: a rate limit looks like 10/s, 10/m or 10/h (at most 1000000), not '10/x'")
    XCTAssertEqual(
      refusal(s, "beat add x add 1 1 --crontab minute=60"), "error: minute 60 is out of range (0 to 59)")
    XCTAssertEqual(
      refusal(s, "task status T7"), "error: no task 'T7' was sent from this shell ('task list' shows them)")
    XCTAssertEqual(
      refusal(s, "task start"), "error: the task lab already runs; 'task worker' adds workers, 'reset' starts over")
    XCTAssertEqual(
      refusal(s, "task chord add 1 1 | add 2 2"), "error: a chord needs its body: --body TASK (such as --body xsum)")
  }

  /// A publish the broker does not answer is reported as not accepted, never silently dropped.
  func testAPublishToAPartitionedBrokerIsNotAccepted() {
    let s = ShellSession()
    runOK(s, ["task start", "net partition broker | cli,backend,w1,w2"])
    let out = runOK(s, ["task send add 1 2"])
    XCTAssertEqual(
      out, "T1 add(1, 2) was not accepted: the broker did not answer within 1s; it may or may not have queued it")
    XCTAssertEqual(s.tasks.sent.count, 1, "the id was used: the message may have arrived")
  }

  func testTheTimelineShowsRepeatsAndKilledRunsAndFitsEightyColumns() {
    let s = ShellSession(style: Style(colour: false, columns: 80))
    runOK(
      s,
      [
        "task start --workers 1 --acks-late --visibility-timeout 1m --restore-interval 1s --restore-throttle 1",
        "task send sleep 20s", "advance 5s", "kill w1",
        "task worker --acks-late --visibility-timeout 1m --restore-interval 1s --restore-throttle 1", "advance 90s",
      ])
    let out = runOK(s, ["task timeline"])
    let lines = out.split(separator: "\n").map(String.init)
    for line in lines { XCTAssertLessThanOrEqual(TextWidth.of(line), 80, line) }
    XCTAssertTrue(lines.contains { $0.hasPrefix("w1.1 │T1") && $0.hasSuffix("‖") }, out)
    XCTAssertTrue(lines.contains { $0.hasPrefix("w2.1 │") && $0.contains("T1═") }, out)
    XCTAssertEqual(lines.last, "2 runs of 1 task, 1 repeated, 1 cut short by a killed worker")
    XCTAssertEqual(runOK(ShellSession(), ["task timeline"]), "(no task has run yet)")
  }
}

extension TaskCommandTests {
  /// Settings that would flood the world with events, and waits longer than advance allows,
  /// are refused; a duration past the horizon says so.
  func testFloodingSettingsAreRefused() {
    let s = ShellSession()
    runOK(s, ["task start", "task send add 1 1"])
    XCTAssertEqual(refusal(s, "task worker --restore-interval 1ns"), "error: --restore-interval is at least 10ms")
    XCTAssertEqual(refusal(s, "beat add x add 1 1 --every 1ns"), "error: --every is at least 100ms")
    XCTAssertEqual(refusal(s, "task wait T1 --timeout 1000h"), "error: --timeout is at most 24h, as advance is")
    XCTAssertEqual(
      refusal(s, "task send sleep 876001h"),
      "error: sleep: argument 1 (DURATION) runs past the world's horizon, 100 years (876000h)")
    XCTAssertEqual(refusal(s, "task send xsum 1"), "error: xsum: argument 1 (NUMBERS) must be a list, not an int")
  }
}

extension TaskCommandTests {
  /// A crontab schedule makes the beat table too wide for 80 columns: the schedules go under it.
  func testTheBeatListFitsEightyColumns() {
    let s = ShellSession(style: Style(colour: false, columns: 80))
    runOK(
      s,
      [
        "task start", "beat start",
        "beat add nightly-report wordcount \"a b c\" --crontab minute=0,hour=2,day_of_week=mon-fri",
      ])
    let out = runOK(s, ["beat list"])
    for line in out.split(separator: "\n") { XCTAssertLessThanOrEqual(TextWidth.of(String(line)), 80, String(line)) }
    XCTAssertTrue(out.hasSuffix("nightly-report: on crontab(minute=0, hour=2, day_of_week=mon-fri)"), out)
  }
}
