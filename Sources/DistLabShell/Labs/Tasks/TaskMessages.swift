import DistLab
import DistLabTasks

extension Messages {
  /// The task lab's refusals.
  static func text(_ e: TaskLabError) -> String {
    switch e {
    case .world(let w): return text(w)
    case .notStarted: return "no broker yet: 'task start' starts a broker, a result backend and workers"
    case .alreadyStarted: return "the task lab already runs; 'task worker' adds workers, 'reset' starts over"
    case .unknownTask(let name):
      return
        "unknown task '\(name)'\(Suggest.hint(for: name, in: TaskCatalog.names)) (one of: \(TaskCatalog.names.joined(separator: ", ")))"
    case .arguments(let task, let mismatch):
      guard let d = TaskCatalog.definition(task) else { return "wrong arguments for \(task)" }
      let usage = TaskCatalog.usage(d)
      switch mismatch {
      case .count(let given):
        return
          "\(task) takes \(d.arguments.count) argument\(d.arguments.count == 1 ? "" : "s") (\(usage)), not \(given)"
      case .type(let position, let expected, let given)
      where expected.type == .duration && given.stringValue.map(Units.durationPastHorizon) == true:
        return "\(task): argument \(position) (\(expected.label)) runs past the world's horizon, \(horizon)"
      case .type(let position, let expected, let given):
        return
          "\(task): argument \(position) (\(expected.label)) must be \(typeWord(expected.type)), not \(given.typeName.first.map { "aeiou".contains($0) } == true ? "an" : "a") \(given.typeName)"
      }
    case .unknownID(let id): return "no task '\(id)' was sent from this shell ('task list' shows them)"
    case .noWorkers: return "no workers: 'task worker' adds one"
    case .unknownInspection(let what):
      return "unknown inspection '\(what)' (one of: active, reserved, scheduled, revoked, stats)"
    case .beatRunning:
      return
        "a beat already runs: Celery expects exactly one, and a second publishes every entry again; --force starts it anyway"
    case .noBeat: return "no beat yet: 'beat start' starts one"
    case .unknownEntry(let name): return "no schedule entry '\(name)' ('beat list' shows them)"
    case .badCrontab(let p): return text(p)
    }
  }

  static func text(_ p: Crontab.Problem) -> String {
    switch p {
    case .unknownField(let part):
      return
        "'\(part)' is not a crontab field: write FIELD=PATTERN with minute, hour, day_of_week, day_of_month or month_of_year"
    case .badValue(let field, let text):
      return "\(field.rawValue) '\(text)' is not a pattern: use *, N, A-B, */N or A-B/N, several joined by ;"
    case .outOfRange(let field, let value):
      let r = field.range
      return "\(field.rawValue) \(value) is out of range (\(r.lowerBound) to \(r.upperBound))"
    case .nothingMatches: return "that crontab never matches a date (such as 31 February)"
    }
  }

  static func typeWord(_ t: ArgumentType) -> String {
    switch t {
    case .int: "a whole number"
    case .double: "a number"
    case .string, .key: "text"
    case .duration: "a duration like 2s"
    case .bool: "true or false"
    case .list: "a list"
    case .map: "a map"
    case .bytes: "bytes"
    case .value: "a value"
    }
  }

  /// How the workers' trace events read.
  @Sendable static func taskEvent(_ topic: String, _ values: [Value]) -> String? {
    guard topic.hasPrefix("task.") || topic.hasPrefix("beat."), let id = values.first?.stringValue else { return nil }
    let slot = values.count > 1 ? values[1].intValue.map { " in slot \($0 + 1)" } ?? "" : ""
    switch topic {
    case "task.received":
      return "\(id) received" + (values.count > 2 && values[2] == .bool(true) ? " (redelivered)" : "")
    case "task.started": return "\(id) started\(slot)"
    case "task.succeeded": return "\(id) succeeded\(slot)"
    case "task.failed": return "\(id) failed\(slot): \(values.count > 2 ? values[2].stringValue ?? "" : "")"
    case "task.retry": return "\(id) will retry\(slot): \(values.count > 2 ? values[2].stringValue ?? "" : "")"
    case "task.terminated": return "\(id) terminated\(slot)"
    case "task.lost":
      return "\(id)'s pool process died\(slot): "
        + (values.count > 2 && values[2] == .bool(true) ? "requeued" : "acknowledged, FAILURE")
    case "beat.sent": return "beat published \(id)"
    default: return nil
    }
  }
}

/// Runs a task lab operation, turning its refusal into a shell error at `column`.
func attempt<R>(_ column: Int, _ body: () throws(TaskLabError) -> R) throws(ShellError) -> R {
  do {
    return try body()
  } catch {
    throw ShellError(Messages.text(error), column: column)
  }
}

extension Messages {
  static func text(_ p: CeleryBridge.Problem) -> String {
    switch p {
    case .notConnected: "no Redis yet: 'celery connect redis://127.0.0.1:6379/0' first"
    case .badURL(let u): "a Redis URL is redis://HOST:PORT/DB, like redis://127.0.0.1:6379/0, not '\(u)'"
    case .redis(let e): "\(e)"
    case .noWorker: "no worker runs in this shell ('celery worker start')"
    case .workerRunning: "a worker already runs in this shell ('celery worker stop' first)"
    }
  }
}
