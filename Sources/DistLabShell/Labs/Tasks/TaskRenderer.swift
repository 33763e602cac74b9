import DistLab
import DistLabTasks

/// The task lab's results as text.
struct TaskRenderer {
  let style: Style
  let view: WorldView

  func name(_ id: NodeID) -> String { view.name(id) }

  func render(_ r: TaskResult) -> String {
    switch r {
    case .started(let nodes, let s):
      let workers = nodes.dropFirst(2).map(\.name)
      return "started the task lab: broker, backend"
        + (workers.isEmpty ? " (no workers yet)" : ", " + NodeSet.compact(workers)) + "\n"
        + "workers: " + describe(s)
    case .workersAdded(let nodes, let s):
      return "added \(NodeSet.compact(nodes.map(\.name))): " + describe(s)
    case .sent(let o) where !o.accepted:
      let why: String
      switch o.refusal {
      case .noAnswer(let d)?: why = "the broker did not answer within \(d); it may or may not have queued it"
      case .refused(let e)?: why = "the broker refused it (\(e)); nothing was queued"
      case nil: why = ""
      }
      return style.error("\(o.message.id) \(o.message.call) was not accepted: \(why)")
    case .sent(let o):
      var line = "sent \(o.message.id) \(o.message.call) to queue \(o.message.queue)"
      if let eta = o.message.eta { line += ", due at \(eta.clockReading)" }
      if let expires = o.message.expires { line += ", expires at \(expires.clockReading)" }
      return line
    case .status(let id, let status, let message):
      let call = message.map { " \($0.call)" } ?? ""
      guard let status else { return style.error("\(id)\(call): the backend did not answer") }
      return "\(id)\(call): " + state(status)
    case .list(let rows): return list(rows)
    case .waited(let id, let status, let waited, let timeout):
      guard let status else { return style.error("\(id): the backend did not answer") }
      if status.state.isReady { return "\(id) ready after \(waited): " + state(status) }
      return style.warn("\(id) not ready after \(timeout): ") + state(status)
    case .queues(let stats, let now): return queues(stats, now: now)
    case .inspected(let what, let answers): return inspected(what, answers)
    case .revoked(let id, let terminate, let acked, let asked):
      let silent = asked.filter { !acked.contains($0) }
      var line =
        "revoked \(id): \(acked.count) of \(asked.count) worker\(asked.count == 1 ? "" : "s") will skip it"
        + (terminate ? " and stop it if running" : "")
      if !silent.isEmpty {
        line += "; " + style.warn("\(NodeSet.compact(silent.map(name))) did not answer and may still run it")
      }
      return line
    case .beatStarted(let beat, let entries):
      return
        "started \(beat.name): it publishes the schedule's \(entries) entr\(entries == 1 ? "y" : "ies") to the broker"
    case .entrySet(let e, let took, let asked):
      return "\(e.name): \(TaskMessage(id: "", task: e.task, args: e.args).call) \(schedule(e.schedule))"
        + reach(took, asked)
    case .entryRemoved(let name, let took, let asked): return "removed \(name)" + reach(took, asked)
    case .beatListed(let entries, let answers): return beatList(entries, answers)
    case .canvas(let kind, let messages, let outcomes):
      let refused = outcomes.filter { !$0.accepted }.map(\.message.id)
      var line = canvas(kind, messages.map { "\($0.id) \($0.call)" })
      if !refused.isEmpty {
        line += "\n" + style.error("not accepted (the broker did not answer): " + refused.joined(separator: ", "))
      }
      return line
    case .timeline(let t): return TaskTimelineRenderer(style: style, view: view).render(t)
    case .onRedis(let r): return TaskRedisRenderer(tasks: self).render(r)
    }
  }

  func schedule(_ s: BeatEntry.Schedule) -> String {
    switch s {
    case .every(let d): "every \(d)"
    case .crontab(let c): "on \(c.description)"
    }
  }

  /// `; given to beat` / `; beat2 did not answer` / `; no beat runs yet`.
  func reach(_ took: [NodeID], _ asked: [NodeID]) -> String {
    guard !asked.isEmpty else { return " (no beat runs yet: 'beat start')" }
    let silent = asked.filter { !took.contains($0) }
    var text = "; told \(NodeSet.compact(took.map(name)))"
    if !silent.isEmpty { text += "; " + style.warn("\(NodeSet.compact(silent.map(name))) did not answer") }
    return text
  }

  func beatList(_ entries: [BeatEntry], _ answers: [(NodeID, Value?)]) -> String {
    guard !entries.isEmpty else { return "no entries ('beat add' adds one)" }
    let wide = beatTable(entries, answers, schedules: true)
    guard let columns = style.columns,
      wide.split(separator: "\n").contains(where: { TextWidth.of(String($0)) > columns })
    else { return wide }
    // Too wide for the terminal: the schedules under the table, one an entry.
    return beatTable(entries, answers, schedules: false) + "\n"
      + entries.map { "\($0.name): \(schedule($0.schedule))" }.joined(separator: "\n")
  }

  func beatTable(_ entries: [BeatEntry], _ answers: [(NodeID, Value?)], schedules: Bool) -> String {
    let header = ["ENTRY", "TASK"] + (schedules ? ["SCHEDULE"] : []) + ["BEAT", "RUNS", "LAST", "NEXT"]
    var table = TextTable(header, rightAligned: [schedules ? 4 : 3])
    for e in entries {
      for (beat, answer) in answers {
        let row = (answer?.listValue ?? []).first { $0["entry"]?["name"]?.stringValue == e.name }
        let last = row?["last"]?.intValue.map { Nanoseconds($0).clockReading } ?? "-"
        let next = row?["next"]?.intValue.map { Nanoseconds($0).clockReading } ?? "-"
        table.add(
          [e.name, TaskMessage(id: "", task: e.task, args: e.args).call] + (schedules ? [schedule(e.schedule)] : []) + [
            name(beat), answer == nil ? "?" : String(row?["runs"]?.intValue ?? 0), answer == nil ? "no answer" : last,
            next,
          ])
      }
    }
    return table.render(style: style)
  }

  func describe(_ s: WorkerSettings) -> String {
    let slots = "\(s.concurrency) slot\(s.concurrency == 1 ? "" : "s")"
    let prefetch =
      s.prefetchLimit.map { "prefetch \($0) unacked (\(s.concurrency) × \(s.prefetchMultiplier))" }
      ?? "prefetch unlimited"
    var text =
      "\(slots), \(prefetch), \(s.acksLate ? "late" : "early") ack, queues \(s.queues.joined(separator: ","))\n"
      + "  visibility timeout \(s.visibilityTimeout), restore scan every \(s.restoreInterval) × \(s.restoreThrottle)"
    if s.rejectOnWorkerLost { text += ", reject on worker lost" }
    if s.trackStarted { text += ", track started" }
    if !s.rateLimits.isEmpty {
      text +=
        ", rate limits "
        + s.rateLimits.keys.sorted().map { "\($0) \(s.rateLimits[$0]?.text ?? "")" }.joined(
          separator: ", ")
    }
    return text
  }

  /// `sent chain T1 add(2, 2) → T2 mul(…, 10)`, from each task's `ID CALL`.
  func canvas(_ kind: TaskClient.CanvasKind, _ tasks: [String]) -> String {
    switch kind {
    case .chain: "sent chain " + tasks.joined(separator: " → ")
    case .group: "sent group " + tasks.joined(separator: ", ")
    case .chord: "sent chord " + tasks.dropLast().joined(separator: ", ") + " ⇒ " + (tasks.last ?? "")
    }
  }

  func state(_ s: TaskStatus) -> String {
    state(s.state, result: s.result, error: s.error, retries: s.retries, worker: s.worker.map(name))
  }

  /// A task's state as it reads, whether a simulated backend or a real one holds it.
  func state(_ state: TaskState, result: Value?, error: String?, retries: Int, worker: String?) -> String {
    var text = state.rawValue
    switch state {
    case .success: text += " " + (result?.description ?? "null")
    case .failure, .retry, .revoked: if let e = error { text += " " + e }
    case .pending: text += " (the backend has nothing for it: not run yet, or lost)"
    case .started: break
    }
    if retries > 0 { text += ", retries \(retries)" }
    if let w = worker, state != .pending { text += " (on \(w))" }
    switch state {
    case .success: return style.ok(text)
    case .failure, .revoked: return style.error(text)
    default: return text
    }
  }

  func list(_ rows: [(TaskMessage, TaskStatus?)]) -> String {
    guard !rows.isEmpty else { return "(no tasks sent yet)" }
    var table = TextTable(["ID", "TASK", "QUEUE", "STATE", "RESULT", "WORKER"])
    for (m, s) in rows {
      let result = s.map { cell($0.state, result: $0.result, error: $0.error) } ?? ""
      table.add([
        m.id, m.call, m.queue, s?.state.rawValue ?? "(no answer)", result,
        s?.worker.map(name) ?? "",
      ])
    }
    return table.render(style: style)
  }

  /// What a task list's RESULT column shows for a state.
  func cell(_ state: TaskState, result: Value?, error: String?) -> String {
    switch state {
    case .success: result?.description ?? "null"
    case .failure, .retry, .revoked: error ?? ""
    default: ""
    }
  }

  func queues(_ stats: BrokerStats?, now: Nanoseconds) -> String {
    guard let stats else { return style.error("the broker did not answer") }
    var lines: [String] = []
    if stats.queues.isEmpty {
      lines.append("no messages waiting in any queue")
    } else {
      var table = TextTable(["QUEUE", "WAITING"], rightAligned: [1])
      for q in stats.queues { table.add([q.name, String(q.length)]) }
      lines.append(table.render(style: style))
    }
    lines.append(unacked(stats.unacked.count))
    guard !stats.unacked.isEmpty else { return lines.joined(separator: "\n") }
    var table = TextTable(["TAG", "ID", "TASK", "CONSUMER", "HELD FOR"], rightAligned: [0, 4])
    for u in stats.unacked {
      table.add([String(u.tag), u.id, u.task, name(u.consumer), (now - u.delivered).description])
    }
    lines.append(table.render(style: style))
    return lines.joined(separator: "\n")
  }

  /// How many messages are delivered and not acknowledged, and what becomes of them.
  func unacked(_ n: Int) -> String {
    n == 0 ? "unacked: none" : "unacked: \(n) (restored to the front once older than the visibility timeout)"
  }

  func inspected(_ what: String, _ answers: [(NodeID, Value?)]) -> String {
    answers.map { node, value -> String in
      guard let value else { return style.warn("\(name(node)): no answer") }
      if case .list(let items) = value {
        guard !items.isEmpty else { return "\(name(node)): none" }
        let entries = items.map { item -> String in
          if let id = item.stringValue { return id }
          var text = "\(item["id"]?.stringValue ?? "?") \(item["task"]?.stringValue ?? "")"
          if let slot = item["slot"]?.intValue { text += " slot \(slot + 1)" }
          if let eta = item["eta"]?.intValue { text += " due \(Nanoseconds(eta).clockReading)" }
          if item["redelivered"] == .bool(true) { text += " (redelivered)" }
          return text
        }
        return "\(name(node)): " + entries.joined(separator: "; ")
      }
      let fields = ["concurrency", "prefetch", "unacked", "started", "succeeded", "failed", "retried"]
      return "\(name(node)): "
        + fields.map { "\($0) \(value[$0]?.intValue.map(String.init) ?? "?")" }.joined(separator: ", ")
    }.joined(separator: "\n")
  }
}
