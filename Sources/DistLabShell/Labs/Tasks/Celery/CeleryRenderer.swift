import DistLab
import DistLabRedis
import DistLabTasks
import DistLabTasksRedis

/// `celery …` results as text.
struct CeleryRenderer {
  let style: Style

  func render(_ r: CeleryShellResult) -> String {
    switch r {
    case .connected(let url, let server):
      return "connected to \(server) at \(url)\ntasks go on its lists, results under celery-task-meta-<id>"
    case .sent(let short, let id, let call, let queue):
      return "\(short) = \(id): \(call) on \(queue)"
    case .chained(let shorts, let calls, let queue):
      return zip(shorts, calls).map { "\($0) \($1)" }.joined(separator: " → ") + " on \(queue)"
    case .status(let short, let result):
      return line(short, result)
    case .waited(let short, let result, let seconds, let timeout):
      let ready = !["PENDING", "STARTED", "RETRY"].contains(result.state)
      return line(short, result)
        + (ready
          ? "  (after \(Nanoseconds.seconds(seconds)))"
          : style.dim("  (not ready within \(Nanoseconds.seconds(timeout)))"))
    case .workerStarted(let n, let late, let queues, let retries):
      let wait =
        retries.backoff
        ? "with backoff (retry_backoff)" : CeleryRetry.seconds(retries.delay) + "s apart (default_retry_delay)"
      return "a worker with \(n) slot\(n == 1 ? "" : "s") consumes \(queues.joined(separator: ", "))"
        + (late ? ", acknowledging after each task returns (acks_late)" : ", acknowledging as each task starts")
        + "\nflaky retries its failure up to \(retries.max) time\(retries.max == 1 ? "" : "s") (max_retries), \(wait)"
    case .workerStopped(let completed):
      return "the worker stopped after storing \(completed) result\(completed == 1 ? "" : "s")"
    case .queues(let rows, let unacked, let dead):
      var t = TextTable(["QUEUE", "WAITING"], rightAligned: [1])
      for row in rows { t.add([row.name, String(row.waiting)]) }
      return t.render(style: style) + "\nunacked (delivered, not acknowledged): \(unacked)"
        + (dead > 0 ? "\ndead letters (\(KombuRedis.deadLetterKey)): \(dead)" : "")
    case .log(let lines):
      guard !lines.isEmpty else { return "(the worker has logged nothing yet)" }
      return lines.map(\.text).joined(separator: "\n")
    case .revoked(let short, let n, let signal):
      return "revoked \(short)" + (signal.map { ", terminating it by \($0) where it runs" } ?? "")
        + ": \(n) listener\(n == 1 ? "" : "s") heard the broadcast"
        + (n == 0 ? " (no worker listens now, so none will discard it)" : "")
    case .restored(let n):
      return n == 0
        ? "nothing to restore (or another consumer holds \(KombuRedis.unackedMutexKey))"
        : "restored \(n) message\(n == 1 ? "" : "s") to the front of \(n == 1 ? "its queue" : "their queues"), marked redelivered"
    }
  }

  func line(_ short: String, _ r: CeleryResult) -> String {
    switch r.state {
    case "SUCCESS": return "\(short) \(style.ok("SUCCESS")) \(r.result)"
    case "FAILURE": return "\(short) \(style.error("FAILURE")) \(r.errorText ?? "")"
    case "RETRY": return "\(short) RETRY \(r.errorText ?? "")"
    case "REVOKED": return "\(short) \(style.error("REVOKED"))" + (r.revokedReason.map { " " + $0 } ?? "")
    default: return "\(short) \(r.state)"
    }
  }
}
