import DistLab

/// The result backend: for each task id the latest state only, as Celery's Redis backend keeps
/// `celery-task-meta-<id>`. PENDING is never stored — an id it has never heard of reads as
/// PENDING — so a lost task and a task not yet started look the same from here. Kept on the
/// node's disk. A reader may wait for a task instead of asking again and again: Celery's Redis
/// backend publishes every state it stores on the task's channel, and `AsyncResult.get()`
/// subscribes to it rather than polling.
public final class BackendService: StartingService {
  var stored = 0
  /// Readers waiting for a task to be ready, by task id, each with when it gives up.
  var waiting: [String: [(request: Request, until: Nanoseconds)]] = [:]
  /// When the one timer that gives up on waiting readers fires next, if it is set: one timer for
  /// all of them, so that a wait costs no timer of its own.
  var sweepAt: Nanoseconds?
  /// The account a `charge` task charges, and how many charges were applied.
  var charged: Int64 = 0
  var charges = 0
  /// How many task ids have a stored state; the states themselves are only on the disk.
  var results = 0
  /// The node's disk, for `data()`, which is asked outside any handler.
  var disk: NodeDisk?

  public init() {}

  public static let methods: [ServiceMethod<BackendService>] = [
    ServiceMethod(
      "backend.store", [ArgumentSpec("ID", .string), ArgumentSpec("META", .map)],
      "replaces the task's state: {state, result or error, retries, worker}"
    ) { b, r, node in
      b.keep(r.key(0), r.args[1], node: node)
      b.stored += 1
      return .value([])
    },
    ServiceMethod(
      "backend.chord_part", [ArgumentSpec("CHORD", .string), ArgumentSpec("PART", .map)],
      "counts a chord header's result; when the last arrives, answers [true, results] or fails the body"
    ) { b, r, node in
      let chord = r.key(0)
      let part = r.args[1]
      let size = Int(part["size"]?.intValue ?? 0)
      var parts = node.disk["c:" + chord]?.listValue ?? []
      parts.append(part)
      node.disk["c:" + chord] = .list(parts)
      guard parts.count >= size else { return .value([.bool(false)]) }
      node.disk["c:" + chord] = nil
      // Like Celery's Redis backend: once every part is in, a failed part fails the body.
      if let failed = parts.first(where: { $0["failed"] == .bool(true) }) {
        let error =
          "ChordError: Dependency \(failed["id"]?.stringValue ?? "?") raised \(failed["error"]?.stringValue ?? "")"
        let meta = Value.map([
          "state": .string(TaskState.failure.rawValue), "retries": .int(0), "error": .string(error),
        ])
        b.keep(chord, meta, node: node)
        return .value([.bool(false)])
      }
      let ordered = parts.sorted { ($0["index"]?.intValue ?? 0) < ($1["index"]?.intValue ?? 0) }
      return .value([.bool(true), .list(ordered.map { $0["result"] ?? .null })])
    },
    ServiceMethod(
      "backend.charge", [ArgumentSpec("AMOUNT", .int), ArgumentSpec("KEY", .value)],
      "adds AMOUNT to the account, unless KEY (when not null) was charged before: one atomic step"
    ) { b, r, node in
      if let key = r.args[1].stringValue {
        guard node.disk["k:" + key] == nil else { return .value([.bool(false)]) }
        node.disk["k:" + key] = .bool(true)
      }
      b.charged &+= r.args[0].intValue ?? 0
      b.charges += 1
      node.disk["charged"] = .int(b.charged)
      node.disk["charges"] = .int(Int64(b.charges))
      return .value([.bool(true)])
    },
    ServiceMethod("backend.get", [ArgumentSpec("ID", .string)], "the task's latest state; PENDING when unknown") {
      _, r, node in
      .value([node.disk["r:" + r.key(0)] ?? BackendService.pending])
    },
    ServiceMethod(
      "backend.wait", [ArgumentSpec("ID", .string), ArgumentSpec("TIMEOUT", .duration)],
      "answers [state, true] once the task is ready (SUCCESS, FAILURE, REVOKED), or [state, false] at TIMEOUT"
    ) { b, r, node in
      let id = r.key(0)
      let meta = node.disk["r:" + id] ?? BackendService.pending
      if BackendService.isReady(meta) { return .value([meta, .bool(true)]) }
      let until = node.now + Nanoseconds(max(0, r.args[1].intValue ?? 0))
      b.waiting[id, default: []].append((r, until))
      b.sweep(by: until, node: node)
      return .later
    },
  ]

  static let pending = Value.map(["state": .string(TaskState.pending.rawValue)])

  static func isReady(_ meta: Value) -> Bool {
    meta["state"]?.stringValue.flatMap(TaskState.init(rawValue:))?.isReady == true
  }

  /// Stores a task's state and, once it is ready, answers whoever waits for it.
  func keep(_ id: String, _ meta: Value, node: ProgramNode) {
    if node.disk.updateValue(meta, forKey: "r:" + id) == nil { results += 1 }
    guard !waiting.isEmpty, BackendService.isReady(meta), let readers = waiting.removeValue(forKey: id) else { return }
    for w in readers { node.answer(w.request, .value([meta, .bool(true)])) }
  }

  /// Makes sure the sweep runs by `time`: it answers the readers whose time is up with the state
  /// their task has, and sets itself again for the next to give up.
  func sweep(by time: Nanoseconds, node: ProgramNode) {
    if let at = sweepAt, at <= time { return }
    sweepAt = time
    _ = node.after(max(.zero, time - node.now)) { [unowned self] node in
      guard self.sweepAt == time else { return }
      self.sweepAt = nil
      var next: Nanoseconds?
      for id in self.waiting.keys.sorted() {
        var kept: [(request: Request, until: Nanoseconds)] = []
        for w in self.waiting[id] ?? [] {
          if w.until <= node.now {
            node.answer(w.request, .value([node.disk["r:" + id] ?? BackendService.pending, .bool(false)]))
          } else {
            kept.append(w)
            next = min(next ?? w.until, w.until)
          }
        }
        self.waiting[id] = kept.isEmpty ? nil : kept
      }
      if let next { self.sweep(by: next, node: node) }
    }
  }

  public func start(_ node: ProgramNode) {
    disk = node.disk
    results = node.disk.table(prefix: "r:").count
    charged = node.disk["charged"]?.intValue ?? 0
    charges = Int(node.disk["charges"]?.intValue ?? 0)
  }

  public func metrics() -> [(String, Double)] {
    [
      ("stored", Double(stored)), ("results", Double(results)), ("charged", Double(charged)),
      ("charges", Double(charges)),
    ]
  }

  /// Every stored result by task id, read from the disk: what `nodes backend` and the lab's
  /// expectations read.
  public func data() -> [String: Value]? { disk?.table(prefix: "r:") ?? [:] }
}

/// Celery's task states.
public enum TaskState: String, Sendable, CaseIterable {
  case pending = "PENDING"
  case started = "STARTED"
  case retry = "RETRY"
  case success = "SUCCESS"
  case failure = "FAILURE"
  case revoked = "REVOKED"

  /// Whether the task is done for good (Celery's `READY_STATES`).
  public var isReady: Bool { self == .success || self == .failure || self == .revoked }
}
