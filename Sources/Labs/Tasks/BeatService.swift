import DistLab

/// One entry of the beat schedule (Celery's `beat_schedule`): a task, its arguments and
/// queue, and when it runs — every interval, or on a crontab.
public struct BeatEntry: Hashable, Sendable {
  public enum Schedule: Hashable, Sendable {
    case every(Nanoseconds)
    case crontab(Crontab)
  }
  public var name: String
  public var task: String
  public var args: [Value]
  public var queue: String
  public var schedule: Schedule

  public init(name: String, task: String, args: [Value], queue: String = TaskDefaults.queue, schedule: Schedule) {
    self.name = name
    self.task = task
    self.args = args
    self.queue = queue
    self.schedule = schedule
  }

  /// When it is next due after its last run (or, never run, after `start`).
  func due(lastRun: Nanoseconds?, start: Nanoseconds) -> Nanoseconds? {
    switch schedule {
    case .every(let d): return (lastRun ?? start) + d
    case .crontab(let c): return c.next(after: lastRun ?? start)
    }
  }

  var value: Value {
    var entries: [MapEntry] = [
      MapEntry(.string("name"), .string(name)), MapEntry(.string("task"), .string(task)),
      MapEntry(.string("args"), .list(args)), MapEntry(.string("queue"), .string(queue)),
    ]
    switch schedule {
    case .every(let d): entries.append(MapEntry(.string("every"), .int(d.value)))
    case .crontab(let c):
      let text = Crontab.Field.allCases.compactMap { f in c.written[f].map { "\(f.rawValue)=\($0)" } }
      entries.append(MapEntry(.string("crontab"), .string(text.joined(separator: ","))))
    }
    return .map(entries)
  }

  init?(_ v: Value) {
    guard let name = v["name"]?.stringValue, let task = v["task"]?.stringValue, let args = v["args"]?.listValue,
      let queue = v["queue"]?.stringValue
    else { return nil }
    let schedule: Schedule
    if let every = v["every"]?.intValue, every > 0 {
      schedule = .every(Nanoseconds(every))
    } else if let text = v["crontab"]?.stringValue, let c = try? Crontab(parsing: text) {
      schedule = .crontab(c)
    } else {
      return nil
    }
    self.init(name: name, task: task, args: args, queue: queue, schedule: schedule)
  }
}

/// Celery beat: it only publishes. For each entry of its schedule it waits until the entry is
/// due, publishes the task to the broker with a new id, and remembers the run on its disk
/// (Celery's `celerybeat-schedule` file), so after a restart an entry missed while it was down
/// runs once at once. Every beat running publishes every entry: Celery expects exactly one.
public final class BeatService: StartingService {
  var broker: NodeID?
  var entries: [String: BeatEntry] = [:]
  var timers: [String: TimerHandle] = [:]
  var published = 0
  var refused = 0
  var started = Nanoseconds.zero

  public init() {}

  public static let methods: [ServiceMethod<BeatService>] = [
    ServiceMethod("beat.configure", [ArgumentSpec("BROKER", .int)], "publish to this broker") { b, r, node in
      node.disk["broker"] = r.args[0]
      b.broker = NodeID(Int(r.args[0].intValue ?? 0))
      return .value([])
    },
    ServiceMethod("beat.set", [ArgumentSpec("ENTRY", .map)], "adds or replaces a schedule entry") { b, r, node in
      guard let e = BeatEntry(r.args[0]) else { return .error("not a schedule entry") }
      node.disk["e:" + e.name] = e.value
      // Celery's entry starts counting from when it is created (its last_run_at is now).
      if node.disk["since:" + e.name] == nil { node.disk["since:" + e.name] = .int(node.now.value) }
      b.entries[e.name] = e
      b.arm(e, node: node)
      return .value([])
    },
    ServiceMethod("beat.remove", [ArgumentSpec("NAME", .string)], "removes a schedule entry") { b, r, node in
      let name = r.key(0)
      node.disk["e:" + name] = nil
      b.entries[name] = nil
      if let t = b.timers.removeValue(forKey: name) { node.cancel(t) }
      return .value([])
    },
    ServiceMethod("beat.list", [], "each entry with its last run and next due time") { b, _, node in
      .value([
        .list(
          b.entries.keys.sorted().compactMap { name in
            guard let e = b.entries[name] else { return nil }
            let last = node.disk["last:" + name]?.intValue
            let due = e.due(lastRun: last.map(Nanoseconds.init), start: b.since(name, node))
            return .map([
              "entry": e.value, "last": last.map(Value.int) ?? .null, "next": due.map { .int($0.value) } ?? .null,
              "runs": node.disk["runs:" + name] ?? .int(0),
            ])
          })
      ])
    },
  ]

  public func start(_ node: ProgramNode) {
    started = node.now
    broker = node.disk["broker"]?.intValue.map { NodeID(Int($0)) }
    for key in node.disk.keys where key.hasPrefix("e:") {
      if let e = node.disk[key].flatMap(BeatEntry.init) { entries[e.name] = e }
    }
    for name in entries.keys.sorted() { if let e = entries[name] { arm(e, node: node) } }
  }

  public func metrics() -> [(String, Double)] {
    [("entries", Double(entries.count)), ("published", Double(published)), ("refused", Double(refused))]
  }

  /// When the entry was first given to this beat.
  func since(_ name: String, _ node: ProgramNode) -> Nanoseconds {
    node.disk["since:" + name]?.intValue.map(Nanoseconds.init) ?? started
  }

  /// Sets the entry's timer for its next due time (now, if that has passed).
  func arm(_ e: BeatEntry, node: ProgramNode) {
    if let t = timers.removeValue(forKey: e.name) { node.cancel(t) }
    let last = node.disk["last:" + e.name]?.intValue.map(Nanoseconds.init)
    guard let due = e.due(lastRun: last, start: since(e.name, node)) else { return }
    let delay = due > node.now ? due - node.now : .zero
    timers[e.name] = node.after(delay) { [unowned self] node in self.fire(e.name, node: node) }
  }

  func fire(_ name: String, node: ProgramNode) {
    timers[name] = nil
    guard let e = entries[name] else { return }
    let runs = (node.disk["runs:" + name]?.intValue ?? 0) + 1
    node.disk["runs:" + name] = .int(runs)
    node.disk["last:" + name] = .int(node.now.value)
    let id = "\(name)#\(node.me.number).\(runs)"
    let message = TaskMessage(id: id, task: e.task, args: e.args, queue: e.queue)
    node.event("beat.sent", [.string(id), .string(name)])
    if let broker {
      node.call(broker, "broker.publish", [message.value], options: TaskDefaults.callOptions) {
        [unowned self] _, result in
        if case .value = result { self.published += 1 } else { self.refused += 1 }
      }
    }
    arm(e, node: node)
  }
}
