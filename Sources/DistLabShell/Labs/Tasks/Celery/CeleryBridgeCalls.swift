import DistLab
import DistLabRedis
import DistLabTasks
import DistLabTasksRedis
import Foundation

/// What the shell does on a real Redis, as Celery's producer, result-backend client and
/// control client: the one implementation both the `celery` and the `task` family call.
extension CeleryBridge {
  static func redis<R>(_ body: () throws(RedisError) -> R) throws(Problem) -> R {
    do {
      return try body()
    } catch {
      throw .redis(error)
    }
  }

  func connected() throws(Problem) -> KombuRedis {
    guard let b = broker else { throw .notConnected }
    return b
  }

  /// Connects to the Redis at `url` (as `redis://HOST:PORT/DB`); returns its name and version.
  func connect(_ text: String) throws(Problem) -> String {
    guard let (host, port, db) = RedisClient.parse(url: text) else { throw .badURL(text) }
    let client = try Self.redis { () throws(RedisError) in try RedisClient.connect(host: host, port: port, db: db) }
    let info = try Self.redis { () throws(RedisError) in try client.call(["INFO", "server"]) }
    broker?.client.close()
    broker = KombuRedis(client: client)
    url = text
    let version = info.string?.split(separator: "\r\n").first { $0.hasPrefix("redis_version:") }
    return version.map { "Redis " + $0.dropFirst("redis_version:".count) } ?? "Redis"
  }

  /// Stops this shell's workers, closes the connection and forgets what was sent.
  func disconnect() {
    for w in workers { w.worker.stop() }
    workers = []
    broker?.client.close()
    broker = nil
    url = nil
    sent = []
    tasksOnRedis = false
  }

  /// A new message for `task`, under a new id, as this shell's producer writes it.
  static func envelope(_ task: String, _ args: [Value], queue: String) -> CeleryEnvelope {
    CeleryEnvelope(
      task: task, id: UUID().uuidString.lowercased(), args: args, queue: queue,
      deliveryTag: UUID().uuidString.lowercased(), origin: "distlab@" + ProcessInfo.processInfo.hostName)
  }

  /// Publishes one task as `apply_async` does, with its `eta` and `expires` from now; returns
  /// its id.
  func send(
    _ task: String, _ args: [Value], queue: String, countdown: Nanoseconds? = nil, expires: Nanoseconds? = nil
  ) throws(Problem) -> String {
    var m = Self.envelope(task, args, queue: queue)
    let now = Date()
    m.eta = countdown.map { CeleryTime.iso(now.addingTimeInterval($0.seconds)) }
    m.expires = expires.map { CeleryTime.iso(now.addingTimeInterval($0.seconds)) }
    let b = try connected()
    try Self.redis { () throws(RedisError) in try b.publish(m) }
    return m.id
  }

  /// Publishes a chain as `chain(...).apply_async()` does: one message whose embed carries the
  /// later links, each under an id given now. Returns every link's id.
  func chain(_ links: [(task: String, args: [Value])], queue: String) throws(Problem) -> [String] {
    let ids = links.map { _ in UUID().uuidString.lowercased() }
    var m = Self.envelope(links[0].task, links[0].args, queue: queue)
    m.id = ids[0]
    m.rootID = ids[0]
    m.chain = .list(
      zip(links, ids).dropFirst().reversed().map { CeleryEnvelope.signature(task: $0.task, args: $0.args, id: $1) })
    let b = try connected()
    try Self.redis { () throws(RedisError) in try b.publish(m) }
    return ids
  }

  /// Publishes a group as `group(...).apply_async()` does: a message per task, each with the
  /// group's id and its index in the `group` and `group_index` headers. Returns the group's id
  /// and every task's.
  func group(_ tasks: [(task: String, args: [Value])], queue: String) throws(Problem) -> (
    group: String, ids: [String]
  ) {
    let groupID = UUID().uuidString.lowercased()
    let messages = tasks.enumerated().map { i, t in
      var m = Self.envelope(t.task, t.args, queue: queue)
      m.group = groupID
      m.groupIndex = i
      return m
    }
    let b = try connected()
    try Self.redis { () throws(RedisError) in try b.publish(all: messages) }
    return (groupID, messages.map(\.id))
  }

  /// Remembers a task sent from this shell under the next short id with `prefix`.
  func record(_ prefix: String, id: String, call: String, queue: String) -> Sent {
    let s = Sent(short: prefix + String(shorts(prefix).count + 1), id: id, call: call, queue: queue)
    sent.append(s)
    return s
  }

  /// What the result backend holds for a task (PENDING for an id it never heard of).
  func result(_ id: String) throws(Problem) -> CeleryResult {
    let b = try connected()
    return try Self.redis { () throws(RedisError) in try b.result(id) }
  }

  /// Polls the backend on the wall clock until the task is ready (AsyncResult.get), `timeout`
  /// passes or the user interrupts; returns what it last read and the seconds waited.
  func wait(_ id: String, timeout: Double, cancel: () -> Bool) throws(Problem) -> (CeleryResult, Double) {
    let started = Date()
    var r = try result(id)
    while ["PENDING", "STARTED", "RETRY"].contains(r.state), Date().timeIntervalSince(started) < timeout, !cancel() {
      usleep(20_000)
      r = try result(id)
    }
    return (r, Date().timeIntervalSince(started))
  }

  /// Starts a worker in this process on the connected Redis; `configure` sets what the
  /// defaults do not.
  func startWorker(_ name: String, _ configure: (inout RedisTaskWorker.Settings) -> Void) throws(Problem)
    -> RedisTaskWorker.Settings
  {
    guard let url, let (host, port, db) = RedisClient.parse(url: url) else { throw .notConnected }
    var settings = RedisTaskWorker.Settings(host: host, port: port)
    settings.db = db
    configure(&settings)
    let w = try Self.redis { () throws(RedisError) in try RedisTaskWorker(settings) }
    workers.append((name, w))
    return settings
  }

  /// Stops every worker in this process (a warm shutdown); returns how many results they stored.
  func stopWorkers() throws(Problem) -> Int {
    guard !workers.isEmpty else { throw .noWorker }
    let stopping = workers
    workers = []
    for w in stopping { w.worker.stop() }
    return stopping.map(\.worker.completed).reduce(0, +)
  }

  /// Broadcasts a revoke as `app.control.revoke` does; returns how many listeners heard it.
  func revoke(_ id: String, terminate: Bool, signal: String = CelerySignal.defaultName) throws(Problem) -> Int {
    let b = try connected()
    let db = url.flatMap(RedisClient.parse(url:))?.db ?? 0
    let message = CeleryControl.revoke(id, terminate: terminate, signal: signal)
    let answer = try Self.redis { () throws(RedisError) in
      try b.client.call(["PUBLISH", CeleryControl.channel(db: db), message])
    }
    return Int(answer.int ?? 0)
  }

  /// How many messages wait on each of `names`, how many are delivered and not acknowledged,
  /// and how many were dead-lettered.
  func queues(_ names: [String]) throws(Problem) -> (rows: [(name: String, waiting: Int)], unacked: Int, dead: Int) {
    let b = try connected()
    let answers = try Self.redis { () throws(RedisError) in
      try b.client.pipeline(
        names.map { [Array("LLEN".utf8), Array($0.utf8)] } + [
          [Array("ZCARD".utf8), Array(KombuRedis.unackedIndexKey.utf8)],
          [Array("LLEN".utf8), Array(KombuRedis.deadLetterKey.utf8)],
        ])
    }
    let rows = zip(names, answers).map { (name: $0, waiting: Int($1.int ?? 0)) }
    return (rows, Int(answers[names.count].int ?? 0), Int(answers[names.count + 1].int ?? 0))
  }

  /// Runs kombu's restore sweep now; returns how many messages went back.
  func restore(visibilityTimeout: Nanoseconds) throws(Problem) -> Int {
    let b = try connected()
    return try Self.redis { () throws(RedisError) in try b.restoreVisible(visibilityTimeout: visibilityTimeout.seconds)
    }
  }

  /// What this shell's workers logged, each worker's lines named when more than one runs.
  func log() throws(Problem) -> [RedisTaskWorker.LogLine] {
    guard !workers.isEmpty else { throw .noWorker }
    guard workers.count > 1 else { return workers[0].worker.log }
    return workers.flatMap { w in
      w.worker.log.map { RedisTaskWorker.LogLine(taskID: $0.taskID, text: w.name + ": " + $0.text) }
    }
  }
}
