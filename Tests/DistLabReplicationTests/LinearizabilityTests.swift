import DistLab
import DistLabReplication
import XCTest

/// The checker against histories with known verdicts: hand-made ones, Jepsen-format files,
/// and generated ones (linearizable by construction, or made impossible by one corrupted read).
final class LinearizabilityTests: XCTestCase {
  /// Events as `(process, type, function, value)`; a cas value is `[old, new]`.
  func history(_ events: [(Int, HistoryBuilder.EventType, HistoryOperation.Function, Value)], key: String? = nil)
    throws -> History
  {
    var b = HistoryBuilder()
    for (p, t, f, v) in events {
      if f == .cas, case .list(let pair) = v {
        try b.add(process: p, type: t, function: f, key: key, value: pair[1], expected: pair[0])
      } else {
        try b.add(process: p, type: t, function: f, key: key, value: v)
      }
    }
    return b.build()
  }

  func verdict(_ h: History, _ m: LinearizabilityModel = .register) -> Bool {
    LinearizabilityChecker.check(h, model: m).linearizable
  }

  func testAReadOverlappingAWriteMaySeeEitherValue() throws {
    // P0 writes 1 while P1 reads 1 and P2 reads nil, all overlapping: write after P2's read.
    let h = try history([
      (0, .invoke, .write, .int(1)), (1, .invoke, .read, .null), (2, .invoke, .read, .null),
      (2, .ok, .read, .null), (1, .ok, .read, .int(1)), (0, .ok, .write, .int(1)),
    ])
    XCTAssertTrue(verdict(h))
  }

  func testAReadAfterAnotherReadSawTheNewValueCannotSeeTheOld() throws {
    // P1 reads 1 and completes; only then does P2 read nil: the write cannot be undone.
    let h = try history([
      (0, .invoke, .write, .int(1)), (1, .invoke, .read, .null), (1, .ok, .read, .int(1)),
      (2, .invoke, .read, .null), (2, .ok, .read, .null), (0, .ok, .write, .int(1)),
    ])
    let v = LinearizabilityChecker.check(h, model: .register)
    XCTAssertFalse(v.linearizable)
    XCTAssertEqual(v.stuck.map(\.description), ["read → null"], "P2's read can come nowhere")
  }

  func testATimedOutWriteMayOrMayNotHaveHappened() throws {
    let seen = try history([
      (0, .invoke, .write, .int(1)), (0, .info, .write, .null), (1, .invoke, .read, .null),
      (1, .ok, .read, .int(1)),
    ])
    XCTAssertTrue(verdict(seen), "the write took effect")
    let notSeen = try history([
      (0, .invoke, .write, .int(1)), (0, .info, .write, .null), (1, .invoke, .read, .null),
      (1, .ok, .read, .null),
    ])
    XCTAssertTrue(verdict(notSeen), "or it did not")
    let both = try history([
      (0, .invoke, .write, .int(1)), (0, .info, .write, .null), (1, .invoke, .read, .null),
      (1, .ok, .read, .int(1)), (1, .invoke, .read, .null), (1, .ok, .read, .null),
    ])
    XCTAssertFalse(verdict(both), "but not both, one after the other")
  }

  func testAFailedOperationDidNotHappen() throws {
    let h = try history([
      (0, .invoke, .write, .int(1)), (0, .fail, .write, .null), (1, .invoke, .read, .null),
      (1, .ok, .read, .int(1)),
    ])
    XCTAssertFalse(verdict(h))
  }

  func testCompareAndSet() throws {
    let ok = try history([
      (0, .invoke, .write, .int(0)), (0, .ok, .write, .int(0)), (1, .invoke, .cas, .list([.int(0), .int(5)])),
      (2, .invoke, .cas, .list([.int(0), .int(7)])), (1, .ok, .cas, .null), (2, .fail, .cas, .null),
      (0, .invoke, .read, .null), (0, .ok, .read, .int(5)),
    ])
    XCTAssertTrue(verdict(ok, .casRegister))
    let twice = try history([
      (0, .invoke, .write, .int(0)), (0, .ok, .write, .int(0)), (1, .invoke, .cas, .list([.int(0), .int(5)])),
      (2, .invoke, .cas, .list([.int(0), .int(7)])), (1, .ok, .cas, .null), (2, .ok, .cas, .null),
    ])
    XCTAssertFalse(verdict(twice, .casRegister), "two cas from 0 cannot both succeed")
    let okByKey = try history(
      [
        (0, .invoke, .put, .int(0)), (0, .ok, .put, .int(0)), (1, .invoke, .cas, .list([.int(0), .int(5)])),
        (1, .ok, .cas, .null), (0, .invoke, .get, .null), (0, .ok, .get, .int(5)),
      ], key: "x")
    XCTAssertTrue(verdict(okByKey, .kv), "kv checks compare-and-set per key")
    let wrongByKey = try history(
      [
        (0, .invoke, .put, .int(1)), (0, .ok, .put, .int(1)), (1, .invoke, .cas, .list([.int(0), .int(5)])),
        (1, .ok, .cas, .null),
      ], key: "x")
    XCTAssertFalse(verdict(wrongByKey, .kv), "a cas from 0 cannot succeed on 1")
    XCTAssertFalse(verdict(okByKey, .register), "a register has no cas")
  }

  func testKeysAreCheckedOneByOne() throws {
    var b = HistoryBuilder()
    try b.add(process: 0, type: .invoke, function: .put, key: "x", value: .int(1))
    try b.add(process: 0, type: .ok, function: .put, key: "x", value: .int(1))
    try b.add(process: 1, type: .invoke, function: .get, key: "y", value: .null)
    try b.add(process: 1, type: .ok, function: .get, key: "y", value: .null)
    try b.add(process: 1, type: .invoke, function: .append, key: "x", value: .string("b"))
    try b.add(process: 1, type: .ok, function: .append, key: "x", value: .null)
    try b.add(process: 0, type: .invoke, function: .get, key: "x", value: .null)
    try b.add(process: 0, type: .ok, function: .get, key: "x", value: .string("1b"))
    XCTAssertTrue(verdict(b.build(), .kv))
    try b.add(process: 1, type: .invoke, function: .get, key: "y", value: .null)
    try b.add(process: 1, type: .ok, function: .get, key: "y", value: .int(3))
    let v = LinearizabilityChecker.check(b.build(), model: .kv)
    XCTAssertFalse(v.linearizable)
    XCTAssertEqual(v.key, "y")
  }

  // MARK: Jepsen's formats

  func testJepsenEDNAndLogLines() throws {
    let edn = """
      {:process 0, :type :invoke, :f :write, :value 3}
      {:process 1, :type :invoke, :f :read, :value nil}
      {:process 0, :type :ok, :f :write, :value 3}
      {:process :nemesis, :type :info, :f :start, :value nil}
      {:process 1, :type :ok, :f :read, :value 3}
      {:process 2, :type :invoke, :f :cas, :value [3 4]}
      {:process 2, :type :info, :f :cas, :value [3 4]}
      {:process 1, :type :invoke, :f :read, :value nil}
      {:process 1, :type :ok, :f :read, :value 4}
      """
    let h = try JepsenHistory.parse(edn, model: .casRegister)
    XCTAssertEqual(h.operations.count, 4)
    XCTAssertTrue(verdict(h, .casRegister))
    let log = """
      INFO  jepsen.util - 0	:invoke	:write	1
      INFO  jepsen.util - 0	:ok	:write	1
      INFO  jepsen.util - 1	:invoke	:read	nil
      INFO  jepsen.util - 1	:ok	:read	2
      """
    XCTAssertFalse(verdict(try JepsenHistory.parse(log, model: .register)), "2 was never written")
    let kv = """
      {:process 0, :type :invoke, :f :write, :value [:x 1]}
      {:process 0, :type :ok, :f :write, :value [:x 1]}
      {:process 1, :type :invoke, :f :read, :value [:x nil]}
      {:process 1, :type :ok, :f :read, :value [:x 1]}
      """
    XCTAssertTrue(verdict(try JepsenHistory.parse(kv, model: .kv), .kv))
  }

  func testBadJepsenLinesNameTheLine() {
    func problem(_ text: String, _ model: LinearizabilityModel = .register) -> JepsenHistory.Problem? {
      do {
        _ = try JepsenHistory.parse(text, model: model)
        return nil
      } catch {
        return error
      }
    }
    XCTAssertEqual(
      problem("{:process 0, :type :ok, :f :read, :value 1}")?.message,
      "process 0 completes an operation it never invoked")
    XCTAssertEqual(problem("\n{:process 0 :type :invoke}")?.line, 2)
    XCTAssertEqual(
      problem("{:process 0, :type :invoke, :f :cas, :value [1 2]}")?.message, "the register model has no :cas")
    XCTAssertEqual(problem("{:process 0, :type :invoke, :f :read, :value nil")?.message, "a map is not closed")
    XCTAssertEqual(problem("hello")?.message, "neither an EDN map nor a log line")
    XCTAssertEqual(
      problem("{:process 0, :type :invoke, :f :put, :value 1}", .kv)?.message, "a kv operation needs a key")
  }

  // MARK: Generated histories

  func generated(ops count: Int, processes: Int, seed: UInt64, corrupt: Bool = false) throws -> History {
    HistoryGenerator.linearizable(
      operations: count, processes: processes, model: .casRegister, seed: seed, corrupt: corrupt)
  }

  func testGeneratedHistoriesAreLinearizableAndCorruptedOnesAreNot() throws {
    for seed in 1...20 as ClosedRange<UInt64> {
      let h = try generated(ops: 200, processes: 4, seed: seed)
      XCTAssertTrue(verdict(h, .casRegister), "seed \(seed)")
      XCTAssertFalse(
        verdict(try generated(ops: 200, processes: 4, seed: seed, corrupt: true), .casRegister), "seed \(seed)")
    }
  }

  func testGeneratedKeyValueHistoriesAreLinearizableAndCorruptedOnesAreNot() {
    for seed in 1...5 as ClosedRange<UInt64> {
      let h = HistoryGenerator.linearizable(operations: 2_000, processes: 10, keys: 50, model: .kv, seed: seed)
      XCTAssertTrue(verdict(h, .kv), "seed \(seed)")
      let bad = HistoryGenerator.linearizable(
        operations: 2_000, processes: 10, keys: 50, model: .kv, seed: seed, corrupt: true)
      XCTAssertFalse(verdict(bad, .kv), "seed \(seed)")
    }
  }

  func testASequentialHistoryOfTenThousandOperationsIsAccepted() throws {
    let h = try generated(ops: 10_000, processes: 1, seed: 3)
    XCTAssertEqual(h.events, 20_000, "10,000 invocations and their completions (a failed cas drops out)")
    XCTAssertTrue(verdict(h, .casRegister))
  }
}
