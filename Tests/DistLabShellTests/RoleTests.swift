import DistLab
import XCTest

@testable import DistLabShell

/// A role plugs in without touching the shell: the counter role (CounterRole.swift) is added
/// to a catalogue, and spawn, rpc, help, completion, nodes and expect all find it.
final class RoleTests: XCTestCase {
  func counterSession() -> ShellSession {
    ShellSession(roles: RoleCatalog.builtIn.adding(CounterService.role))
  }

  func testACounterRoleIsSpawnedCalledListedAndCompleted() {
    let s = counterSession()
    runOK(s, ["spawn 2 --role counter", "spawn 1"])
    XCTAssertEqual(s.world.allNodes.map(\.roles), [["counter"], ["counter"], []])
    XCTAssertTrue(runOK(s, ["rpc n1 counter.add 5"]).hasPrefix("n1.counter.add(5) = 5"))
    XCTAssertTrue(runOK(s, ["rpc n1 counter.add 2"]).hasPrefix("n1.counter.add(2) = 7"))
    XCTAssertTrue(runOK(s, ["rpc n2 counter.get"]).hasPrefix("n2.counter.get() = 0"), "each node counts alone")
    // A standard node does not serve the counter's methods, and says so.
    XCTAssertTrue(runOK(s, ["rpc n3 counter.get"]).contains("failed: no method 'counter.get'"))
    let help = runOK(s, ["help rpc"])
    XCTAssertTrue(
      help.contains(
        "Role counter: counter.add INT; counter.get; counter.snapshot."), help)
    XCTAssertTrue(help.contains("Methods: add INT INT; echo VALUE…;"), help)
    let c = Completer(session: s)
    XCTAssertEqual(c.candidates("rpc n1 cou"), ["counter.add", "counter.get", "counter.snapshot"])
    XCTAssertEqual(c.candidates("rpc n3 cou"), [], "n3 runs the standard role")
    XCTAssertEqual(c.candidates("rpc n3 ad"), ["add"])
    XCTAssertEqual(c.candidates("spawn --role c"), ["counter"])
    XCTAssertEqual(c.candidates("kill c"), ["counter"], "a role stands for its nodes")
    let table = runOK(s, ["nodes"])
    XCTAssertTrue(table.contains("COUNT"), table)
    XCTAssertTrue(table.contains("RECEIVED"), table)
    let stats = runOK(s, ["stats --roles"])
    XCTAssertTrue(
      stats.hasSuffix(
        "standard (1 up)  received 1  executed 1  keys 0\ncounter (2 up)  received 3  executed 3  count 7"), stats)
    XCTAssertEqual(s.run("expect n1.count == 7").status, .ok)
    XCTAssertEqual(s.run("expect n1.count == 8").status, .expectationFailed)
    XCTAssertEqual(s.run("kill counters").status, .ok)
    XCTAssertEqual(s.world.allNodes.map(\.status), [.down, .down, .up])
  }

  func testAnUnknownRoleIsRefusedWithTheListAndASuggestion() {
    let s = counterSession()
    let out = s.run("spawn 2 --role countr")
    XCTAssertEqual(out.status, .error)
    XCTAssertEqual(
      out.text,
      "error: unknown role 'countr' (did you mean 'counter'?) (roles: standard, broker, worker, backend, beat, store, workload, pubsub, subscriber, monitor, acceptor, proposer, learner, voter, server, loadgen, gateway, namenode, secondarynamenode, datanode, jobtracker, slave, pseudo, counter)"
    )
    XCTAssertTrue(s.world.allNodes.isEmpty)
  }

  func testArgumentsAreCheckedAgainstTheDeclarations() {
    let s = counterSession()
    runOK(s, ["spawn 1 --role counter"])
    XCTAssertTrue(
      runOK(s, ["rpc n1 counter.add many"]).contains(
        "failed: counter.add takes INT: argument 1 (INT) is a string"))
    XCTAssertTrue(
      runOK(s, ["rpc n1 counter.add 1 2"]).contains("failed: counter.add takes INT, not 2 arguments"))
    XCTAssertTrue(runOK(s, ["rpc n1 counter.get 3"]).contains("failed: counter.get takes no arguments, not 1 argument"))
  }

  func testAMapReplyIsShownAndDecodedWithVerbose() {
    let s = counterSession()
    runOK(s, ["spawn 1 --role counter", "rpc n1 counter.add 4"])
    let out = runOK(s, ["rpc n1 counter.snapshot --verbose"])
    XCTAssertTrue(out.contains("n1.counter.snapshot() = {count: 4, changes: 1}"), out)
    XCTAssertTrue(out.contains("arg 1    map {count: 4, changes: 1}"), out)
    XCTAssertTrue(out.contains("07 00 02 02 00 00 00 05 63 6f 75 6e"), "tag 7, two entries, the string 'count': \(out)")
  }
}

/// `--verbose` reads a request's arguments as the method declares them.
final class VerboseDeclarationTests: XCTestCase {
  func testADurationIsShownAsOneAndAMisfitIsMarked() {
    let s = ShellSession()
    runOK(s, ["spawn 2"])
    let sleep = runOK(s, ["rpc n2 sleep 20ms --verbose"])
    XCTAssertTrue(sleep.contains("arg 1    int 20000000 = 20ms"), sleep)
    let add = runOK(s, ["rpc n2 add 1 x --verbose"])
    XCTAssertTrue(add.contains("arg 1    int 1\n"), add)
    XCTAssertTrue(add.contains("arg 2    string x  (INT expected)"), add)
    XCTAssertTrue(add.contains("failed: add takes INT INT: argument 2 (INT) is a string"), add)
  }
}
