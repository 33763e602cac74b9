import DistLab
import DistLabTasks

/// The task lab's shell side, as `Labs.all` lists it.
enum TaskLab {
  static let shell = LabShellSide(
    commands: [TaskCommands.spec, TaskCommands.beatSpec, CeleryCommands.spec], subjects: subjects,
    events: Messages.taskEvent)

  /// `expect task.…`, `tasks.…` and `broker.…`: read from the nodes as `nodes` reads them —
  /// the world's truth, which the lab's client learns only by asking.
  static let subjects = SubjectGroup(
    title:
      "The task lab (read from the backend's and broker's stores and the workers' trace events — the world's truth; the client asks with 'task status' and 'task queues')",
    namespace: "task",
    subjects: [
      Subject("task.state.KEY", "PENDING until the backend stores a state") { s, t throws(ShellError) in
        let id = try known(s, t, String(t.text.dropFirst("task.state.".count)))
        return .text(results(s, t)[id]?["state"]?.stringValue ?? TaskState.pending.rawValue)
      },
      Subject("task.result.KEY") { s, t throws(ShellError) in
        let id = try known(s, t, String(t.text.dropFirst("task.result.".count)))
        return results(s, t)[id]?["result"].map(Observed.init) ?? .text("null")
      },
      Subject("task.runs.KEY", "how many times it started, on any worker") { s, t throws(ShellError) in
        let id = try known(s, t, String(t.text.dropFirst("task.runs.".count)))
        return .number(Double(TaskLedger(s.world.trace).starts[id] ?? 0))
      },
      Subject("tasks.sent") { s, _ throws(ShellError) in .number(Double(s.tasks.sent.count)) },
      Subject("tasks.succeeded") { s, t throws(ShellError) in count(s, t, .success) },
      Subject("tasks.failed") { s, t throws(ShellError) in count(s, t, .failure) },
      Subject("tasks.revoked") { s, t throws(ShellError) in count(s, t, .revoked) },
      Subject("tasks.pending", "sent tasks the backend has no state for") { s, t throws(ShellError) in
        count(s, t, .pending)
      },
      Subject("tasks.duplicates", "runs beyond the first, over every task") { s, _ throws(ShellError) in
        .number(Double(TaskLedger(s.world.trace).duplicates))
      },
      Subject("tasks.redelivered", "deliveries after a restore") { s, _ throws(ShellError) in
        .number(Double(TaskLedger(s.world.trace).redeliveries.values.reduce(0, +)))
      },
      Subject("beat.count", "beats the lab started that are up") { s, _ throws(ShellError) in
        .number(Double(s.tasks.beats.filter { s.world.info($0)?.status == .up }.count))
      },
      Subject("beat.sent.KEY", "tasks the entry KEY published, over every beat") { s, t throws(ShellError) in
        .number(Double(TaskLedger(s.world.trace).beatSent[String(t.text.dropFirst("beat.sent.".count))] ?? 0))
      },
      Subject("backend.charged", "the account charge tasks add to") { s, t throws(ShellError) in
        .number(try backendMetric(s, t, "charged"))
      },
      Subject("backend.charges", "charges applied") { s, t throws(ShellError) in
        .number(try backendMetric(s, t, "charges"))
      },
      Subject("broker.queued", "messages waiting in the broker's queues") { s, t throws(ShellError) in
        .number(try brokerMetric(s, t, "queued"))
      },
      Subject("broker.unacked", "delivered and not acknowledged") { s, t throws(ShellError) in
        .number(try brokerMetric(s, t, "unacked"))
      },
    ])

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
