import DistLab
import DistLabTasks

/// The task lab's shell side, as `Labs.all` lists it.
enum TaskLab {
  static let shell = LabShellSide(
    commands: [TaskCommands.spec, TaskCommands.beatSpec, CeleryCommands.spec], subjects: subjects,
    events: Messages.taskEvent)

  /// `expect task.…`, `tasks.…` and `broker.…`: read from the nodes as `nodes` reads them —
  /// the world's truth, which the lab's client learns only by asking. After `task start
  /// --redis` each reads the Redis as the task commands do, or is refused where only the
  /// simulation gives it a meaning.
  static let subjects = SubjectGroup(
    title:
      "The task lab (read from the backend's and broker's stores and the workers' trace events — the world's truth; the client asks with 'task status' and 'task queues'; after 'task start --redis', from the Redis as noted)",
    namespace: "task",
    subjects: [
      subject(
        "task.state.KEY", "PENDING until the backend stores a state; on Redis, the status in celery-task-meta-<uuid>",
        sim: { s, t throws(ShellError) in
          let id = try known(s, t, key(t, "task.state."))
          return .text(results(s, t)[id]?["state"]?.stringValue ?? TaskState.pending.rawValue)
        },
        redis: { s, t throws(ShellError) in try TaskRedisSubjects.state(s, t, key(t, "task.state.")) }),
      subject(
        "task.result.KEY", "what it returned, null until SUCCESS; on Redis, the result in celery-task-meta-<uuid>",
        sim: { s, t throws(ShellError) in
          let id = try known(s, t, key(t, "task.result."))
          return results(s, t)[id]?["result"].map(Observed.init) ?? .text("null")
        },
        redis: { s, t throws(ShellError) in try TaskRedisSubjects.value(s, t, key(t, "task.result.")) }),
      simulationOnly("task.runs.KEY", "how many times it started, on any worker", .runs) { s, t throws(ShellError) in
        let id = try known(s, t, key(t, "task.runs."))
        return .number(Double(TaskLedger(s.world.trace).starts[id] ?? 0))
      },
      subject(
        "tasks.sent", "from this shell, on Redis too",
        sim: { s, _ throws(ShellError) in .number(Double(s.tasks.sent.count)) },
        redis: { s, _ throws(ShellError) in TaskRedisSubjects.sent(s) }),
      counted("tasks.succeeded", .success),
      counted("tasks.failed", .failure),
      counted("tasks.revoked", .revoked),
      subject(
        "tasks.pending", "sent tasks the backend has no state for; on Redis, those with no celery-task-meta-<uuid>",
        sim: { s, t throws(ShellError) in count(s, t, .pending) },
        redis: { s, t throws(ShellError) in try TaskRedisSubjects.count(s, t, .pending) }),
      simulationOnly("tasks.duplicates", "runs beyond the first, over every task", .duplicates) {
        s, _ throws(ShellError) in
        .number(Double(TaskLedger(s.world.trace).duplicates))
      },
      simulationOnly("tasks.redelivered", "deliveries after a restore", .redelivered) { s, _ throws(ShellError) in
        .number(Double(TaskLedger(s.world.trace).redeliveries.values.reduce(0, +)))
      },
      simulationOnly("beat.count", "beats the lab started that are up", .beat) { s, _ throws(ShellError) in
        .number(Double(s.tasks.beats.filter { s.world.info($0)?.status == .up }.count))
      },
      simulationOnly("beat.sent.KEY", "tasks the entry KEY published, over every beat", .beat) {
        s, t throws(ShellError) in
        .number(Double(TaskLedger(s.world.trace).beatSent[key(t, "beat.sent.")] ?? 0))
      },
      simulationOnly("backend.charged", "the account charge tasks add to", .account) { s, t throws(ShellError) in
        .number(try backendMetric(s, t, "charged"))
      },
      simulationOnly("backend.charges", "charges applied", .account) { s, t throws(ShellError) in
        .number(try backendMetric(s, t, "charges"))
      },
      subject(
        "broker.queued", "messages waiting in the broker's queues; on Redis, the lengths of those 'task queues' lists",
        sim: { s, t throws(ShellError) in .number(try brokerMetric(s, t, "queued")) },
        redis: { s, t throws(ShellError) in .number(Double(try TaskRedisSubjects.queues(s, t).queued)) }),
      subject(
        "broker.unacked", "delivered and not acknowledged; on Redis, kombu's unacked_index, as 'task queues' reads it",
        sim: { s, t throws(ShellError) in .number(try brokerMetric(s, t, "unacked")) },
        redis: { s, t throws(ShellError) in .number(Double(try TaskRedisSubjects.queues(s, t).unacked)) }),
    ])

  typealias Read = @Sendable (ShellSession, Token) throws(ShellError) -> Observed

  /// A subject read from the simulation by `sim`, or by `redis` after `task start --redis`.
  static func subject(_ name: String, _ help: String, sim: @escaping Read, redis: @escaping Read) -> Subject {
    Subject(name, help) { s, t throws(ShellError) in
      TaskRedisCommands.active(s) ? try redis(s, t) : try sim(s, t)
    }
  }

  /// A subject only the simulation gives a meaning to: after `task start --redis` it is
  /// refused, saying why and what to read instead.
  static func simulationOnly(
    _ name: String, _ help: String, _ reading: TaskRedisProblem.Reading, sim: @escaping Read
  ) -> Subject {
    subject(
      name, help + "; the simulation's only", sim: sim,
      redis: { _, t throws(ShellError) in try TaskRedisSubjects.refuse(reading, t) })
  }

  /// `tasks.succeeded` and its like: sent tasks in `state`, on Redis as each one's result says.
  static func counted(_ name: String, _ state: TaskState) -> Subject {
    subject(
      name, "sent tasks in \(state.rawValue); on Redis, as each one's celery-task-meta-<uuid> says",
      sim: { s, t throws(ShellError) in count(s, t, state) },
      redis: { s, t throws(ShellError) in try TaskRedisSubjects.count(s, t, state) })
  }

  /// What a `.KEY` subject's last part says.
  static func key(_ t: Token, _ prefix: String) -> String { String(t.text.dropFirst(prefix.count)) }

  static func known(_ s: ShellSession, _ t: Token, _ id: String) throws(ShellError) -> String {
    guard s.tasks.sent.contains(where: { $0.id == id }) else {
      throw ShellError(Messages.text(TaskLabError.unknownID(id)), column: t.column)
    }
    return id
  }

  /// The backend's stored results, read from the node as `nodes backend` reads them (empty
  /// when the lab has not started or the backend is down).
  static func results(_ s: ShellSession, _ t: Token) -> [String: Value] {
    guard let backend = s.tasks.backend else { return [:] }
    return ((try? s.world.summary(of: backend)) ?? nil)?.data ?? [:]
  }

  static func count(_ s: ShellSession, _ t: Token, _ state: TaskState) -> Observed {
    let stored = results(s, t)
    let n = s.tasks.sent.filter { m in
      (stored[m.id]?["state"]?.stringValue ?? TaskState.pending.rawValue) == state.rawValue
    }.count
    return .number(Double(n))
  }

  static func brokerMetric(_ s: ShellSession, _ t: Token, _ metric: String) throws(ShellError) -> Double {
    try nodeMetric(s.tasks.broker, s, t, metric)
  }

  static func backendMetric(_ s: ShellSession, _ t: Token, _ metric: String) throws(ShellError) -> Double {
    try nodeMetric(s.tasks.backend, s, t, metric)
  }

  /// A lab node's metric, read from the node as `nodes` reads it (0 while it is down).
  static func nodeMetric(_ node: NodeID?, _ s: ShellSession, _ t: Token, _ name: String) throws(ShellError) -> Double {
    guard let node else { throw ShellError(Messages.text(TaskLabError.notStarted), column: t.column) }
    return try attempt(t.column) { () throws(WorldError) in try s.world.metric(name, of: node) } ?? 0
  }
}
