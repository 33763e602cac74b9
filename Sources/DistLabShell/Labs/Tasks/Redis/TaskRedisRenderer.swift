import DistLab
import DistLabRedis
import DistLabTasks
import DistLabTasksRedis

/// The task lab's results on a real Redis as text, in the simulation's words wherever the
/// meaning is the same (states, lists, canvases, queues).
struct TaskRedisRenderer {
  let tasks: TaskRenderer
  var style: Style { tasks.style }

  func render(_ r: TaskRedisResult) -> String {
    switch r {
    case .started(let url, let server, let workers):
      return "started the task lab on \(server) at \(url)\n"
        + "it is the broker and the result backend of the task commands until 'reset'\n"
        + (workers.isEmpty
          ? "no workers in this shell: Celery workers on this Redis run what task send sends"
          : "workers \(NodeSet.compact(workers.map(\.name))) in this shell: " + describe(workers[0]))
    case .workersAdded(let workers):
      return "added \(NodeSet.compact(workers.map(\.name))) in this shell: " + describe(workers[0])
    case .sent(let t, let countdown, let expires):
      var line = "sent \(t.short) = \(t.id): \(t.call) to queue \(t.queue)"
      if let countdown { line += ", due in \(countdown)" }
      if let expires { line += ", expires in \(expires)" }
      return line
    case .canvas(let kind, let sent): return tasks.canvas(kind, sent.map { "\($0.short) \($0.call)" })
    case .status(let t, let r): return "\(t.short) \(t.call): " + state(r)
    case .list(let rows): return list(rows)
    case .waited(let t, let r, let waited, let timeout):
      if TaskState(rawValue: r.state)?.isReady == true { return "\(t.short) ready after \(waited): " + state(r) }
      return style.warn("\(t.short) not ready after \(timeout): ") + state(r)
    case .queues(let rows, let unacked, let dead):
      var table = TextTable(["QUEUE", "WAITING"], rightAligned: [1])
      for row in rows { table.add([row.name, String(row.waiting)]) }
      return table.render(style: style) + "\n" + tasks.unacked(unacked)
        + (dead > 0 ? "\ndead letters (\(KombuRedis.deadLetterKey)): \(dead)" : "")
    case .revoked(let t, let terminate, let n):
      guard n > 0 else {
        return "revoked \(t.short): " + style.warn("no worker listens now, so none will skip it")
      }
      return "revoked \(t.short): \(n) listening worker\(n == 1 ? "" : "s") will skip it"
        + (terminate ? " and stop it if running" : "")
    }
  }

  /// `4 slots, early ack, queues celery` and the restore settings on a second line, as the
  /// simulation describes its workers.
  func describe(_ w: TaskRedisResult.Worker) -> String {
    let s = w.settings
    return "\(s.concurrency) slot\(s.concurrency == 1 ? "" : "s"), \(s.acksLate ? "late" : "early") ack, queues "
      + s.queues.joined(separator: ",") + "\n  visibility timeout \(Nanoseconds.seconds(s.visibilityTimeout)),"
      + " restore scan every \(w.restoreInterval) × \(w.restoreThrottle)"
  }

  /// The backend's state in the simulation's words; a state Celery has and the lab has not, as is.
  func state(_ r: CeleryResult) -> String {
    guard let s = TaskState(rawValue: r.state) else { return r.state }
    return tasks.state(s, result: r.result, error: r.errorText ?? r.revokedReason, retries: 0, worker: nil)
  }

  func list(_ rows: [(CeleryBridge.Sent, CeleryResult)]) -> String {
    guard !rows.isEmpty else { return "(no tasks sent yet)" }
    var table = TextTable(["ID", "TASK", "QUEUE", "STATE", "RESULT"])
    for (t, r) in rows {
      let s = TaskState(rawValue: r.state)
      table.add([
        t.short, t.call, t.queue, r.state,
        s.map { tasks.cell($0, result: r.result, error: r.errorText ?? r.revokedReason) } ?? "",
      ])
    }
    return table.render(style: style)
  }
}
