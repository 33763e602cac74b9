import DistLab
import DistLabTasks
import DistLabTasksRedis

/// The task lab's `expect` subjects on a real Redis, after `task start --redis`: each reads what
/// the `task` commands read there, through the same bridge calls (a task's state and result
/// as `task status` does, queue lengths and unacked as `task queues` does); what only the
/// simulation's trace or nodes hold is refused in a line.
enum TaskRedisSubjects {
  /// The task sent from this shell under `key` (T1… or its Celery UUID), as the task commands
  /// take it.
  static func task(_ s: ShellSession, _ t: Token, _ key: String) throws(ShellError) -> CeleryBridge.Sent {
    guard let sent = s.celery.task(key, prefix: "T") else {
      throw ShellError(Messages.text(TaskRedisProblem.unknownID(key, sent: s.celery.shorts("T"))), column: t.column)
    }
    return sent
  }

  /// What the result backend holds under `celery-task-meta-<uuid>` (PENDING when absent).
  static func result(_ s: ShellSession, _ t: Token, _ key: String) throws(ShellError) -> CeleryResult {
    let sent = try task(s, t, key)
    return try TaskRedisCommands.attempt(t.column) { () throws(TaskRedisProblem) in
      try TaskRedisCommands.bridge { () throws(CeleryBridge.Problem) in try s.celery.result(sent.id) }
    }
  }

  static func state(_ s: ShellSession, _ t: Token, _ key: String) throws(ShellError) -> Observed {
    .text(try result(s, t, key).state)
  }

  /// What the task returned, null until it succeeded (as the simulation's backend keeps it).
  static func value(_ s: ShellSession, _ t: Token, _ key: String) throws(ShellError) -> Observed {
    let r = try result(s, t, key)
    return r.state == TaskState.success.rawValue ? Observed(r.result) : .text("null")
  }

  static func sent(_ s: ShellSession) -> Observed { .number(Double(s.celery.shorts("T").count)) }

  /// How many of the tasks this shell sent the result backend holds in `state`.
  static func count(_ s: ShellSession, _ t: Token, _ state: TaskState) throws(ShellError) -> Observed {
    let b = s.celery
    let states = try TaskRedisCommands.attempt(t.column) { () throws(TaskRedisProblem) in
      try TaskRedisCommands.bridge { () throws(CeleryBridge.Problem) in
        try b.sent.filter { $0.short.hasPrefix("T") }.map { (m) throws(CeleryBridge.Problem) in try b.result(m.id).state
        }
      }
    }
    return .number(Double(states.filter { $0 == state.rawValue }.count))
  }

  /// The queues `task queues` lists: how many wait on them in all, and how many are unacked.
  static func queues(_ s: ShellSession, _ t: Token) throws(ShellError) -> (queued: Int, unacked: Int) {
    let b = s.celery
    let q = try TaskRedisCommands.attempt(t.column) { () throws(TaskRedisProblem) in
      try TaskRedisCommands.bridge { () throws(CeleryBridge.Problem) in try b.queues(TaskRedisCommands.listed(b)) }
    }
    return (q.rows.map(\.waiting).reduce(0, +), q.unacked)
  }

  /// Refuses a subject only the simulation gives a meaning to.
  static func refuse(_ r: TaskRedisProblem.Reading, _ t: Token) throws(ShellError) -> Observed {
    throw ShellError(Messages.text(TaskRedisProblem.simulationSubject(r, t.text)), column: t.column)
  }
}
