import DistLab
import DistLabTasks

/// The task lab in live mode: how many `add` tasks per second go end to end, from the
/// producer's publish to the result stored in the backend, with four workers; and one task's
/// round trip, from `task send` until the backend answers SUCCESS.
enum TaskBench {
  struct Throughput {
    var tasksPerSecond: Double
    /// Tasks whose result never reached the backend.
    var missing: Int
  }

  static func lab() throws(WorldError) -> (World, TaskClient) {
    var config = WorldConfig()
    config.seed = 1
    config.mode = .live
    let world = World(config: config, roles: .builtIn)
    try world.setLatency(.fixed(.zero))
    world.setLiveEventTracing(false)
    let lab = TaskClient(world: world)
    do {
      _ = try lab.start(workers: 4, settings: { WorkerSettings(broker: $0, backend: $1) }, cancel: { false })
    } catch {
      if case .world(let w) = error { throw w }
      throw .callNotMade
    }
    return (world, lab)
  }

  /// Publishes `tasks` adds at once and waits until the backend has stored every result.
  static func throughput(tasks: Int, timeoutSeconds: Double = 30) throws(WorldError) -> Throughput {
    let (world, lab) = try lab()
    guard let broker = lab.broker, let backend = lab.backend else { throw .callNotMade }
    let requests = (0..<tasks).map { i in
      CallRequest(
        to: broker, method: "broker.publish",
        args: [TaskMessage(id: "B\(i)", task: "add", args: [.int(Int64(i)), .int(1)]).value])
    }
    let options = CallOptions(timeout: .seconds(timeoutSeconds))
    let start = BenchClock.now()
    _ = try world.callAll(requests, options: options)
    return try awaitResults(tasks, at: backend, in: world, since: start, timeoutSeconds: timeoutSeconds)
  }

  /// Waits until `backend` reports `tasks` results (or the time is up): the rate since `start`.
  static func awaitResults(
    _ tasks: Int, at backend: NodeID, in world: World, since start: Int64, timeoutSeconds: Double
  ) throws(WorldError) -> Throughput {
    var stored = 0
    let deadline = start + Int64(timeoutSeconds * 1e9)
    while stored < tasks && BenchClock.now() < deadline {
      stored = Int(try world.metric("results", of: backend) ?? 0)
      if stored < tasks { _ = try world.advance(by: .milliseconds(1)) }
    }
    let seconds = Double(BenchClock.now() - start) / 1e9
    return Throughput(tasksPerSecond: Double(stored) / seconds, missing: tasks - stored)
  }

  /// Sends one task at a time and waits for the backend to report SUCCESS, subscribing as it
  /// sends (`apply_async(…).get()` on a Redis backend); the time from the send to that answer,
  /// in microseconds, at the 50th and 99th percentiles.
  static func roundTrip(samples: Int) throws(WorldError) -> (p50: Double, p99: Double, failures: Int) {
    let (_, lab) = try lab()
    var times: [Int64] = []
    var failures = 0
    for i in 0..<(samples + 200) {
      let start = BenchClock.now()
      var done = false
      do {
        let run = try lab.sendAndWait(
          "add", args: [.int(Int64(i)), .int(1)], options: SendOptions(), timeout: .seconds(1), cancel: { false })
        done = run.status?.state == .success
      } catch {
        failures += 1
      }
      if !done { failures += 1 }
      if i >= 200 { times.append(BenchClock.now() - start) }
    }
    let (p50, p99) = LatencyPercentiles.of(times)
    return (p50, p99, failures)
  }
}
