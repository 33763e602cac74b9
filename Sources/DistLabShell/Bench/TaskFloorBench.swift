import DistLab

/// The floor under the task lab's figures: its traffic with empty handlers
/// (`TaskFloorRoles`), measured the way `TaskBench` measures the lab — once through the
/// program API (frames encoded and decoded, services dispatched, calls with timeouts) and once
/// as raw bytes that no one decodes. The gap between the lab and the first is the lab's own
/// work; the gap between the two floors is the call layer's.
enum TaskFloorBench {
  struct Lab {
    var world: World
    var broker: NodeID
    var backend: NodeID
    var workers: [NodeID]
  }

  /// A live world with a broker, a backend and four workers of the given roles.
  static func lab(raw: Bool) throws(WorldError) -> Lab {
    var config = WorldConfig()
    config.seed = 1
    config.mode = .live
    let world = World(config: config, roles: TaskFloorRoles.catalog)
    try world.setLatency(.fixed(.zero))
    world.setLiveEventTracing(false)
    let roles = raw ? ("raw-broker", "raw-backend", "raw-worker") : ("floor-broker", "floor-backend", "floor-worker")
    let broker = try world.spawn(groups: [(names: ["broker"], role: roles.0)])[0].id
    let backend = try world.spawn(groups: [(names: ["backend"], role: roles.1)])[0].id
    let workers = try world.spawn(groups: [(names: ["w1", "w2", "w3", "w4"], role: roles.2)]).map(\.id)
    return Lab(world: world, broker: broker, backend: backend, workers: workers)
  }

  /// Publishes `tasks` messages at once through calls, as `TaskBench.throughput` does.
  static func throughput(tasks: Int, timeoutSeconds: Double = 30) throws(WorldError) -> TaskBench.Throughput {
    let lab = try lab(raw: false)
    let begin = [Value.int(Int64(lab.broker.number)), .int(Int64(lab.backend.number))]
    _ = try lab.world.callAll(lab.workers.map { CallRequest(to: $0, method: "floor.begin", args: begin) })
    let requests = (0..<tasks).map { i in
      CallRequest(to: lab.broker, method: "floor.publish", args: [TaskFloorRoles.message(i)])
    }
    let start = BenchClock.now()
    _ = try lab.world.callAll(requests, options: CallOptions(timeout: .seconds(timeoutSeconds)))
    return try TaskBench.awaitResults(
      tasks, at: lab.backend, in: lab.world, since: start, timeoutSeconds: timeoutSeconds)
  }

  /// One task at a time: wait for its result and publish it in one go, as `sendAndWait` does.
  static func roundTrip(samples: Int) throws(WorldError) -> (p50: Double, p99: Double) {
    let lab = try lab(raw: false)
    let begin = [Value.int(Int64(lab.broker.number)), .int(Int64(lab.backend.number))]
    _ = try lab.world.callAll(lab.workers.map { CallRequest(to: $0, method: "floor.begin", args: begin) })
    var times: [Int64] = []
    for i in 0..<(samples + 200) {
      let start = BenchClock.now()
      _ = try lab.world.callAll(
        [
          CallRequest(to: lab.backend, method: "floor.wait", args: [.string("B\(i)")]),
          CallRequest(to: lab.broker, method: "floor.publish", args: [TaskFloorRoles.message(i)]),
        ], options: CallOptions(timeout: .seconds(2)))
      if i >= 200 { times.append(BenchClock.now() - start) }
    }
    return LatencyPercentiles.of(times)
  }

  /// The same six messages per task as bytes posted and sent with no frames and no calls.
  static func raw(tasks: Int, timeoutSeconds: Double = 30) throws(WorldError) -> TaskBench.Throughput {
    let lab = try lab(raw: true)
    var begin = TaskFloorRoles.Raw.begin.bytes
    begin[1] = UInt8(lab.broker.number)
    begin[2] = UInt8(lab.backend.number)
    for w in lab.workers { try lab.world.post(from: .client, to: w, bytes: begin) }
    let publish = TaskFloorRoles.Raw.publish.bytes
    let start = BenchClock.now()
    for _ in 0..<tasks { try lab.world.post(from: .client, to: lab.broker, bytes: publish) }
    return try TaskBench.awaitResults(
      tasks, at: lab.backend, in: lab.world, since: start, timeoutSeconds: timeoutSeconds)
  }
}
