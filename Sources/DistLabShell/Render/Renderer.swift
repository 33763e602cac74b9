import DistLab
import DistLabSharding

/// Turns a command's typed result into the text the user reads.
public struct Renderer {
  public let style: Style
  let view: WorldView

  public init(style: Style, view: WorldView) {
    self.style = style
    self.view = view
  }

  func name(_ id: NodeID) -> String { view.name(id) }

  /// How a mode keeps time, said when the world switches to it.
  static func modeWords(_ m: WorldMode) -> String {
    switch m {
    case .sim: " on a virtual clock"
    case .live: " on the wall clock"
    case .process: " with every node an OS process"
    }
  }

  func names(_ infos: [NodeInfo]) -> String { NodeSet.compact(infos.map(\.name)) }

  public func render(_ result: CommandResult) -> String {
    switch result {
    case .nothing, .exit: return ""
    case .nodesChanged(let change, let infos): return nodesChanged(change, infos)
    case .nodeTable(let rows): return NodeTableRenderer(style: style).render(rows)
    case .sent(let o): return sent(o)
    case .called(let c, let verbose, let declared, let suggestion):
      let text = CallRenderer(style: style, names: name).render(c, verbose: verbose, declared: declared)
      guard let suggestion, case .error = c.result else { return text }
      return text + "\n" + style.dim("(did you mean '\(suggestion)'? 'help rpc' lists the methods)")
    case .kv(let k): return kv(k)
    case .network(let v): return NetworkRenderer(style: style).render(v)
    case .networkChanged(let text): return text
    case .advanced(let a):
      let events = view.mode == .sim ? " (\(a.eventsHandled) event\(a.eventsHandled == 1 ? "" : "s"))" : ""
      let head =
        a.interrupted
        ? style.warn("interrupted") + " at \(a.to.clockReading)" : "advanced \(a.to - a.from) to \(a.to.clockReading)"
      return head + events
    case .clock(let t, let pending):
      return view.mode == .sim
        ? "\(t.clockReading) (\(pending) event\(pending == 1 ? "" : "s") waiting)"
        : "\(t.clockReading) (\(view.mode.rawValue))"
    case .seed(let s, let changed): return changed ? "seed \(s): the world starts over" : "seed \(s)"
    case .mode(let m, let changed):
      return changed
        ? "mode \(m.rawValue): the world starts over" + Self.modeWords(m)
        : "mode \(m.rawValue)"
    case .setting(let n, let v): return "\(n) = \(v)"
    case .trace(let v): return TraceRenderer(style: style).render(v)
    case .stats(let v): return StatsRenderer(style: style).render(v)
    case .expectation(let e):
      return e.held ? style.ok("✓") + " \(e.text)" : style.error("✗") + " expected \(e.text), found \(e.found)"
    case .help(let h): return HelpRenderer(style: style).render(h)
    case .sourced(let path, let commands, let failed, let output):
      let tail =
        "sourced \(path): \(commands) command\(commands == 1 ? "" : "s")"
        + (failed > 0 ? ", \(failed) expectation\(failed == 1 ? "" : "s") failed" : "")
      return output.isEmpty ? tail : output + "\n" + tail
    case .recording(.started(let path, let kind, let replayed)):
      return
        "recording a \(kind.rawValue) to \(path) (\(replayed) earlier command\(replayed == 1 ? "" : "s") included); 'record stop' ends it"
    case .recording(.stopped(let path, let commands)):
      return "saved \(path): \(commands) command\(commands == 1 ? "" : "s")"
    case .lesson(let l): return LessonRenderer(style: style).render(l)
    case .shard(let r): return ShardRenderer(style: style, view: view).render(r)
    case .task(let r): return TaskRenderer(style: style, view: view).render(r)
    case .celery(let r): return CeleryRenderer(style: style).render(r)
    case .historyCheck(let r): return CheckRenderer(style: style).render(r)
    case .store(let r): return StoreRenderer(style: style, view: view).render(r)
    case .detect(let r): return DetectRenderer(style: style, view: view).render(r)
    case .consensus(let r): return ConsensusRenderer(style: style, view: view).render(r)
    case .service(let r): return ServiceRenderer(style: style, view: view).render(r)
    case .hdfs(let r): return HDFSRenderer(style: style, view: view).render(r)
    case .pubsub(let r): return PubSubRenderer(style: style, view: view).render(r)
    case .reset: return "the world starts over: no nodes, time 0.000s"
    }
  }

  func nodesChanged(_ change: NodeLifecycle, _ infos: [NodeInfo]) -> String {
    let who = infos.count > 3 ? "\(infos.count) nodes: \(names(infos))" : names(infos)
    if infos.isEmpty { return "no node \(change == .wiped ? "killed" : change.rawValue)" }
    switch change {
    case .spawned:
      let region = infos.first?.region.map { " in \($0)" } ?? ""
      return "spawned \(who)\(region)"
    case .connected:
      let role = infos.first?.roles.first.map { " (role \($0))" } ?? ""
      return "connected \(who)\(role): a node process started elsewhere"
    case .killed: return "killed \(who): memory lost, messages to \(infos.count == 1 ? "it" : "them") are dropped"
    case .wiped:
      return "killed \(who): memory and disk lost, messages to \(infos.count == 1 ? "it" : "them") are dropped"
    case .restarted:
      let inc = infos.count == 1 ? " (incarnation \(infos[0].incarnation), empty)" : " (empty)"
      return "restarted \(who)\(inc)"
    case .paused: return "paused \(who): alive but silent; messages wait"
    case .resumed: return "resumed \(who)"
    }
  }

  /// More messages than this are summed up instead of listed.
  static let listedMessages = 12

  func sent(_ o: SendOutcome) -> String {
    if o.messages.count > Self.listedMessages { return sentSummary(o) }
    var lines: [String] = []
    for m in o.messages {
      let head = "m\(m.id) \(name(m.from)) → \(name(m.to)) \(Value.quoteIfNeeded(m.text))"
      var tail: String
      switch m.fate {
      case .delivered(let at, let latency): tail = "arrived at \(at.clockReading) after \(latency)"
      case .dropped(let reason): tail = style.error("lost") + " (\(Messages.text(reason)))"
      case .inFlight:
        let paused = view.statuses[m.to] == .paused
        tail = style.warn(paused ? "waiting: \(name(m.to)) is paused" : "still in flight")
      }
      if m.duplicates > 0 { tail += ", +\(m.duplicates) duplicate\(m.duplicates == 1 ? "" : "s") on the way" }
      lines.append("\(head)  \(tail)")
    }
    if o.messages.count > 1 && Set(o.messages.map(\.text)).count == o.messages.count {
      let byID = Dictionary(o.messages.map { ($0.id, $0.text) }, uniquingKeysWith: { a, _ in a })
      let order = o.arrivalOrder.compactMap { byID[$0] }.map(Value.quoteIfNeeded)
      let sentOrder = o.messages.compactMap { m -> String? in
        if case .delivered = m.fate { return Value.quoteIfNeeded(m.text) }
        return nil
      }
      let note = order == sentOrder ? "" : style.warn("  (not the order they were sent)")
      lines.append("arrival order: " + (order.isEmpty ? "none arrived" : order.joined(separator: ", ")) + note)
    }
    if o.interrupted { lines.append(style.warn("interrupted")) }
    return lines.joined(separator: "\n")
  }

  func sentSummary(_ o: SendOutcome) -> String {
    let senders = Set(o.messages.map(\.from)).count
    let receivers = Set(o.messages.map(\.to)).count
    var arrived = 0
    var waiting = 0
    var lost: [String: Int] = [:]
    var latencies: [Nanoseconds] = []
    for m in o.messages {
      switch m.fate {
      case .delivered(_, let l):
        arrived += 1
        latencies.append(l)
      case .dropped(let reason): lost[Messages.text(reason), default: 0] += 1
      case .inFlight: waiting += 1
      }
    }
    let lostCount = lost.values.reduce(0, +)
    var line =
      "sent \(o.messages.count) messages (\(senders) sender\(senders == 1 ? "" : "s") → \(receivers) receiver\(receivers == 1 ? "" : "s")): \(arrived) arrived"
    line +=
      lostCount == 0
      ? ", none lost"
      : ", " + style.error("\(lostCount) lost") + " ("
        + lost.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
    if waiting > 0 { line += ", " + style.warn("\(waiting) still waiting") }
    let dups = o.messages.reduce(0) { $0 + $1.duplicates }
    if dups > 0 { line += ", +\(dups) duplicates on the way" }
    latencies.sort()
    if let first = latencies.first, let last = latencies.last {
      line += "\nlatency from \(first) to \(last), median \(latencies[(latencies.count - 1) / 2])"
    }
    if o.interrupted { line += "\n" + style.warn("interrupted") }
    return line
  }

  func kv(_ k: KVOutcome) -> String {
    let calls = CallRenderer(style: style, names: name)
    guard k.verbose else { return kvSummary(k) }
    var lines = calls.frame("request", k.call.request, from: k.call.from, to: k.call.to)
    if let reply = k.call.reply { lines += calls.frame("reply", reply, from: k.call.to, to: k.call.from) }
    return (lines + [kvSummary(k)]).joined(separator: "\n")
  }

  func kvSummary(_ k: KVOutcome) -> String {
    let c = k.call
    let calls = CallRenderer(style: style, names: name)
    let facts = calls.facts(c)
    let node = name(c.to)
    // Keys are shown as they would be typed, so a key with spaces or colons stays one word.
    let key = k.key.map(Value.quoteIfNeeded) ?? ""
    guard case .value(let v) = c.result else {
      return "kv \(k.operation.rawValue) \(node)" + (k.key == nil ? "" : " \(key)") + ": " + (calls.failure(c) ?? "")
    }
    let first = v.first ?? .null
    switch k.operation {
    case .get: return "\(node): \(key) = \(first)  \(facts)"
    case .put:
      let new = c.args.count > 1 ? c.args[1].description : ""
      return "\(node): \(key) := \(new) (was \(first))  \(facts)"
    case .delete:
      return first == .bool(true) ? "\(node): deleted \(key)  \(facts)" : "\(node): \(key) was not there  \(facts)"
    case .incr: return "\(node): \(key) = \(first)  \(facts)"
    case .keys:
      if case .list(let items) = first {
        return "\(node): \(items.count) key\(items.count == 1 ? "" : "s")"
          + (items.isEmpty ? "" : ": " + items.map(\.description).joined(separator: ", ")) + "  \(facts)"
      }
      return "\(node): \(first)  \(facts)"
    }
  }
}
