import DistLab
import DistLabRedis
import DistLabReplication
import DistLabSharding
import Foundation

/// `distlab bench`: measures the runtime on this machine and prints each figure beside its
/// target. A missed target is a finding, not a failure: the exit status is 0 either way.
public enum BenchRunner {
  /// The groups `--only` chooses from, in the order they run.
  public static let groups = [
    "throughput", "rpc", "process", "tasks", "redis", "check", "quorum", "paxos", "service", "hadoop", "spawn",
    "prompt", "shard",
  ]

  public static func run(json: Bool, quick: Bool, only: Set<String> = []) -> Int32 {
    var plan = BenchPlan(quick: quick)
    plan.only = only
    var report = BenchReport(cores: ProcessInfo.processInfo.activeProcessorCount, quick: quick)
    if !json { Output.line(BenchRendering.header(cores: report.cores, quick: quick)) }
    plan.measure { figure in
      report.figures.append(figure)
      if !json { Output.line(BenchRendering.line(figure)) }
    }
    Output.line(json ? BenchRendering.json(report) : BenchRendering.footer(report))
    return 0
  }
}

/// What the runtime is held to on a 2-core machine.
enum BenchTargets {
  static let simMessagesPerSecond = BenchTarget.atLeast(300_000)
  static let simToBaseline = BenchTarget.atLeast(0.65)
  static let liveMessagesPerSecond = BenchTarget.atLeast(2_000_000)
  static let rpcP50Micros = BenchTarget.atMost(10)
  static let processP50Micros = BenchTarget.atMost(50)
  static let processMessagesPerSecond = BenchTarget.atLeast(200_000)
  static let rpcP99Micros = BenchTarget.atMost(50)
  static let spawn1000Millis = BenchTarget.atMost(100)
  static let spawn10000Millis = BenchTarget.atMost(1_000)
  static let spawn10000MB = BenchTarget.atMost(150)
  static let firstPromptMillis = BenchTarget.atMost(50)
  static let tasksPerSecond = BenchTarget.atLeast(200_000)
  static let quorumOpsPerSecond = BenchTarget.atLeast(100_000)
  static let paxosStatesPerMinute = BenchTarget.atLeast(1_000_000)
  static let serviceRequestsPerSecond = BenchTarget.atLeast(100_000)
  static let hdfsTerabyteSeconds = BenchTarget.atMost(1)
  static let wordCountSeconds = BenchTarget.atMost(2)
  static let casCheckMillis = BenchTarget.atMost(50)
  static let kvCheckMillis = BenchTarget.atMost(1_000)
  static let taskRoundTripP50Micros = BenchTarget.atMost(20)
  static let redisTasksPerSecond = BenchTarget.atLeast(10_000)
}

/// How long each measurement runs; `--quick` shortens them.
struct BenchPlan {
  var pingPongSeconds = 1.0
  var throughputSeconds = 1.5
  var rpcCalls = 20_000
  var tasks = 200_000
  var redisTasks = 20_000
  var celeryTasks = 2_000
  var taskRoundTrips = 5_000
  var quorumOperations = 300_000
  var paxosStates = 5_000_000
  var serviceSeconds = 3.0
  var hdfsBytes: Int64 = 1 << 40
  var hdfsAttempts = 3
  var promptAttempts = 5
  var shardKeys = 1_000_000
  var shardLookups = 10_000_000

  init(quick: Bool) {
    if quick {
      pingPongSeconds = 0.3
      throughputSeconds = 0.4
      rpcCalls = 3_000
      tasks = 20_000
      redisTasks = 2_000
      celeryTasks = 300
      taskRoundTrips = 500
      quorumOperations = 30_000
      paxosStates = 300_000
      serviceSeconds = 1
      hdfsBytes = 64 << 30
      hdfsAttempts = 1
      promptAttempts = 2
      shardKeys = 100_000
      shardLookups = 1_000_000
    }
  }

  /// The measurement groups to run; empty: all.
  var only: Set<String> = []

  /// Runs every measurement in turn (or those of the groups in `only`), handing each figure
  /// to `report` as soon as it is known.
  func measure(_ report: (BenchFigure) -> Void) {
    withoutActuallyEscaping(report) { report in measureSteps(report) }
  }

  private func measureSteps(_ report: @escaping (BenchFigure) -> Void) {
    let steps: [(String, () -> Void)] = [
      ("throughput", { self.measureBaselineAndThroughput(report) }), ("rpc", { self.measureRPC(report) }),
      ("process", { self.measureProcess(report) }),
      ("tasks", { self.measureTasks(report) }), ("redis", { self.measureRedis(report) }),
      ("check", { self.measureChecker(report) }),
      ("quorum", { self.measureQuorum(report) }), ("paxos", { self.measurePaxos(report) }),
      ("service", { self.measureService(report) }), ("hadoop", { self.measureHadoop(report) }),
      ("spawn", { self.measureSpawn(report) }),
      ("prompt", { self.measurePrompt(report) }),
      ("shard", { ShardBench.measure(keys: self.shardKeys, lookups: self.shardLookups, report) }),
    ]
    for (group, step) in steps where only.isEmpty || only.contains(group) { step() }
  }

  private func measureBaselineAndThroughput(_ report: (BenchFigure) -> Void) {
    let baseline = PingPongBench.run(seconds: pingPongSeconds)
    report(
      BenchFigure(
        id: "baseline.roundTripsPerSecond", label: "thread ping-pong (baseline)", value: baseline,
        unit: "round trips/s", note: "Locked mailbox + semaphore park, 2 threads"))
    // 300 µs: how long a live node thread looks for work before it parks.
    let looking = PingPongBench.run(seconds: pingPongSeconds, look: 300_000)
    report(
      BenchFigure(
        id: "baseline.lookingRoundTripsPerSecond", label: "ping-pong, look before park", value: looking,
        unit: "round trips/s", note: "as node threads do; for comparison"))
    measureThroughput(baseline: baseline, looking: looking, report)
  }

  private func measureThroughput(baseline: Double, looking: Double, _ report: (BenchFigure) -> Void) {
    let nodes = ThroughputBench.nodes
    let sim = Result { () throws(WorldError) in try ThroughputBench.sim(seconds: throughputSeconds) }
    let rate = try? sim.get().messagesPerSecond
    report(
      BenchFigure(
        id: "sim.messagesPerSecond", label: "sim, \(nodes) nodes", value: rate, unit: "msg/s",
        target: BenchTargets.simMessagesPerSecond, note: sim.failureMessage))
    report(
      BenchFigure(
        id: "sim.baselineRatio", label: "sim ÷ baseline", value: rate.map { $0 / baseline }, unit: "×",
        target: BenchTargets.simToBaseline,
        note: sim.failureMessage ?? rate.map { "\(BenchRendering.number($0 / looking)) × the looking ping-pong" }))
    let reference = Result { () throws(WorldError) in
      try ThroughputBench.sim(seconds: throughputSeconds, singleThreaded: true)
    }
    let referenceRate = try? reference.get().messagesPerSecond
    report(
      BenchFigure(
        id: "reference.messagesPerSecond", label: "reference engine, \(nodes) nodes", value: referenceRate,
        unit: "msg/s", note: reference.failureMessage ?? "the same workload on one thread, no node threads"))
    report(
      BenchFigure(
        id: "sim.referenceRatio", label: "sim ÷ reference", value: rate.flatMap { r in referenceRate.map { r / $0 } },
        unit: "×", note: "what node threads cost (< 1) or gain (> 1) on this machine"))

    let live = Result { () throws(WorldError) in try ThroughputBench.live(seconds: throughputSeconds) }
    report(
      BenchFigure(
        id: "live.messagesPerSecond", label: "live, \(nodes) nodes", value: try? live.get().messagesPerSecond,
        unit: "msg/s", target: BenchTargets.liveMessagesPerSecond, note: live.failureMessage))
  }

  private func measureChecker(_ report: (BenchFigure) -> Void) {
    let cases: [(String, Int, Int, Int, LinearizabilityModel, BenchTarget)] = [
      ("check 1,000 ops, 5 processes, cas-register", 1_000, 5, 1, .casRegister, BenchTargets.casCheckMillis),
      ("check 10,000 ops, 10 processes, kv, 50 keys", 10_000, 10, 50, .kv, BenchTargets.kvCheckMillis),
    ]
    for (label, ops, processes, keys, model, target) in cases {
      let r = CheckerBench.run(operations: ops, processes: processes, keys: keys, model: model)
      report(
        BenchFigure(
          id: "check.\(model.rawValue).millis", label: label, value: r.millis, unit: "ms", target: target,
          note: r.agreed ? "a generated linearizable history: accepted" : "WRONG: a linearizable history was refused"))
    }
  }

  private func measureTasks(_ report: (BenchFigure) -> Void) {
    let flow = Result { () throws(WorldError) in try TaskBench.throughput(tasks: tasks) }
    let missing = (try? flow.get()).flatMap { $0.missing > 0 ? "\($0.missing) results never stored" : nil }
    report(
      BenchFigure(
        id: "tasks.perSecond", label: "tasks end to end, 4 workers", value: try? flow.get().tasksPerSecond,
        unit: "tasks/s", target: BenchTargets.tasksPerSecond,
        note: flow.failureMessage ?? missing
          ?? "\(BenchRendering.grouped(Int64(tasks))) adds, live: publish → worker → result stored"))
    let trip = Result { () throws(WorldError) in try TaskBench.roundTrip(samples: taskRoundTrips) }
    let failed = (try? trip.get()).flatMap { $0.failures > 0 ? "\($0.failures) tasks not seen to succeed" : nil }
    report(
      BenchFigure(
        id: "tasks.roundTripP50Micros", label: "task round trip, p50", value: try? trip.get().p50,
        unit: "µs", target: BenchTargets.taskRoundTripP50Micros,
        note: trip.failureMessage ?? failed ?? "task send → backend reads SUCCESS; p99 "
          + ((try? trip.get()).map { BenchRendering.number($0.p99) + " µs" } ?? "?")))
    measureTaskFloor(report)
  }

  /// The task lab's traffic with empty handlers: what the engine and the call layer alone
  /// allow, for reading the two task rows above.
  private func measureTaskFloor(_ report: (BenchFigure) -> Void) {
    let flow = Result { () throws(WorldError) in try TaskFloorBench.throughput(tasks: tasks) }
    report(
      BenchFigure(
        id: "tasks.floorPerSecond", label: "floor: same traffic, empty handlers", value: try? flow.get().tasksPerSecond,
        unit: "tasks/s", note: flow.failureMessage ?? "the six messages per task through the call layer, no work"))
    let trip = Result { () throws(WorldError) in try TaskFloorBench.roundTrip(samples: taskRoundTrips) }
    report(
      BenchFigure(
        id: "tasks.floorRoundTripP50Micros", label: "floor: round trip, p50", value: try? trip.get().p50,
        unit: "µs",
        note: trip.failureMessage ?? "p99 " + ((try? trip.get()).map { BenchRendering.number($0.p99) + " µs" } ?? "?")))
    let raw = Result { () throws(WorldError) in try TaskFloorBench.raw(tasks: tasks) }
    report(
      BenchFigure(
        id: "tasks.rawFloorPerSecond", label: "floor: same messages as raw bytes", value: try? raw.get().tasksPerSecond,
        unit: "tasks/s", note: raw.failureMessage ?? "no frames, no calls: the engine alone"))
  }

  private func measureQuorum(_ report: (BenchFigure) -> Void) {
    let run = Result { () throws(WorldError) in try QuorumBench.throughput(operations: quorumOperations) }
    let failed = (try? run.get()).flatMap { $0.failures > 0 ? "\($0.failures) operations failed" : nil }
    report(
      BenchFigure(
        id: "quorum.opsPerSecond", label: "quorum store, 3 replicas, live", value: try? run.get().opsPerSecond,
        unit: "ops/s", target: BenchTargets.quorumOpsPerSecond,
        note: run.failureMessage ?? failed
          ?? "\(BenchRendering.grouped(Int64(quorumOperations))) client calls, 512 in flight, N=3 W=2 R=2, half writes")
    )
  }

  private func measureService(_ report: (BenchFigure) -> Void) {
    let run = Result { () throws(WorldError) in try ServiceBench.run(rate: 120_000, seconds: serviceSeconds) }
    report(
      BenchFigure(
        id: "service.requestsPerSecond", label: "load generator, 10 servers, live", value: try? run.get().perSecond,
        unit: "req/s", target: BenchTargets.serviceRequestsPerSecond,
        note: run.failureMessage
          ?? "asked for 120,000/s; answered \((try? run.get().availability).map { String(format: "%.1f", $0 * 100) } ?? "?")%"
      ))
  }

  private func measureHadoop(_ report: (BenchFigure) -> Void) {
    let scale = Double(1 << 40) / Double(hdfsBytes)
    // "best of 3 (0.91–0.97 s), ": the spread of the attempts, scaled, for the note.
    func spread(_ w: HadoopBench.Writes) -> String {
      guard w.seconds.count > 1, let low = w.seconds.min(), let high = w.seconds.max() else { return "" }
      return "best of \(w.seconds.count) (" + String(format: "%.2f–%.2f s", low * scale, high * scale) + "), "
    }
    let run = Result { () throws(WorldError) in try HadoopBench.writes(bytes: hdfsBytes, attempts: hdfsAttempts) }
    report(
      BenchFigure(
        id: "hdfs.terabyteSeconds", label: "HDFS 1 TB write, 100 DNs, sim",
        value: (try? run.get().best).map { $0 * scale }, unit: "s", target: BenchTargets.hdfsTerabyteSeconds,
        note: run.failureMessage
          ?? (try? run.get()).map { w in
            spread(w) + "\(BenchRendering.grouped(Int64(w.blocks))) blocks × 3 replicas written"
              + (scale > 1 ? ", scaled from \(ByteSize.text(hdfsBytes))" : "")
          }))
    // The same write on the single-threaded reference engine: what the lab's own work costs
    // without handing events to node threads.
    let reference = Result { () throws(WorldError) in
      try HadoopBench.writes(bytes: hdfsBytes, attempts: hdfsAttempts, singleThreaded: true)
    }
    report(
      BenchFigure(
        id: "hdfs.terabyteSecondsReference", label: "same, reference engine",
        value: (try? reference.get().best).map { $0 * scale }, unit: "s", target: nil,
        note: reference.failureMessage
          ?? (try? reference.get()).map { spread($0) + "one thread, no node threads: the lab's own work" }))
    let words = Result { () throws(WorldError) in try HadoopBench.wordCount(bytes: 10 << 20, trackers: 10) }
    report(
      BenchFigure(
        id: "mr.wordCountSeconds", label: "word count 10 MB, 10 TTs, sim",
        value: try? words.get().seconds, unit: "s", target: BenchTargets.wordCountSeconds,
        note: words.failureMessage
          ?? ((try? words.get().correct) == true
            ? "put + job, 1 MB blocks, 2 reducers, counts checked" : "WRONG COUNTS or unfinished")))
  }

  private func measurePaxos(_ report: (BenchFigure) -> Void) {
    let r = PaxosBench.run(bound: paxosStates)
    report(
      BenchFigure(
        id: "paxos.statesPerMinute", label: "Paxos model check, 3 acceptors, 2 proposers", value: r.statesPerMinute,
        unit: "states/min", target: BenchTargets.paxosStatesPerMinute,
        note: (r.safe ? "safe" : "UNSAFE") + " in \(BenchRendering.grouped(Int64(r.states))) states"
          + (r.complete ? ", all explored" : ", stopped at the bound")))
  }

  /// The task lab on a real Redis, and Celery's own worker on the same server in the same run.
  private func measureRedis(_ report: (BenchFigure) -> Void) {
    let server = Result { () throws(LocalRedisServer.Failure) in try LocalRedisServer() }
    defer { (try? server.get())?.stop() }
    let ours = Result { try RedisBench.distlab(try server.get(), tasks: redisTasks) }
    report(
      BenchFigure(
        id: "redis.distlabTasksPerSecond", label: "Redis: distlab worker, add tasks", value: try? ours.get(),
        unit: "tasks/s", target: BenchTargets.redisTasksPerSecond,
        note: ours.failureText ?? "\(BenchRendering.grouped(Int64(redisTasks))) tasks, 4 slots, results stored"))
    let theirs = Result { try RedisBench.celery(try server.get(), tasks: celeryTasks) }
    report(
      BenchFigure(
        id: "redis.celeryTasksPerSecond", label: "Redis: Celery 5.7 worker, add tasks", value: try? theirs.get(),
        unit: "tasks/s",
        note: theirs.failureText ?? "\(BenchRendering.grouped(Int64(celeryTasks))) tasks, prefork -c 4, same Redis"))
  }

  private func measureProcess(_ report: (BenchFigure) -> Void) {
    let run = Result { try ProcessBench.run(calls: rpcCalls) }
    let failed = (try? run.get()).flatMap { $0.failures > 0 ? "\($0.failures) calls failed" : nil }
    var note = failed
    if case .failure(let e) = run { note = "\(e)" }
    report(
      BenchFigure(
        id: "process.p50Micros", label: "process RPC round trip, p50", value: try? run.get().p50Micros, unit: "µs",
        target: BenchTargets.processP50Micros,
        note: note ?? "\(BenchRendering.grouped(Int64(rpcCalls))) calls to a distlab node over loopback TCP"))
    report(
      BenchFigure(
        id: "process.p99Micros", label: "process RPC round trip, p99", value: try? run.get().p99Micros, unit: "µs",
        note: note))
    let shell = Result { () throws(WorldError) in try RPCBench.run(calls: rpcCalls, mode: .process) }
    let shellNote =
      shell.failureMessage ?? (try? shell.get()).flatMap { $0.failures > 0 ? "\($0.failures) calls failed" : nil }
    report(
      BenchFigure(
        id: "process.shellP50Micros", label: "process mode, shell rpc p50", value: try? shell.get().p50Micros,
        unit: "µs",
        note: shellNote ?? "World.call to a distlab node child, trace streamed, latency model 0"))
    let rate = Result { try ProcessBench.throughput(processes: 8, perNode: 32, seconds: serviceSeconds) }
    var rateNote = "8 relay processes passing 256 messages around over loopback TCP"
    if case .failure(let e) = rate { rateNote = "\(e)" }
    report(
      BenchFigure(
        id: "process.messagesPerSecond", label: "8 processes, messages", value: try? rate.get(), unit: "msg/s",
        target: BenchTargets.processMessagesPerSecond, note: rateNote))
  }

  private func measureRPC(_ report: (BenchFigure) -> Void) {
    let rpc = Result { () throws(WorldError) in try RPCBench.run(calls: rpcCalls) }
    let failed = (try? rpc.get()).flatMap { $0.failures > 0 ? "\($0.failures) calls failed" : nil }
    let note = rpc.failureMessage ?? failed
    report(
      BenchFigure(
        id: "rpc.p50Micros", label: "live RPC round trip, p50", value: try? rpc.get().p50Micros, unit: "µs",
        target: BenchTargets.rpcP50Micros, note: note ?? "\(BenchRendering.grouped(Int64(rpcCalls))) calls"))
    report(
      BenchFigure(
        id: "rpc.p99Micros", label: "live RPC round trip, p99", value: try? rpc.get().p99Micros, unit: "µs",
        target: BenchTargets.rpcP99Micros, note: note))
  }

  private func measureSpawn(_ report: (BenchFigure) -> Void) {
    let cases: [(count: Int, time: BenchTarget, memory: BenchTarget?)] = [
      (1_000, BenchTargets.spawn1000Millis, nil),
      (10_000, BenchTargets.spawn10000Millis, BenchTargets.spawn10000MB),
    ]
    for c in cases {
      let spawn = Result { () throws(WorldError) in try SpawnBench.run(count: c.count) }
      let name = BenchRendering.grouped(Int64(c.count))
      let ready = (try? spawn.get()).map { "all answering after \(BenchRendering.number($0.readyMillis)) ms" }
      report(
        BenchFigure(
          id: "spawn\(c.count).millis", label: "spawn \(name) nodes", value: try? spawn.get().millis, unit: "ms",
          target: c.time, note: spawn.failureMessage ?? ready))
      report(
        BenchFigure(
          id: "spawn\(c.count).rssGrowthMB", label: "spawn \(name) nodes, RSS growth",
          value: (try? spawn.get()).flatMap(\.rssGrowthMB), unit: "MB", target: c.memory, note: spawn.failureMessage))
      // Let the threads of the world just dropped wind down before the next measurement.
      BenchClock.sleep(seconds: 0.2)
    }
  }

  private func measurePrompt(_ report: (BenchFigure) -> Void) {
    let prompt = FirstPromptBench.run(attempts: promptAttempts)
    var note = "best of \(promptAttempts), on a pseudo-terminal"
    if case .failure(let f) = prompt { note = f.description }
    report(
      BenchFigure(
        id: "shell.firstPromptMillis", label: "time to first prompt", value: try? prompt.get(), unit: "ms",
        target: BenchTargets.firstPromptMillis, note: note))
  }
}

extension Result where Failure == WorldError {
  /// The refusal's message, when the measurement was refused.
  fileprivate var failureMessage: String? {
    if case .failure(let e) = self { return Messages.text(e) }
    return nil
  }
}

extension Result {
  /// Why the measurement could not be made, in a line.
  fileprivate var failureText: String? {
    if case .failure(let e) = self { return "\(e)" }
    return nil
  }
}
