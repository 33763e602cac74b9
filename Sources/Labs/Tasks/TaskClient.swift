import DistLab

/// The task lab's client: it starts the broker, the result backend and workers as nodes,
/// publishes tasks from the shell as a Celery producer does (a call to the broker, which may
/// time out), and learns every state by asking — the backend for results, the broker for its
/// queues, the workers for what they hold. It never reads a node's memory.
public final class TaskClient {
  public let world: World
  let generation: Int
  public private(set) var broker: NodeID?
  public private(set) var backend: NodeID?
  /// The workers this lab started, in order.
  public private(set) var workers: [NodeID] = []
  /// The beats this lab started, in order.
  public private(set) var beats: [NodeID] = []
  /// The beat schedule, by entry name: what every beat is given (Celery's `beat_schedule`).
  public private(set) var schedule: [String: BeatEntry] = [:]
  /// Every task this producer published, in order, with what it sent.
  public private(set) var sent: [TaskMessage] = []
  var nextID = 1

  public required init(world: World) {
    self.world = world
    generation = world.generation
  }

  public var isStale: Bool { world.generation != generation }

  var options: CallOptions { TaskDefaults.callOptions }

  /// Makes the calls at once, the world's refusal as the lab's.
  func callAll(_ requests: [CallRequest], cancel: () -> Bool) throws(TaskLabError) -> [CallOutcome] {
    guard !requests.isEmpty else { return [] }
    do {
      return try world.callAll(requests, options: options, cancel: cancel)
    } catch {
      throw .world(error)
    }
  }

  /// What a publish's call says of it.
  static func sendOutcome(_ m: TaskMessage, _ o: CallOutcome) -> SendOutcome {
    switch o.result {
    case .value: SendOutcome(message: m, refusal: nil, took: o.roundTrip)
    case .error(let e): SendOutcome(message: m, refusal: .refused(e), took: o.roundTrip)
    case .timeout, .interrupted:
      SendOutcome(message: m, refusal: .noAnswer(TaskDefaults.callTimeout), took: o.roundTrip)
    }
  }

  func requireBroker() throws(TaskLabError) -> (broker: NodeID, backend: NodeID) {
    guard let broker, let backend else { throw .notStarted }
    return (broker, backend)
  }

  func call(_ to: NodeID, _ method: String, _ args: [Value], cancel: () -> Bool) throws(TaskLabError) -> CallOutcome {
    do {
      return try world.call(to: to, method: method, args: args, options: options, cancel: cancel)
    } catch {
      throw .world(error)
    }
  }

  // MARK: Starting

  /// Spawns the broker, the backend and `workers` workers named `broker`, `backend`, `w1`…,
  /// and configures the workers; refused when the lab already runs.
  public func start(workers count: Int, settings: (NodeID, NodeID) -> WorkerSettings, cancel: () -> Bool)
    throws(TaskLabError) -> [NodeInfo]
  {
    guard broker == nil else { throw .alreadyStarted }
    // Every node or none: the names, roles and cap are checked for all before the first spawn,
    // so a name already taken leaves no half-started lab behind.
    let made: [NodeInfo]
    do {
      made = try world.spawn(groups: [
        (["broker"], "broker"), (["backend"], "backend"), (freeWorkerNames(count), "worker"),
      ])
    } catch {
      throw .world(error)
    }
    broker = made[0].id
    backend = made[1].id
    let added = Array(made.dropFirst(2))
    workers += added.map(\.id)
    let s = settings(made[0].id, made[1].id)
    for n in added { _ = try call(n.id, "worker.configure", [s.value], cancel: cancel) }
    return made
  }

  /// The next `count` worker names, `w1`, `w2`, … after the last, skipping names in use.
  func freeWorkerNames(_ count: Int) -> [String] {
    var names: [String] = []
    var k = workers.count + 1
    while names.count < count {
      let name = "w\(k)"
      if world.node(named: name) == nil { names.append(name) }
      k += 1
    }
    return names
  }

  /// Spawns `count` more workers, named after the last, and configures them.
  public func addWorkers(_ count: Int, settings: WorkerSettings, cancel: () -> Bool) throws(TaskLabError)
    -> [NodeInfo]
  {
    _ = try requireBroker()
    let made: [NodeInfo]
    do {
      made = try world.spawn(count: count, names: freeWorkerNames(count), roles: ["worker"])
    } catch {
      throw .world(error)
    }
    workers += made.map(\.id)
    for n in made { _ = try call(n.id, "worker.configure", [settings.value], cancel: cancel) }
    return made
  }

  // MARK: Sending

  /// Checks the task and its arguments, gives it the next id and publishes it to the broker.
  public func send(_ task: String, args: [Value], options o: SendOptions, cancel: () -> Bool) throws(TaskLabError)
    -> SendOutcome
  {
    let (broker, message) = try prepare(task, args: args, options: o)
    return Self.sendOutcome(message, try call(broker, "broker.publish", [message.value], cancel: cancel))
  }

  /// `apply_async(…).get(timeout=…)`: publishes the task and waits for its result, subscribing to
  /// the result as it publishes — as Celery's Redis backend does in `on_task_call` — so that a
  /// result stored before the reader asks is not missed. The status is nil when the backend did
  /// not answer; a broker that does not answer is given the whole wait too.
  public func sendAndWait(
    _ task: String, args: [Value], options o: SendOptions, timeout: Nanoseconds, cancel: () -> Bool
  ) throws(TaskLabError) -> (sent: SendOutcome, status: TaskStatus?) {
    let (broker, message) = try prepare(task, args: args, options: o)
    let (_, backend) = try requireBroker()
    var options = self.options
    options.timeout = timeout + options.timeout
    let outcomes: [CallOutcome]
    do {
      outcomes = try world.callAll(
        [
          CallRequest(to: backend, method: "backend.wait", args: [.string(message.id), .int(timeout.value)]),
          CallRequest(to: broker, method: "broker.publish", args: [message.value]),
        ], options: options, cancel: cancel)
    } catch {
      throw .world(error)
    }
    var status: TaskStatus?
    if case .value(let v) = outcomes[0].result, let meta = v.first { status = TaskStatus(id: message.id, meta: meta) }
    return (Self.sendOutcome(message, outcomes[1]), status)
  }

  /// A checked message with the next id, and the broker to publish it to.
  func prepare(_ task: String, args: [Value], options o: SendOptions) throws(TaskLabError) -> (NodeID, TaskMessage) {
    let (broker, _) = try requireBroker()
    guard let definition = TaskCatalog.definition(task) else { throw .unknownTask(task) }
    let spec = MethodSpec(task, definition.arguments, definition.summary)
    if let mismatch = spec.mismatch(args) { throw .arguments(task: task, mismatch) }
    let id = "T\(nextID)"
    nextID += 1
    let now = world.now
    var message = TaskMessage(
      id: id, task: task, args: args, queue: o.queue ?? TaskDefaults.queue, eta: o.countdown.map { now + $0 },
      expires: o.expires.map { now + $0 }, maxRetries: o.retries)
    message.retryBackoff = o.backoff
    message.idempotencyKey = o.idempotencyKey
    message.softTimeLimit = o.softTimeLimit
    message.timeLimit = o.timeLimit
    sent.append(message)
    return (broker, message)
  }

  // MARK: Canvas

  /// A signature as typed: the task and its own arguments.
  public struct Signature: Sendable {
    public var task: String
    public var args: [Value]
    public init(_ task: String, _ args: [Value]) {
      self.task = task
      self.args = args
    }
  }

  public enum CanvasKind: String, Sendable {
    case chain, group, chord
  }

  /// Checks a signature; with `receives`, a result will be put before its arguments.
  func check(_ sig: Signature, receives: Bool) throws(TaskLabError) {
    guard let d = TaskCatalog.definition(sig.task) else { throw .unknownTask(sig.task) }
    guard receives else {
      if let m = MethodSpec(sig.task, d.arguments, "").mismatch(sig.args) { throw .arguments(task: sig.task, m) }
      return
    }
    let rest = Array(d.arguments.dropFirst())
    guard !d.arguments.isEmpty else { throw .arguments(task: sig.task, .count(given: sig.args.count + 1)) }
    if let m = MethodSpec(sig.task, rest, "").mismatch(sig.args) {
      switch m {
      case .count(let given): throw .arguments(task: sig.task, .count(given: given + 1))
      case .type(let position, let expected, let given):
        throw .arguments(task: sig.task, .type(position: position + 1, expected: expected, given: given))
      }
    }
  }

  /// Celery's canvas: a chain runs its links one after another, each given the previous result
  /// first; a group sends its tasks at once; a chord is a group whose results, once every one
  /// has succeeded, go as a list to its body. Every task gets its id now, so a link that never
  /// runs can be asked about (it stays PENDING).
  public func sendCanvas(
    _ kind: CanvasKind, _ sigs: [Signature], body: Signature?, options o: SendOptions, cancel: () -> Bool
  ) throws(TaskLabError) -> [SendOutcome] {
    let (broker, _) = try requireBroker()
    for (k, sig) in sigs.enumerated() { try check(sig, receives: kind == .chain && k > 0) }
    if let body { try check(body, receives: true) }
    let queue = o.queue ?? TaskDefaults.queue
    var ids: [String] = []
    for _ in sigs.indices {
      ids.append("T\(nextID)")
      nextID += 1
    }
    var bodyLink: TaskLink?
    if let body {
      bodyLink = TaskLink(id: "T\(nextID)", task: body.task, args: body.args)
      nextID += 1
    }
    var publish: [TaskMessage] = []
    switch kind {
    case .chain:
      var first = TaskMessage(id: ids[0], task: sigs[0].task, args: sigs[0].args, queue: queue)
      first.chain = zip(ids, sigs).dropFirst().map { TaskLink(id: $0, task: $1.task, args: $1.args) }
      sent.append(first)
      for (id, sig) in zip(ids, sigs).dropFirst() {
        var later = TaskMessage(id: id, task: sig.task, args: sig.args, queue: queue)
        later.partial = true
        sent.append(later)
      }
      publish = [first]
    case .group, .chord:
      for (k, (id, sig)) in zip(ids, sigs).enumerated() {
        var m = TaskMessage(id: id, task: sig.task, args: sig.args, queue: queue)
        if let bodyLink { m.chord = ChordPart(size: sigs.count, index: k, body: bodyLink) }
        sent.append(m)
        publish.append(m)
      }
      if let bodyLink {
        var later = TaskMessage(id: bodyLink.id, task: bodyLink.task, args: bodyLink.args, queue: queue)
        later.partial = true
        sent.append(later)
      }
    }
    let requests = publish.map { CallRequest(to: broker, method: "broker.publish", args: [$0.value]) }
    let outcomes = try callAll(requests, cancel: cancel)
    return zip(publish, outcomes).map { m, o in
      switch o.result {
      case .value: SendOutcome(message: m, refusal: nil, took: o.roundTrip)
      case .error(let e): SendOutcome(message: m, refusal: .refused(e), took: o.roundTrip)
      case .timeout, .interrupted:
        SendOutcome(message: m, refusal: .noAnswer(TaskDefaults.callTimeout), took: o.roundTrip)
      }
    }
  }

  // MARK: Asking

  /// What the backend says of `id` (PENDING when it has nothing), or nil when it does not answer.
  public func status(_ id: String, cancel: () -> Bool) throws(TaskLabError) -> TaskStatus? {
    let (_, backend) = try requireBroker()
    let outcome = try call(backend, "backend.get", [.string(id)], cancel: cancel)
    guard case .value(let v) = outcome.result, let meta = v.first else { return nil }
    return TaskStatus(id: id, meta: meta)
  }

  /// Every sent task's status, asked of the backend in one round of calls.
  public func statuses(cancel: () -> Bool) throws(TaskLabError) -> [(TaskMessage, TaskStatus?)] {
    let (_, backend) = try requireBroker()
    let requests = sent.map { CallRequest(to: backend, method: "backend.get", args: [.string($0.id)]) }
    guard !requests.isEmpty else { return [] }
    let outcomes = try callAll(requests, cancel: cancel)
    return zip(sent, outcomes).map { m, o in
      guard case .value(let v) = o.result, let meta = v.first else { return (m, nil) }
      return (m, TaskStatus(id: m.id, meta: meta))
    }
  }

  /// The broker's queue lengths and unacked messages, or nil when it does not answer.
  public func brokerStats(cancel: () -> Bool) throws(TaskLabError) -> BrokerStats? {
    let (broker, _) = try requireBroker()
    let outcome = try call(broker, "broker.stats", [], cancel: cancel)
    guard case .value(let v) = outcome.result, let stats = v.first else { return nil }
    return BrokerStats(stats)
  }

  /// Asks every worker the lab started (Celery's `inspect`, a broadcast); a worker that does
  /// not answer is listed as silent.
  public func inspect(_ what: String, cancel: () -> Bool) throws(TaskLabError) -> [(NodeID, Value?)] {
    guard ["active", "reserved", "scheduled", "revoked", "stats"].contains(what) else {
      throw .unknownInspection(what)
    }
    guard !workers.isEmpty else { throw .noWorkers }
    let requests = workers.map { CallRequest(to: $0, method: "worker.inspect", args: [.string(what)]) }
    let outcomes = try callAll(requests, cancel: cancel)
    return zip(workers, outcomes).map { w, o in
      guard case .value(let v) = o.result else { return (w, nil) }
      return (w, v.first)
    }
  }

  /// Celery's `revoke`: broadcast to every worker, which remembers the id (and with `terminate`
  /// stops it if running). Returns the workers that acknowledged.
  public func revoke(_ id: String, terminate: Bool, cancel: () -> Bool) throws(TaskLabError) -> [NodeID] {
    guard sent.contains(where: { $0.id == id }) else { throw .unknownID(id) }
    guard !workers.isEmpty else { throw .noWorkers }
    return try broadcast(workers, "worker.revoke", [.string(id), .bool(terminate)], cancel: cancel)
  }

  /// Lets time pass until the backend reports `id` ready or `timeout` has gone by. The backend
  /// answers as soon as the task is ready, as Celery's `AsyncResult.get(timeout=…)` hears it
  /// on the task's channel from a Redis backend (its `interval` only matters to polling
  /// backends). The status is nil when the backend did not answer.
  public func wait(_ id: String, timeout: Nanoseconds, cancel: () -> Bool) throws(TaskLabError) -> (
    status: TaskStatus?, waited: Nanoseconds
  ) {
    guard sent.contains(where: { $0.id == id }) else { throw .unknownID(id) }
    let (_, backend) = try requireBroker()
    let start = world.now
    let outcome: CallOutcome
    do {
      var options = self.options
      options.timeout = timeout + options.timeout
      outcome = try world.call(
        to: backend, method: "backend.wait", args: [.string(id), .int(timeout.value)], options: options, cancel: cancel)
    } catch {
      throw .world(error)
    }
    guard case .value(let v) = outcome.result, let meta = v.first else { return (nil, world.now - start) }
    return (TaskStatus(id: id, meta: meta), world.now - start)
  }
}

extension TaskClient {
  /// Starts a beat named `beat` (then `beat2`, …) and gives it the schedule. A second beat is
  /// refused unless `force`: Celery expects exactly one.
  public func startBeat(force: Bool, cancel: () -> Bool) throws(TaskLabError) -> NodeInfo {
    let (broker, _) = try requireBroker()
    if let running = beats.first, !force { throw .beatRunning(running) }
    var k = 1
    var name = "beat"
    while world.node(named: name) != nil {
      k += 1
      name = "beat\(k)"
    }
    let made: [NodeInfo]
    do {
      made = try world.spawn(count: 1, names: [name], roles: ["beat"])
    } catch {
      throw .world(error)
    }
    let beat = made[0].id
    beats.append(beat)
    _ = try call(beat, "beat.configure", [.int(Int64(broker.number))], cancel: cancel)
    for entryName in schedule.keys.sorted() {
      if let e = schedule[entryName] { _ = try call(beat, "beat.set", [e.value], cancel: cancel) }
    }
    return made[0]
  }

  /// Adds or replaces an entry and gives it to every beat; returns the beats that took it.
  public func setEntry(_ e: BeatEntry, cancel: () -> Bool) throws(TaskLabError) -> [NodeID] {
    _ = try requireBroker()
    guard let definition = TaskCatalog.definition(e.task) else { throw .unknownTask(e.task) }
    if let mismatch = MethodSpec(e.task, definition.arguments, "").mismatch(e.args) {
      throw .arguments(task: e.task, mismatch)
    }
    schedule[e.name] = e
    return try broadcast(beats, "beat.set", [e.value], cancel: cancel)
  }

  public func removeEntry(_ name: String, cancel: () -> Bool) throws(TaskLabError) -> [NodeID] {
    guard schedule.removeValue(forKey: name) != nil else { throw .unknownEntry(name) }
    return try broadcast(beats, "beat.remove", [.string(name)], cancel: cancel)
  }

  /// What each beat says of its entries: last run, next due, runs so far.
  public func beatList(cancel: () -> Bool) throws(TaskLabError) -> [(NodeID, Value?)] {
    guard !beats.isEmpty else { throw .noBeat }
    let requests = beats.map { CallRequest(to: $0, method: "beat.list", args: []) }
    let outcomes = try callAll(requests, cancel: cancel)
    return zip(beats, outcomes).map { b, o in
      guard case .value(let v) = o.result else { return (b, nil) }
      return (b, v.first)
    }
  }

  /// Makes the same call on every node at once; returns those that answered.
  func broadcast(_ nodes: [NodeID], _ method: String, _ args: [Value], cancel: () -> Bool) throws(TaskLabError)
    -> [NodeID]
  {
    let outcomes = try callAll(nodes.map { CallRequest(to: $0, method: method, args: args) }, cancel: cancel)
    return zip(nodes, outcomes).compactMap { n, o in
      if case .value = o.result { return n }
      return nil
    }
  }
}

/// How `send` publishes: Celery's `apply_async` options.
public struct SendOptions: Sendable {
  public var queue: String?
  /// `countdown`: not before this long from now.
  public var countdown: Nanoseconds?
  /// `expires`: revoked if received later than this long from now.
  public var expires: Nanoseconds?
  /// `autoretry_for` with `max_retries`: how many times a failure is retried.
  public var retries = 0
  /// `retry_backoff` with `retry_jitter`.
  public var backoff = false
  /// The key the task's side effect is recorded under.
  public var idempotencyKey: String?
  public var softTimeLimit: Nanoseconds?
  public var timeLimit: Nanoseconds?
  public init() {}
}

/// A publish: its message, and whether the broker took it — a producer that hears nothing
/// within its timeout knows only that the task was not accepted.
public struct SendOutcome: Sendable {
  public enum Refusal: Sendable, Equatable {
    case noAnswer(Nanoseconds)
    case refused(String)
  }
  public var message: TaskMessage
  public var refusal: Refusal?
  public var took: Nanoseconds
  public var accepted: Bool { refusal == nil }
}

/// What the backend holds for one task.
public struct TaskStatus: Sendable, Equatable {
  public var id: String
  public var state: TaskState
  public var result: Value?
  public var error: String?
  public var retries: Int
  /// The worker that last stored it.
  public var worker: NodeID?

  init(id: String, meta: Value) {
    self.id = id
    state = meta["state"]?.stringValue.flatMap(TaskState.init(rawValue:)) ?? .pending
    result = meta["result"]
    error = meta["error"]?.stringValue
    retries = Int(meta["retries"]?.intValue ?? 0)
    worker = meta["worker"]?.intValue.map { NodeID(Int($0)) }
  }
}

/// The broker's answer to `broker.stats`.
public struct BrokerStats: Sendable, Equatable {
  public struct Held: Sendable, Equatable {
    public var tag: Int64
    public var id: String
    public var task: String
    public var queue: String
    public var consumer: NodeID
    public var delivered: Nanoseconds
  }
  public var queues: [(name: String, length: Int)]
  public var unacked: [Held]

  init(_ v: Value) {
    if case .map(let entries)? = v["queues"] {
      queues = entries.compactMap { e in e.key.stringValue.map { ($0, Int(e.value.intValue ?? 0)) } }
    } else {
      queues = []
    }
    unacked = (v["unacked"]?.listValue ?? []).map { u in
      Held(
        tag: u["tag"]?.intValue ?? 0, id: u["id"]?.stringValue ?? "", task: u["task"]?.stringValue ?? "",
        queue: u["queue"]?.stringValue ?? "", consumer: NodeID(Int(u["consumer"]?.intValue ?? 0)),
        delivered: Nanoseconds(u["delivered"]?.intValue ?? 0))
    }
  }

  public static func == (a: BrokerStats, b: BrokerStats) -> Bool {
    a.unacked == b.unacked && a.queues.map(\.name) == b.queues.map(\.name)
      && a.queues.map(\.length) == b.queues.map(\.length)
  }
}
