import DistLab
import DistLabRedis
import DistLabTasks
import DistLabTasksRedis
import Foundation

/// The `task` commands on a real Redis, after `task start --redis URL`: each calls the bridge
/// the `celery` family uses (one implementation of Celery's wire) and answers by the short
/// ids T1, T2, … as the simulation does. What has no meaning on a real Redis is refused.
enum TaskRedisCommands {
  /// The worker flags only the simulation gives a meaning to.
  static let simulatedWorkerFlags = ["--prefetch", "--track-started", "--reject-on-worker-lost", "--rate-limit"]
  /// The send flags only the simulation gives a meaning to.
  static let simulatedSendFlags = ["--retries", "--backoff", "--idempotency-key", "--soft-time-limit", "--time-limit"]

  /// Whether the task commands act on a real Redis now.
  static func active(_ s: ShellSession) -> Bool { s.celery.tasksOnRedis }

  static func attempt<R>(_ column: Int, _ body: () throws(TaskRedisProblem) -> R) throws(ShellError) -> R {
    do {
      return try body()
    } catch {
      throw ShellError(Messages.text(error), column: column)
    }
  }

  static func bridge<R>(_ body: () throws(CeleryBridge.Problem) -> R) throws(TaskRedisProblem) -> R {
    do {
      return try body()
    } catch {
      throw .bridge(error)
    }
  }

  /// A publish: what Redis did not take is said as not accepted.
  static func publish<R>(_ call: String, _ body: () throws(CeleryBridge.Problem) -> R) throws(TaskRedisProblem) -> R {
    do {
      return try body()
    } catch {
      if case .redis(let e) = error { throw .notAccepted(call, e) }
      throw .bridge(error)
    }
  }

  /// Refuses, on Redis, a command only the simulation has.
  static func refuse(_ c: TaskRedisProblem.Command, _ inv: Invocation, _ s: ShellSession) throws(ShellError) {
    guard active(s) else { return }
    throw ShellError(Messages.text(TaskRedisProblem.simulationOnly(c)), column: inv.column)
  }

  static func refuse(flags: [String], _ inv: Invocation) throws(ShellError) {
    for f in flags {
      if let t = inv.flags[f] { throw ShellError(Messages.text(TaskRedisProblem.flag(f)), column: t.column) }
    }
  }

  static func known(_ t: Token, _ s: ShellSession) throws(ShellError) -> CeleryBridge.Sent {
    guard let sent = s.celery.task(t.text, prefix: "T") else {
      throw ShellError(Messages.text(TaskRedisProblem.unknownID(t.text, sent: s.celery.shorts("T"))), column: t.column)
    }
    return sent
  }

  static func start(_ inv: Invocation, _ s: ShellSession, url: Token) throws(ShellError) -> CommandResult {
    if s.sandbox != nil { throw ShellError(Messages.text(TaskRedisProblem.sandboxed), column: url.column) }
    try refuse(flags: simulatedWorkerFlags, inv)
    let count = try inv.flagInt("--workers", range: 0...100) ?? 2
    let settings = try TaskCommands.settings(inv, broker: .client, backend: .client)
    guard s.tasks.broker == nil else {
      throw ShellError(Messages.text(TaskRedisProblem.simulationRuns), column: inv.column)
    }
    let b = s.celery
    b.disconnect()
    let (server, workers) = try attempt(url.column) { () throws(TaskRedisProblem) in
      do throws(TaskRedisProblem) {
        let server = try bridge { () throws(CeleryBridge.Problem) in try b.connect(url.text) }
        b.tasksOnRedis = true
        return (server, try startWorkers(count, settings, b))
      } catch {
        b.disconnect()
        throw error
      }
    }
    return .task(.onRedis(.started(url: url.text, server: server, workers: workers)))
  }

  static func worker(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    try refuse(flags: simulatedWorkerFlags, inv)
    let count = try inv.flagInt("--count", range: 1...100) ?? 1
    let settings = try TaskCommands.settings(inv, broker: .client, backend: .client)
    let b = s.celery
    let added = try attempt(inv.column) { () throws(TaskRedisProblem) in try startWorkers(count, settings, b) }
    return .task(.onRedis(.workersAdded(added)))
  }

  /// Starts `count` workers in this shell, named w1, w2, … after those already there, each
  /// with the simulation's settings that have a meaning on Redis.
  static func startWorkers(_ count: Int, _ w: WorkerSettings, _ b: CeleryBridge) throws(TaskRedisProblem)
    -> [TaskRedisResult.Worker]
  {
    var started: [TaskRedisResult.Worker] = []
    for _ in 0..<count {
      let name = "w\(b.workers.filter { $0.name.hasPrefix("w") }.count + 1)"
      let settings = try bridge { () throws(CeleryBridge.Problem) in
        try b.startWorker(name) { s in
          s.name = name + "@" + ProcessInfo.processInfo.hostName
          s.concurrency = w.concurrency
          s.acksLate = w.acksLate
          s.queues = w.queues
          s.visibilityTimeout = w.visibilityTimeout.seconds
          s.restoreEvery = w.restoreInterval.seconds * Double(w.restoreThrottle)
        }
      }
      started.append(
        TaskRedisResult.Worker(
          name: name, settings: settings, restoreInterval: w.restoreInterval, restoreThrottle: w.restoreThrottle))
    }
    return started
  }

  static func send(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    try refuse(flags: simulatedSendFlags, inv)
    let name = inv.positional[0]
    let tokens = Array(inv.positional.dropFirst())
    let wire = try CeleryWire.arguments(name, tokens)
    let queue = try inv.flags["--queue"].map { (t) throws(ShellError) in try TaskCommands.queueNames(t)[0] }
    let countdown = try inv.flagDuration("--countdown")
    if let countdown, countdown < .zero {
      throw ShellError("--countdown cannot be negative", column: inv.flags["--countdown"]?.column)
    }
    let expires = try TaskCommands.positive(inv, "--expires")
    let call = TaskMessage(id: "", task: name.text, args: tokens.map(Units.value)).call
    let b = s.celery
    let q = queue ?? TaskDefaults.queue
    let id = try attempt(name.column) { () throws(TaskRedisProblem) in
      try publish(call) { () throws(CeleryBridge.Problem) in
        try b.send(name.text, wire, queue: q, countdown: countdown, expires: expires)
      }
    }
    return .task(.onRedis(.sent(b.record("T", id: id, call: call, queue: q), countdown: countdown, expires: expires)))
  }

  /// `task chain` and `task group`: a chain as one message carrying its later links, a group
  /// as a message per task under one group id, as Celery's canvas sends them.
  static func canvas(_ inv: Invocation, _ s: ShellSession, _ kind: TaskClient.CanvasKind) throws(ShellError)
    -> CommandResult
  {
    guard kind != .chord else {
      throw ShellError(Messages.text(TaskRedisProblem.simulationOnly(.chord)), column: inv.column)
    }
    let parts = CeleryWire.signatures(inv.positional)
    guard parts.allSatisfy({ !$0.isEmpty }) else {
      throw ShellError("a signature is missing around '|': write TASK ARG… | TASK ARG…", column: inv.column)
    }
    var links: [(task: String, args: [Value])] = []
    var calls: [String] = []
    for (i, part) in parts.enumerated() {
      let given = kind == .chain && i > 0 ? 1 : 0
      links.append((part[0].text, try CeleryWire.arguments(part[0], Array(part.dropFirst()), given: given)))
      var shown = TaskMessage(id: "", task: part[0].text, args: part.dropFirst().map(Units.value))
      shown.partial = given == 1
      calls.append(shown.call)
    }
    let queue = try inv.flags["--queue"].map { (t) throws(ShellError) in try TaskCommands.queueNames(t)[0] }
    let q = queue ?? TaskDefaults.queue
    let b = s.celery
    let ids = try attempt(inv.positional[0].column) { () throws(TaskRedisProblem) in
      try publish("the \(kind.rawValue)") { () throws(CeleryBridge.Problem) in
        kind == .chain ? try b.chain(links, queue: q) : try b.group(links, queue: q).ids
      }
    }
    let sent = zip(ids, calls).map { b.record("T", id: $0, call: $1, queue: q) }
    return .task(.onRedis(.canvas(kind, sent)))
  }

  static func status(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let t = try known(inv.positional[0], s)
    let r = try attempt(inv.column) { () throws(TaskRedisProblem) in
      try bridge { () throws(CeleryBridge.Problem) in try s.celery.result(t.id) }
    }
    return .task(.onRedis(.status(t, r)))
  }

  static func list(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let b = s.celery
    let rows = try attempt(inv.column) { () throws(TaskRedisProblem) in
      try bridge { () throws(CeleryBridge.Problem) in
        try b.sent.filter { $0.short.hasPrefix("T") }.map { (t) throws(CeleryBridge.Problem) in (t, try b.result(t.id))
        }
      }
    }
    return .task(.onRedis(.list(rows)))
  }

  static func wait(_ inv: Invocation, _ s: ShellSession, timeout: Nanoseconds) throws(ShellError) -> CommandResult {
    let t = try known(inv.positional[0], s)
    let (r, seconds) = try attempt(inv.column) { () throws(TaskRedisProblem) in
      try bridge { () throws(CeleryBridge.Problem) in
        try s.celery.wait(t.id, timeout: timeout.seconds, cancel: s.cancel)
      }
    }
    let waited = Nanoseconds.milliseconds((seconds * 1000).rounded())
    return .task(.onRedis(.waited(t, r, waited: waited, timeout: timeout)))
  }

  /// `task queues`: the default queue, the queues this shell's workers consume and those sent to.
  static func queues(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let b = s.celery
    let q = try attempt(inv.column) { () throws(TaskRedisProblem) in
      try bridge { () throws(CeleryBridge.Problem) in try b.queues(listed(b)) }
    }
    return .task(.onRedis(.queues(q.rows, unacked: q.unacked, dead: q.dead)))
  }

  /// The queues `task queues` lists: the default queue, then those this shell's workers
  /// consume and those sent to, each once.
  static func listed(_ b: CeleryBridge) -> [String] {
    var names = [TaskDefaults.queue]
    for q in b.workers.flatMap(\.worker.settings.queues) + b.sent.map(\.queue) where !names.contains(q) {
      names.append(q)
    }
    return names
  }

  static func revoke(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let t = try known(inv.positional[0], s)
    let terminate = inv.has("--terminate")
    let n = try attempt(inv.column) { () throws(TaskRedisProblem) in
      try bridge { () throws(CeleryBridge.Problem) in try s.celery.revoke(t.id, terminate: terminate) }
    }
    return .task(.onRedis(.revoked(t, terminate: terminate, listeners: n)))
  }
}
