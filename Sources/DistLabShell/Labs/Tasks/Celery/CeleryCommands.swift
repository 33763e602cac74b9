import DistLab
import DistLabRedis
import DistLabTasks
import DistLabTasksRedis
import Foundation

/// `celery …`: the task lab against a real Redis, as Celery 5's peer — messages in kombu's
/// format on Redis lists, results where Celery's `AsyncResult` reads them, and a worker in this
/// process that runs what any Celery client sends.
enum CeleryCommands {
  static let spec = CommandSpec(
    "celery", family: .data,
    summary: "the task lab on a real Redis, with real Celery clients and workers as peers",
    details: [
      "celery connect takes a redis:// URL. Sent tasks are Celery 5 messages (task protocol 2 in",
      "kombu's JSON envelope, LPUSHed onto the queue's list) under a new UUID, shown as C1, C2, …; a",
      "real Celery worker on that Redis runs them, and celery worker runs here what real Celery",
      "clients send (Celery's 'add.delay(10, 20)' reads 30 back). Time is the wall clock's.",
    ],
    example: [],
    subcommands: [
      CommandSpec(
        "connect", family: .data, summary: "use the Redis at URL as broker and result backend (redis://HOST:PORT/DB)",
        positionals: [Positional("URL", .text)], action: connect),
      CommandSpec(
        "send", family: .data, summary: "publish a task as Celery's apply_async does: C1, C2, …",
        details: ["Durations are sent in seconds, as Celery's tasks take them (sleep 2s sends sleep(2.0))."],
        positionals: [Positional("TASK", .choice(TaskCatalog.names)), Positional("ARG", .text, .any)],
        flags: [
          FlagSpec("--queue", .text, placeholder: "Q", help: "the queue (default celery)"),
          FlagSpec("--countdown", .duration, placeholder: "D", help: "not before D from now (eta)"),
          FlagSpec("--expires", .duration, placeholder: "D", help: "revoked if taken later than D from now"),
        ],
        action: send),
      CommandSpec(
        "chain", family: .data, summary: "send links to run one after another, each given the previous result",
        details: [
          "As Celery's chain: one message carries the later links, and a worker sends each when the",
          "one before it succeeds; after a failure the rest stay PENDING.",
        ],
        positionals: [Positional("TASK ARG… | TASK ARG…", .text, .many)],
        flags: [FlagSpec("--queue", .text, placeholder: "Q", help: "the queue (default celery)")], action: chain),
      CommandSpec(
        "status", family: .data, summary: "what the result backend holds (PENDING for an id it never heard of)",
        positionals: [Positional("ID", .text)], action: status),
      CommandSpec(
        "wait", family: .data, summary: "wait on the wall clock until a task is ready (AsyncResult.get)",
        positionals: [Positional("ID", .text)],
        flags: [FlagSpec("--timeout", .duration, placeholder: "D", help: "give up after D (default 10s)")],
        action: wait),
      CommandSpec(
        "worker", family: .data, summary: "start or stop a worker in this shell that consumes from the Redis",
        details: [
          "flaky retries its ConnectionError as a Celery task declared with autoretry_for does: a new",
          "message under the same id, one retry more, due after the delay, and RETRY stored until it",
          "runs; past the last retry the failure stands. In Celery max_retries and default_retry_delay",
          "are declared on the task (@app.task(autoretry_for=(ConnectionError,), max_retries=3)); here",
          "they are the worker's.",
        ],
        positionals: [Positional("ACTION", .choice(["start", "stop"]))],
        flags: [
          FlagSpec("--concurrency", .count, placeholder: "N", help: "slots (worker_concurrency, default 4)"),
          FlagSpec("--acks-late", help: "acknowledge after the task returns (task_acks_late)"),
          FlagSpec("--queues", .text, placeholder: "Q1,Q2", help: "the queues consumed, in order (-Q; default celery)"),
          FlagSpec(
            "--visibility-timeout", .duration, placeholder: "D",
            help: "unacked longer than this is restored (visibility_timeout, default 1h)"),
          FlagSpec(
            "--max-retries", .count, placeholder: "N",
            help: "retry flaky's failure up to N times (the task's max_retries, default 3)", only: ["start"]),
          FlagSpec(
            "--retry-delay", .duration, placeholder: "D",
            help: "a retry waits D (the task's default_retry_delay, default 3m)", only: ["start"]),
          FlagSpec(
            "--retry-backoff",
            help: "a retry waits a random whole number of seconds up to 1, 2, 4… (retry_backoff, retry_jitter)",
            only: ["start"]),
        ],
        action: worker),
      CommandSpec(
        "revoke", family: .data, summary: "tell every worker to discard a task (app.control.revoke)",
        details: [
          "A broadcast, as Celery's: workers listening now add the id to their revoked set and store",
          "REVOKED when it comes up; a worker started later never hears of it. With --terminate, a",
          "worker running it stops it (Celery sends the signal to the pool process running it) and",
          "stores REVOKED, terminated.",
        ],
        positionals: [Positional("ID", .text)],
        flags: [
          FlagSpec("--terminate", help: "also stop it where it runs (terminate=True)"),
          FlagSpec(
            "--signal", .text, placeholder: "SIG", help: "the signal that stops it, with --terminate (default SIGTERM)"),
        ],
        action: revoke),
      CommandSpec(
        "queues", family: .data, summary: "queue lengths, unacknowledged and dead-lettered messages on the Redis",
        positionals: [Positional("QUEUE", .text, .any)], action: queues),
      CommandSpec(
        "log", family: .data, summary: "what this shell's worker did, in the words of Celery's worker log",
        flags: [FlagSpec("--last", .count, placeholder: "N", help: "how many lines (default 20)")], action: log),
      CommandSpec(
        "restore", family: .data,
        summary: "run kombu's restore sweep now: unacked past the visibility timeout goes back",
        flags: [
          FlagSpec(
            "--visibility-timeout", .duration, placeholder: "D", help: "what counts as abandoned (default 1h)")
        ],
        action: restore),
    ])

  static func attempt<R>(_ column: Int, _ body: () throws(CeleryBridge.Problem) -> R) throws(ShellError) -> R {
    do {
      return try body()
    } catch {
      throw ShellError(Messages.text(error), column: column)
    }
  }

  static func redis<R>(_ body: () throws(RedisError) -> R) throws(CeleryBridge.Problem) -> R {
    do {
      return try body()
    } catch {
      throw .redis(error)
    }
  }

  static func broker(_ s: ShellSession) throws(CeleryBridge.Problem) -> KombuRedis {
    guard let b = s.celery.broker else { throw .notConnected }
    return b
  }

  static func connect(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let t = inv.positional[0]
    if s.sandbox != nil {
      throw ShellError("celery reaches a real Redis, which a graded solution may not", column: t.column)
    }
    let bridge = s.celery
    let server = try attempt(t.column) { () throws(CeleryBridge.Problem) in
      guard let (host, port, db) = RedisClient.parse(url: t.text) else { throw .badURL(t.text) }
      let client = try redis { () throws(RedisError) in try RedisClient.connect(host: host, port: port, db: db) }
      let info = try redis { () throws(RedisError) in try client.call(["INFO", "server"]) }
      bridge.broker?.client.close()
      bridge.broker = KombuRedis(client: client)
      bridge.url = t.text
      let version = info.string?.split(separator: "\r\n").first { $0.hasPrefix("redis_version:") }
      return version.map { "Redis " + $0.dropFirst("redis_version:".count) } ?? "Redis"
    }
    return .celery(.connected(url: t.text, server: server))
  }

  static func send(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let name = inv.positional[0]
    let wire = try arguments(name, Array(inv.positional.dropFirst()))
    let countdown = try inv.flagDuration("--countdown")
    if let countdown, countdown < .zero {
      throw ShellError("--countdown cannot be negative", column: inv.flags["--countdown"]?.column)
    }
    let expires = try inv.flagDuration("--expires")
    if let expires, expires <= .zero {
      throw ShellError("--expires must be after now", column: inv.flags["--expires"]?.column)
    }
    let queue = inv.flags["--queue"]?.text ?? "celery"
    let bridge = s.celery
    let id = UUID().uuidString.lowercased()
    var m = CeleryEnvelope(
      task: name.text, id: id, args: wire, queue: queue, deliveryTag: UUID().uuidString.lowercased(),
      origin: "distlab@" + ProcessInfo.processInfo.hostName)
    let now = Date()
    m.eta = countdown.map { CeleryTime.iso(now.addingTimeInterval(Double($0.value) / 1e9)) }
    m.expires = expires.map { CeleryTime.iso(now.addingTimeInterval(Double($0.value) / 1e9)) }
    try attempt(name.column) { () throws(CeleryBridge.Problem) in
      let b = try broker(s)
      try redis { () throws(RedisError) in try b.publish(m) }
    }
    let short = "C\(bridge.sent.count + 1)"
    let call = name.text + "(" + wire.map(\.description).joined(separator: ", ") + ")"
    bridge.sent.append((short, id, call))
    return .celery(.sent(short: short, id: id, call: call, queue: queue))
  }

  /// A task's arguments checked against its declaration and put as Celery's tasks take them
  /// (durations in seconds); `given` fewer for a chain's later link, whose first is the result
  /// before it.
  static func arguments(_ name: Token, _ tokens: [Token], given: Int = 0) throws(ShellError) -> [Value] {
    guard let definition = TaskCatalog.definition(name.text) else {
      throw ShellError(
        "unknown task '\(name.text)'\(Suggest.hint(for: name.text, in: TaskCatalog.names))", column: name.column)
    }
    let args = tokens.map(Units.value)
    let expected = definition.arguments.count - given
    guard args.count == expected else {
      throw ShellError(
        "\(name.text) takes \(expected) argument\(expected == 1 ? "" : "s")"
          + (given > 0 ? " after the result before it" : "")
          + " (\(TaskCatalog.usage(definition))), not \(args.count)", column: name.column)
    }
    let specs = Array(definition.arguments.dropFirst(given))
    for (i, (v, spec)) in zip(args, specs).enumerated() where !spec.type.accepts(v) {
      throw ShellError("argument \(i + 1) of \(name.text) is \(spec.label), not \(v)", column: tokens[i].column)
    }
    return zip(args, specs).map { v, spec in
      guard spec.type == .duration, let ns = v.intValue else { return v }
      return .double(Double(ns) / 1e9)
    }
  }

  /// `celery chain add 1 1 | mul 10`: one message whose embed carries the later links, each
  /// under an id given now, as Celery's `chain(...).apply_async()` sends it.
  static func chain(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    var links: [[Token]] = [[]]
    for t in inv.positional {
      if t.text == "|" && !t.quoted { links.append([]) } else { links[links.count - 1].append(t) }
    }
    guard links.allSatisfy({ !$0.isEmpty }), links.count >= 2 else {
      throw ShellError("a chain is TASK ARG… | TASK ARG…, two links or more", column: inv.column)
    }
    var made: [(name: String, id: String, args: [Value])] = []
    for (i, link) in links.enumerated() {
      let args = try arguments(link[0], Array(link.dropFirst()), given: i == 0 ? 0 : 1)
      made.append((link[0].text, UUID().uuidString.lowercased(), args))
    }
    let queue = inv.flags["--queue"]?.text ?? "celery"
    var m = CeleryEnvelope(
      task: made[0].name, id: made[0].id, args: made[0].args, queue: queue, deliveryTag: UUID().uuidString.lowercased(),
      origin: "distlab@" + ProcessInfo.processInfo.hostName)
    m.chain = .list(
      made.dropFirst().reversed().map { CeleryEnvelope.signature(task: $0.name, args: $0.args, id: $0.id) })
    try attempt(inv.column) { () throws(CeleryBridge.Problem) in
      let b = try broker(s)
      try redis { () throws(RedisError) in try b.publish(m) }
    }
    let bridge = s.celery
    var shorts: [String] = []
    for (i, link) in made.enumerated() {
      let short = "C\(bridge.sent.count + 1)"
      let call = link.name + "(" + ((i == 0 ? [] : ["…"]) + link.args.map(\.description)).joined(separator: ", ") + ")"
      bridge.sent.append((short, link.id, call))
      shorts.append(short)
    }
    return .celery(.chained(shorts: shorts, calls: bridge.sent.suffix(made.count).map(\.call), queue: queue))
  }

  static func known(_ t: Token, _ s: ShellSession) throws(ShellError) -> (short: String, id: String) {
    guard let id = s.celery.id(t.text) else {
      let shorts = s.celery.sent.map(\.short)
      throw ShellError(
        "no task '\(t.text)' was sent from this shell"
          + (shorts.isEmpty ? " (celery send makes C1)" : " (sent: \(NodeSet.compact(shorts)))"), column: t.column)
    }
    return (s.celery.sent.first { $0.id == id }?.short ?? t.text, id)
  }

  static func status(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let (short, id) = try known(inv.positional[0], s)
    let r = try attempt(inv.column) { () throws(CeleryBridge.Problem) in
      let b = try broker(s)
      return try redis { () throws(RedisError) in try b.result(id) }
    }
    return .celery(.status(short: short, r))
  }

  static func wait(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let (short, id) = try known(inv.positional[0], s)
    let timeout = try inv.flagDuration("--timeout") ?? .seconds(10)
    guard timeout > .zero, timeout <= .seconds(3600) else {
      throw ShellError("--timeout is between 0 and 1h", column: inv.flags["--timeout"]?.column)
    }
    let started = Date()
    let limit = Double(timeout.value) / 1e9
    let r = try attempt(inv.column) { () throws(CeleryBridge.Problem) in
      let b = try broker(s)
      var r = try redis { () throws(RedisError) in try b.result(id) }
      while ["PENDING", "STARTED", "RETRY"].contains(r.state), Date().timeIntervalSince(started) < limit, !s.cancel() {
        usleep(20_000)
        r = try redis { () throws(RedisError) in try b.result(id) }
      }
      return r
    }
    return .celery(.waited(short: short, r, seconds: Date().timeIntervalSince(started), timeout: limit))
  }

  static func worker(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let bridge = s.celery
    if inv.positional[0].text == "stop" {
      let completed = try attempt(inv.column) { () throws(CeleryBridge.Problem) in
        guard let w = bridge.worker else { throw .noWorker }
        w.stop()
        bridge.worker = nil
        return w.completed
      }
      return .celery(.workerStopped(completed: completed))
    }
    let concurrency = try inv.flagInt("--concurrency", range: 1...64) ?? 4
    let queues =
      inv.flags["--queues"].map { $0.text.split(separator: ",").map(String.init) }.flatMap { $0.isEmpty ? nil : $0 }
      ?? ["celery"]
    let visibility = try inv.flagDuration("--visibility-timeout")
    if let visibility, visibility <= .zero {
      throw ShellError("--visibility-timeout must be positive", column: inv.flags["--visibility-timeout"]?.column)
    }
    let retries = try retryPolicy(inv)
    try attempt(inv.column) { () throws(CeleryBridge.Problem) in
      guard bridge.worker == nil else { throw .workerRunning }
      guard let url = bridge.url, let (host, port, db) = RedisClient.parse(url: url) else { throw .notConnected }
      var settings = RedisTaskWorker.Settings(host: host, port: port)
      settings.db = db
      settings.concurrency = concurrency
      settings.acksLate = inv.has("--acks-late")
      settings.queues = queues
      if let visibility { settings.visibilityTimeout = Double(visibility.value) / 1e9 }
      settings.maxRetries = retries.max
      settings.retryDelay = retries.delay
      settings.retryBackoff = retries.backoff
      bridge.worker = try redis { () throws(RedisError) in try RedisTaskWorker(settings) }
    }
    return .celery(
      .workerStarted(concurrency: concurrency, acksLate: inv.has("--acks-late"), queues: queues, retries: retries))
  }

  /// `--max-retries`, `--retry-delay` and `--retry-backoff`, with Celery's defaults.
  static func retryPolicy(_ inv: Invocation) throws(ShellError) -> CeleryShellResult.Retries {
    let max = try inv.flagInt("--max-retries", range: 0...1000) ?? CeleryRetry.defaultMaxRetries
    let delay = try inv.flagDuration("--retry-delay").map { Double($0.value) / 1e9 } ?? CeleryRetry.defaultDelay
    return CeleryShellResult.Retries(max: max, delay: delay, backoff: inv.has("--retry-backoff"))
  }

  static func revoke(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let (short, id) = try known(inv.positional[0], s)
    let terminate = inv.has("--terminate")
    let signal = try signal(inv)
    let heard = try attempt(inv.column) { () throws(CeleryBridge.Problem) in
      let b = try broker(s)
      let db = s.celery.url.flatMap(RedisClient.parse(url:))?.db ?? 0
      let message = CeleryControl.revoke(id, terminate: terminate, signal: signal)
      let answer = try redis { () throws(RedisError) in
        try b.client.call(["PUBLISH", CeleryControl.channel(db: db), message])
      }
      return Int(answer.int ?? 0)
    }
    return .celery(.revoked(short: short, listeners: heard, terminate: terminate ? signal : nil))
  }

  /// `--signal`'s name as Celery's worker takes it (`term`, `TERM` and `SIGTERM` are SIGTERM);
  /// SIGTERM when not given.
  static func signal(_ inv: Invocation) throws(ShellError) -> String {
    guard let t = inv.flags["--signal"] else { return CelerySignal.defaultName }
    guard inv.has("--terminate") else {
      throw ShellError("--signal goes with --terminate: add --terminate to stop the task", column: t.column)
    }
    let names = CelerySignal.all.map(\.name)
    guard let found = CelerySignal.signum(t.text.uppercased()), names.contains(found.name) else {
      throw ShellError(
        "--signal names a signal like SIGTERM, SIGKILL or SIGINT, not '\(t.text)'"
          + Suggest.hint(for: t.text.uppercased(), in: names), column: t.column)
    }
    return found.name
  }

  static func queues(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let names = inv.positional.isEmpty ? ["celery"] : inv.positional.map(\.text)
    let (rows, unacked, dead) = try attempt(inv.column) { () throws(CeleryBridge.Problem) in
      let b = try broker(s)
      let answers = try redis { () throws(RedisError) in
        try b.client.pipeline(
          names.map { [Array("LLEN".utf8), Array($0.utf8)] } + [
            [Array("ZCARD".utf8), Array(KombuRedis.unackedIndexKey.utf8)],
            [Array("LLEN".utf8), Array(KombuRedis.deadLetterKey.utf8)],
          ])
      }
      let rows = zip(names, answers).map { (name: $0, waiting: Int($1.int ?? 0)) }
      return (rows, Int(answers[names.count].int ?? 0), Int(answers[names.count + 1].int ?? 0))
    }
    return .celery(.queues(rows, unacked: unacked, dead: dead))
  }

  static func log(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let n = try inv.flagInt("--last", range: 1...10_000) ?? 20
    let lines = try attempt(inv.column) { () throws(CeleryBridge.Problem) in
      guard let w = s.celery.worker else { throw .noWorker }
      return w.log
    }
    return .celery(.log(Array(lines.suffix(n))))
  }

  static func restore(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let visibility = try inv.flagDuration("--visibility-timeout") ?? .seconds(KombuRedis.defaultVisibilityTimeout)
    guard visibility > .zero else {
      throw ShellError("--visibility-timeout must be positive", column: inv.flags["--visibility-timeout"]?.column)
    }
    let n = try attempt(inv.column) { () throws(CeleryBridge.Problem) in
      let b = try broker(s)
      return try redis { () throws(RedisError) in
        try b.restoreVisible(visibilityTimeout: Double(visibility.value) / 1e9)
      }
    }
    return .celery(.restored(n))
  }
}
