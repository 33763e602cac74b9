import DistLab
import DistLabHadoop
import XCTest

/// Hadoop 1's MapReduce on the HDFS cluster: maps placed next to their blocks when a slot is
/// free there, at most two maps and two reduces on a TaskTracker at once, reduces only after
/// 5% of the maps, and a lost TaskTracker's finished maps run again because their output was
/// on its disk.
final class MapReduceTests: XCTestCase {
  var world = World()
  var hdfs: HDFSClient!

  func start(seed: UInt64 = 2, expiry: Nanoseconds = .seconds(30)) throws {
    var config = WorldConfig()
    config.seed = seed
    world = World(config: config, roles: RoleCatalog(HDFSClient.roles))
    hdfs = HDFSClient(world: world)
    _ = try hdfs.start(datanodes: 6, racks: 2, mapreduce: true) { s in
      s.heartbeat = .seconds(1)
      s.recheck = .seconds(15)
      s.trackerExpiry = expiry
    }
    guard case .success = try hdfs.put("/in", size: 2 << 30, replication: nil) else { return XCTFail() }
  }

  func job(_ id: String) throws -> MapReduceJob {
    guard case .success(let jobs) = try hdfs.jobs(), let j = jobs.first(where: { $0.id == id }) else {
      throw XCTSkip("no job")
    }
    return j
  }

  func events(_ topic: String) -> [(Nanoseconds, [Value])] {
    world.trace.ordered.compactMap { e in
      if case .event(let t, let v) = e.detail, t == topic { (e.time, v) } else { nil }
    }
  }

  func testAJobRunsAMapPerBlockMostlyDataLocalAndWritesItsParts() throws {
    try start()
    guard
      case .success(let id) = try hdfs.submit(input: ["/in"], output: "/out", reducers: 3, program: .sized(ratio: 0.3))
    else {
      return XCTFail()
    }
    _ = try world.advance(by: .seconds(60))
    let j = try job(id)
    XCTAssertTrue(j.complete)
    XCTAssertEqual(j.maps.count, 16, "2 GB in 128 MB blocks")
    XCTAssertEqual(j.launchedMaps, 16)
    XCTAssertGreaterThanOrEqual(j.dataLocal, 12, "three replicas on six nodes: most maps find one of theirs")
    XCTAssertEqual(j.dataLocal + j.rackLocal + j.maps.filter { $0.locality == .off }.count, 16)
    guard case .success(let r) = try hdfs.fsck() else { return XCTFail() }
    XCTAssertEqual(r.files.map(\.path), ["/in", "/out/part-00000", "/out/part-00001", "/out/part-00002"])
    XCTAssertEqual(j.written, r.files.dropFirst().reduce(0) { $0 + $1.size })
  }

  func testSlotsAndSlowstartBoundWhatRunsWhen() throws {
    try start()
    guard case .success = try hdfs.submit(input: ["/in"], output: "/out", reducers: 2, program: .sized(ratio: 0.3))
    else {
      return XCTFail()
    }
    _ = try world.advance(by: .seconds(60))
    // At any moment, a TaskTracker runs at most 2 maps (mapred.tasktracker.map.tasks.maximum).
    var running: [Int64: Int] = [:]
    var most = 0
    let starts = events("mr.map").map { ($0.0, $0.1[2].intValue ?? 0, 1) }
    let ends = events("mr.mapdone").map { ($0.0, $0.1[2].intValue ?? 0, -1) }
    for (_, tracker, delta) in (starts + ends).sorted(by: { ($0.0, $0.2) < ($1.0, $1.2) }) {
      running[tracker, default: 0] += delta
      most = max(most, running[tracker]!)
    }
    XCTAssertEqual(most, 2)
    // Reduces are handed out only once ceil(0.05 × 16) = 1 map is done.
    let firstReduce = try XCTUnwrap(events("mr.reduce").first?.0)
    let firstDone = try XCTUnwrap(events("mr.mapdone").first?.0)
    XCTAssertGreaterThanOrEqual(firstReduce, firstDone)
  }

  func testALostTaskTrackersFinishedMapsRunAgain() throws {
    try start(expiry: .seconds(30))
    guard
      case .success(let id) = try hdfs.submit(input: ["/in"], output: "/out", reducers: 1, program: .sized(ratio: 0.3))
    else {
      return XCTFail()
    }
    _ = try world.advance(by: .seconds(6))
    let before = try job(id)
    let victim = try XCTUnwrap(before.maps.first { $0.state == .done }?.tracker)
    let ranThere = before.maps.filter { $0.tracker == victim && $0.state != .pending }.count
    _ = try world.kill([victim])
    _ = try world.advance(by: .seconds(120))
    let after = try job(id)
    XCTAssertTrue(after.complete, "the job finishes without the lost TaskTracker")
    XCTAssertGreaterThanOrEqual(after.killed, ranThere, "its maps, finished or not, were run again")
    XCTAssertFalse(after.maps.contains { $0.tracker == victim })
    XCTAssertEqual(events("mr.lost").count, 1)
  }

  /// A task that fails `mapred.map.max.attempts` (4) times fails its job: here every replica of
  /// the input is corrupt, so no attempt can read its block.
  func testATaskFailingFourAttemptsFailsTheJob() throws {
    try start()
    guard case .success = try hdfs.put("/bad", size: 300 << 20, replication: 1) else { return XCTFail() }
    for i in 0..<3 { XCTAssertNotNil(try hdfs.corrupt("/bad", block: i, on: nil)) }
    guard
      case .success(let id) = try hdfs.submit(input: ["/bad"], output: "/out", reducers: 1, program: .sized(ratio: 0.3))
    else {
      return XCTFail()
    }
    _ = try world.advance(by: .seconds(60))
    let j = try job(id)
    XCTAssertTrue(j.jobFailed)
    XCTAssertFalse(j.complete)
    XCTAssertEqual(j.maps.map(\.failures).max(), MapReduceJob.maxAttempts)
    XCTAssertEqual(j.mapsDone, 0)
    XCTAssertEqual(events("mr.failed").count, 1)
  }

  /// A paused TaskTracker's maps are stragglers: after 60 s, 0.2 behind the average, each gets a
  /// backup elsewhere, and the first attempt to finish wins. Without speculation the job waits
  /// for the paused machine.
  func testSpeculativeExecutionRescuesAJobFromAStraggler() throws {
    for speculative in [true, false] {
      // The expiry is Hadoop's ten minutes: the paused TaskTracker is slow, not lost.
      try start(expiry: .seconds(600))
      guard
        case .success(let id) = try hdfs.submit(
          input: ["/in"], output: "/out", reducers: 1, program: .sized(ratio: 0.3), speculative: speculative)
      else { return XCTFail() }
      _ = try world.advance(by: .seconds(2))
      let straggler = try XCTUnwrap(try job(id).maps.first { $0.state == .running }?.tracker)
      _ = try world.pause([straggler])
      _ = try world.advance(by: .seconds(90))
      let j = try job(id)
      XCTAssertEqual(j.complete, speculative, "speculative: \(speculative)")
      XCTAssertEqual(j.backups > 0, speculative)
      if speculative {
        XCTAssertFalse(j.maps.contains { $0.tracker == straggler }, "the backups' results were kept")
        let lost = j.attempts.filter { $0.kind == .map && $0.tracker == straggler }
        XCTAssertFalse(lost.isEmpty)
        XCTAssertTrue(lost.allSatisfy { $0.outcome == .killed }, "the JobTracker kills the attempts that lost the race")
        XCTAssertEqual(j.attempts.filter(\.speculative).count, j.backups)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(events("mr.speculate").first?.0), .seconds(60))
      }
    }
  }

  /// A reduce can straggle too: 60 s on, 0.2 behind the job's reduces on average, it gets a
  /// backup; only one attempt may commit its part, and the job's commit clears _temporary.
  func testASlowReduceGetsABackupAndOnlyOneAttemptCommits() throws {
    try start(expiry: .seconds(600))
    guard
      case .success(let id) = try hdfs.submit(input: ["/in"], output: "/out", reducers: 2, program: .sized(ratio: 0.3))
    else { return XCTFail() }
    // Pause the machine of a reduce while it fetches map output: its maps get backups, the map
    // output it held is fetched by no one and runs again ("Too many fetch-failures"), and its
    // reduce, stuck in the shuffle, gets a backup of its own.
    _ = try world.advance(by: .seconds(6))
    let running = try job(id).reduces.enumerated().first { $0.element.state == .running }
    let (k, reduce) = try XCTUnwrap(running)
    let slow = try XCTUnwrap(reduce.tracker)
    _ = try world.pause([slow])
    _ = try world.advance(by: .seconds(120))
    let j = try job(id)
    XCTAssertTrue(j.complete)
    XCTAssertNotEqual(j.reduces[k].tracker, slow, "the backup's output was kept")
    XCTAssertFalse(events("mr.fetchfailures").isEmpty)
    let attempts = j.attempts.filter { $0.kind == .reduce && $0.task == k }
    XCTAssertEqual(attempts.map(\.outcome), [.killed, .succeeded])
    XCTAssertEqual(attempts.map(\.speculative), [false, true])
    guard case .success(let r) = try hdfs.fsck() else { return XCTFail() }
    XCTAssertEqual(r.files.map(\.path), ["/in", "/out/part-00000", "/out/part-00001"], "one part each, no _temporary")
  }

  /// With one reduce there is nothing to be behind: Hadoop 1 never speculates a job's only reduce.
  func testAJobsOnlyReduceIsNeverSpeculated() throws {
    try start(expiry: .seconds(600))
    guard
      case .success(let id) = try hdfs.submit(input: ["/in"], output: "/out", reducers: 1, program: .sized(ratio: 0.3))
    else { return XCTFail() }
    _ = try world.advance(by: .seconds(12))
    let slow = try XCTUnwrap(try job(id).reduces[0].tracker)
    _ = try world.pause([slow])
    _ = try world.advance(by: .seconds(120))
    let j = try job(id)
    XCTAssertFalse(j.complete)
    XCTAssertNil(j.reduces[0].backup)
  }
}
