import DistLab
import DistLabTasks

/// `task …`: the task-queue lab — Celery's broker, workers and result backend as nodes.
enum TaskCommands {
  /// Which queue a task goes to: the same flag wherever a task is sent, simulated or on Redis.
  static let queueFlag = FlagSpec("--queue", .text, placeholder: "Q", help: "the queue (default celery)")

  /// The worker settings `task start` and `task worker` take, each a Celery setting.
  static let workerFlags: [FlagSpec] = [
    FlagSpec(
      "--concurrency", .count, placeholder: "N",
      help: "slots per worker (worker_concurrency; Celery's default is the CPU count, here 4)"),
    FlagSpec(
      "--prefetch", .count, placeholder: "M",
      help: "unacked messages per slot (worker_prefetch_multiplier, default 4; 0 is unlimited)"),
    FlagSpec("--acks-late", help: "acknowledge after the task returns (task_acks_late), not when it starts"),
    FlagSpec("--track-started", help: "store STARTED when a task starts (task_track_started)"),
    FlagSpec(
      "--reject-on-worker-lost",
      help: "with --acks-late, requeue a task whose pool process died (task_reject_on_worker_lost)"),
    FlagSpec(
      "--visibility-timeout", .duration, placeholder: "D",
      help: "unacked longer than this is restored (Redis visibility_timeout, default 1h)"),
    FlagSpec(
      "--restore-interval", .duration, placeholder: "D",
      help: "time between restore calls (kombu unacked_restore_interval, default 10s)"),
    FlagSpec(
      "--restore-throttle", .count, placeholder: "N",
      help: "only every Nth restore call scans (kombu unacked_restore_throttle, default 10)"),
    FlagSpec("--queues", .text, placeholder: "Q1,Q2", help: "the queues consumed, in order (-Q; default celery)"),
    FlagSpec(
      "--rate-limit", .text, placeholder: "TASK=N/U,…",
      help: "at most N starts of TASK per s, m or h on each worker (rate_limit), e.g. add=10/m"),
  ]

  static let spec = CommandSpec(
    "task", family: .data,
    summary: "Celery-style task queues: a broker, workers and a result backend as nodes",
    details: [
      "The broker behaves as Celery's Redis transport: a worker asks for messages with BRPOP (a 1s",
      "wait), every delivered message is held unacked, and each worker asks the broker to restore",
      "messages unacked longer than the visibility timeout when it starts and on every 10th tick of",
      "10s. Tasks: " + TaskCatalog.all.map(TaskCatalog.usage).joined(separator: "; ") + ".",
    ],
    example: ["task start --workers 2", "task send add 2 3", "advance 1s", "task status T1", "task queues"],
    subcommands: [
      CommandSpec(
        "start", family: .data, summary: "spawn the broker, the result backend and workers, and start them",
        details: [
          "Nodes are named broker, backend, w1, w2…; kill, pause or partition them like any node.",
          "With --redis the lab runs on a real Redis instead: it is the broker and the result backend,",
          "the workers w1, w2… run in this shell (0 leaves the work to real Celery workers), and the",
          "task commands act on it until 'reset' or a 'task start' without --redis. Time is the wall",
          "clock's; --prefetch, --track-started, --reject-on-worker-lost and --rate-limit are the",
          "simulation's, as are task timeline, task inspect, task chord and beat.",
        ],
        example: ["task start --workers 2 --acks-late"],
        flags: [
          FlagSpec("--workers", .count, placeholder: "N", help: "how many workers (default 2)"),
          FlagSpec(
            "--redis", .text, placeholder: "URL",
            help: "run on the real Redis at URL (redis://HOST:PORT/DB), with workers in this shell"),
        ] + workerFlags,
        action: start),
      CommandSpec(
        "worker", family: .data, summary: "add workers with their own settings",
        example: ["task start", "task worker --concurrency 1 --prefetch 1 --acks-late"],
        flags: [FlagSpec("--count", .count, placeholder: "N", help: "how many (default 1)")] + workerFlags,
        action: worker),
      CommandSpec(
        "send", family: .data, summary: "publish a task to the broker (apply_async): T1, T2, …",
        details: ["The shell is the producer: a broker that does not answer within 1s did not take the task."],
        example: ["task start", "task send add 2 3", "task send sleep 30s --countdown 1m --queue slow"],
        positionals: [Positional("TASK", .choice(TaskCatalog.names)), Positional("ARG", .text, .any)],
        flags: [
          TaskCommands.queueFlag,
          FlagSpec("--countdown", .duration, placeholder: "D", help: "not before D from now (countdown)"),
          FlagSpec("--expires", .duration, placeholder: "D", help: "revoked if received later than D from now"),
          FlagSpec(
            "--retries", .count, placeholder: "N",
            help: "retry a failure up to N times, 3 minutes apart (autoretry_for, max_retries, default_retry_delay)"),
          FlagSpec(
            "--idempotency-key", .text, placeholder: "K",
            help: "record the task's side effect under K, so that a repeated run changes nothing"),
          FlagSpec(
            "--backoff", help: "retries wait a random time up to 1s, 2s, 4s… (retry_backoff with retry_jitter)"),
          FlagSpec(
            "--soft-time-limit", .duration, placeholder: "D",
            help: "raise SoftTimeLimitExceeded in the task after D (soft_time_limit)"),
          FlagSpec(
            "--time-limit", .duration, placeholder: "D", help: "kill the run after D: TimeLimitExceeded (time_limit)"),
        ],
        action: send),
      CommandSpec(
        "chain", family: .data, summary: "send tasks to run one after another, each given the previous result first",
        details: ["A link that fails ends the chain: the links after it are never sent and stay PENDING."],
        example: ["task start", "task chain add 2 2 | mul 10 | add 1", "advance 1s", "task list"],
        positionals: [Positional("TASK ARG… | TASK ARG…", .text, .many)],
        flags: [TaskCommands.queueFlag], action: canvas),
      CommandSpec(
        "group", family: .data, summary: "send tasks to run in parallel",
        example: ["task start", "task group add 1 1 | add 2 2 | add 3 3"],
        positionals: [Positional("TASK ARG… | TASK ARG…", .text, .many)],
        flags: [TaskCommands.queueFlag], action: canvas),
      CommandSpec(
        "chord", family: .data, summary: "a group whose results, once all succeed, go as a list to a body task",
        details: ["If a header task fails, the body fails with a ChordError once every header task has returned."],
        example: ["task start", "task chord add 1 1 | add 2 2 | add 3 3 --body xsum", "advance 1s", "task list"],
        positionals: [Positional("TASK ARG… | TASK ARG…", .text, .many)],
        flags: [
          FlagSpec("--body", .choice(TaskCatalog.names), placeholder: "TASK", help: "the task given every result"),
          TaskCommands.queueFlag,
        ], action: canvas),
      CommandSpec(
        "status", family: .data, summary: "what the result backend holds for a task (PENDING when nothing)",
        example: ["task start", "task send add 2 3", "advance 1s", "task status T1"],
        positionals: [Positional("ID", .text)], action: status),
      CommandSpec(
        "list", family: .data, summary: "every task sent from this shell, with its state from the backend",
        example: ["task start", "task send add 1 2", "task list"], action: list),
      CommandSpec(
        "wait", family: .data,
        summary: "let time pass until a task is ready; the backend tells at once (AsyncResult.get)",
        example: ["task start", "task send sleep 3s", "task wait T1 --timeout 10s"],
        positionals: [Positional("ID", .text)],
        flags: [FlagSpec("--timeout", .duration, placeholder: "D", help: "give up after D (default 1m)")],
        action: wait),
      CommandSpec(
        "timeline", family: .data,
        summary: "a lane per worker slot, each run a bar over virtual time (from the trace: the world's truth)",
        details: [
          "Marks: ═ a repeated run of a task (a duplicate), ✗ failed, ↻ will retry, ⊘ revoked and stopped, ‖ its",
          "worker was killed, … still running.",
        ],
        example: [
          "task start --workers 1 --concurrency 2", "task send sleep 3s", "task send fail", "advance 5s",
          "task timeline",
        ],
        action: timeline),
      CommandSpec(
        "queues", family: .data, summary: "ask the broker: queue lengths and unacked messages",
        example: ["task start", "task queues"], action: queues),
      CommandSpec(
        "inspect", family: .data,
        summary: "ask every worker (celery inspect): active, reserved, scheduled, revoked, stats",
        example: ["task start", "task send sleep 5s", "advance 100ms", "task inspect active"],
        positionals: [Positional("WHAT", .choice(["active", "reserved", "scheduled", "revoked", "stats"]))],
        action: inspect),
      CommandSpec(
        "revoke", family: .data, summary: "tell every worker to skip a task (celery revoke); --terminate stops it",
        example: ["task start", "task send sleep 1m", "advance 100ms", "task revoke T1 --terminate"],
        positionals: [Positional("ID", .text)],
        flags: [FlagSpec("--terminate", help: "also stop it where it runs")], action: revoke),
    ])

  /// `beat …`: Celery beat, the scheduler that only publishes.
  static let beatSpec = CommandSpec(
    "beat", family: .data,
    summary: "the task lab's beat scheduler: start it, add, list and remove periodic entries",
    example: ["task start", "beat start", "beat add tick add 1 1 --every 10s", "advance 25s", "beat list"],
    subcommands: [
      CommandSpec(
        "start", family: .data, summary: "spawn a beat and give it the schedule (a second one needs --force)",
        details: ["Celery runs exactly one beat: each beat publishes every entry, so two publish everything twice."],
        example: ["task start", "beat start"],
        flags: [FlagSpec("--force", help: "start another beat even though one runs")], action: beatStart),
      CommandSpec(
        "add", family: .data, summary: "add an entry: a task every interval or on a crontab (beat_schedule)",
        details: [
          "--crontab takes Celery's fields: minute=0,hour=*/3,day_of_week=mon-fri (Sunday is 0; list",
          "items joined by ;). Day of week and day of month must both match. Time 0 is Thursday",
          "1 January 1970, 00:00.",
        ],
        example: ["task start", "beat start", "beat add tick add 1 1 --every 10s"],
        positionals: [
          Positional("NAME", .text), Positional("TASK", .choice(TaskCatalog.names)), Positional("ARG", .text, .any),
        ],
        flags: [
          FlagSpec("--every", .duration, placeholder: "D", help: "run every D"),
          FlagSpec("--crontab", .text, placeholder: "FIELDS", help: "run on a crontab: minute=…,hour=…"),
          TaskCommands.queueFlag,
        ],
        action: beatAdd),
      CommandSpec(
        "list", family: .data, summary: "ask each beat: its entries, last run and next due time",
        example: ["task start", "beat start", "beat add tick add 1 1 --every 10s", "beat list"],
        action: beatList),
      CommandSpec(
        "remove", family: .data, summary: "remove an entry from every beat",
        example: [
          "task start", "beat start", "beat add tick add 1 1 --every 10s", "beat remove tick",
        ],
        positionals: [Positional("NAME", .text)], action: beatRemove),
    ])

  static func settings(_ inv: Invocation, broker: NodeID, backend: NodeID) throws(ShellError) -> WorkerSettings {
    var s = WorkerSettings(broker: broker, backend: backend)
    if let n = try inv.flagInt("--concurrency", range: 1...64) { s.concurrency = n }
    if let m = try inv.flagInt("--prefetch", range: 0...1000) { s.prefetchMultiplier = m }
    s.acksLate = inv.has("--acks-late")
    s.trackStarted = inv.has("--track-started")
    s.rejectOnWorkerLost = inv.has("--reject-on-worker-lost")
    if let d = try positive(inv, "--visibility-timeout") { s.visibilityTimeout = d }
    if let d = try positive(inv, "--restore-interval") {
      guard d >= .milliseconds(10) else {
        throw ShellError("--restore-interval is at least 10ms", column: inv.flags["--restore-interval"]?.column)
      }
      s.restoreInterval = d
    }
    if let n = try inv.flagInt("--restore-throttle", range: 1...1000) { s.restoreThrottle = n }
    if let q = inv.flags["--queues"] { s.queues = try queueNames(q) }
    if let t = inv.flags["--rate-limit"] {
      for item in t.text.split(separator: ",", omittingEmptySubsequences: false) {
        let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
        guard pair.count == 2, TaskCatalog.definition(pair[0]) != nil else {
          throw ShellError(
            "--rate-limit takes TASK=N/U pairs with a known task, like add=10/m, not '\(item)'", column: t.column)
        }
        guard let limit = RateLimit(pair[1]) else {
          throw ShellError(
            "a rate limit looks like 10/s, 10/m or 10/h (at most 1000000), not '\(pair[1])'", column: t.column)
        }
        s.rateLimits[pair[0]] = limit
      }
    }
    return s
  }

  static func positive(_ inv: Invocation, _ flag: String) throws(ShellError) -> Nanoseconds? {
    guard let d = try inv.flagDuration(flag) else { return nil }
    guard d > .zero else { throw ShellError("\(flag) must be longer than 0", column: inv.flags[flag]?.column) }
    return d
  }

  static func queueNames(_ t: Token) throws(ShellError) -> [String] {
    let names = t.text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    for n in names where n.isEmpty || n.utf8.count > 64 {
      throw ShellError("a queue name has 1 to 64 characters: '\(t.text)'", column: t.column)
    }
    return names
  }

  static func start(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    if let url = inv.flags["--redis"] { return try TaskRedisCommands.start(inv, s, url: url) }
    if TaskRedisCommands.active(s) { s.celery.disconnect() }
    let count = try inv.flagInt("--workers", range: 0...100) ?? 2
    _ = try settings(inv, broker: .client, backend: .client)
    var chosen: WorkerSettings?
    var settingsError: ShellError?
    let nodes = try attempt(inv.column) { () throws(TaskLabError) in
      try s.tasks.start(
        workers: count,
        settings: { broker, backend in
          do throws(ShellError) {
            let w = try settings(inv, broker: broker, backend: backend)
            chosen = w
            return w
          } catch {
            settingsError = error
            return WorkerSettings(broker: broker, backend: backend)
          }
        }, cancel: s.cancel)
    }
    if let settingsError { throw settingsError }
    guard let chosen else { throw ShellError("the lab did not start", column: inv.column) }
    return .task(.started(nodes: nodes, settings: chosen))
  }

  static func worker(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    if TaskRedisCommands.active(s) { return try TaskRedisCommands.worker(inv, s) }
    guard let broker = s.tasks.broker, let backend = s.tasks.backend else {
      throw ShellError(Messages.text(TaskLabError.notStarted), column: inv.column)
    }
    let count = try inv.flagInt("--count", range: 1...100) ?? 1
    let w = try settings(inv, broker: broker, backend: backend)
    let nodes = try attempt(inv.column) { () throws(TaskLabError) in
      try s.tasks.addWorkers(count, settings: w, cancel: s.cancel)
    }
    return .task(.workersAdded(nodes, settings: w))
  }

  static func send(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    if TaskRedisCommands.active(s) { return try TaskRedisCommands.send(inv, s) }
    let name = inv.positional[0]
    let args = inv.positional.dropFirst().map(Units.value)
    var o = SendOptions()
    if let q = inv.flags["--queue"] { o.queue = try queueNames(q).first }
    if let d = try inv.flagDuration("--countdown") {
      guard d >= .zero else {
        throw ShellError("--countdown cannot be negative", column: inv.flags["--countdown"]?.column)
      }
      o.countdown = d
    }
    o.expires = try positive(inv, "--expires")
    o.retries = try inv.flagInt("--retries", range: 0...100) ?? 0
    o.backoff = inv.has("--backoff")
    if let k = inv.flags["--idempotency-key"] {
      guard !k.text.isEmpty, k.text.utf8.count <= 128 else {
        throw ShellError("an idempotency key has 1 to 128 characters", column: k.column)
      }
      o.idempotencyKey = k.text
    }
    o.softTimeLimit = try positive(inv, "--soft-time-limit")
    o.timeLimit = try positive(inv, "--time-limit")
    let outcome = try attempt(name.column) { () throws(TaskLabError) in
      try s.tasks.send(name.text, args: Array(args), options: o, cancel: s.cancel)
    }
    return .task(.sent(outcome))
  }

  static func known(_ t: Token, _ s: ShellSession) throws(ShellError) -> String {
    guard s.tasks.sent.contains(where: { $0.id == t.text }) else {
      throw ShellError(Messages.text(TaskLabError.unknownID(t.text)), column: t.column)
    }
    return t.text
  }

  static func status(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    if TaskRedisCommands.active(s) { return try TaskRedisCommands.status(inv, s) }
    let id = try known(inv.positional[0], s)
    let status = try attempt(inv.column) { () throws(TaskLabError) in try s.tasks.status(id, cancel: s.cancel) }
    return .task(.status(id: id, status, message: s.tasks.sent.first { $0.id == id }))
  }

  static func list(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    if TaskRedisCommands.active(s) { return try TaskRedisCommands.list(inv, s) }
    return .task(.list(try attempt(inv.column) { () throws(TaskLabError) in try s.tasks.statuses(cancel: s.cancel) }))
  }

  static func wait(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let timeout = try positive(inv, "--timeout") ?? .seconds(60)
    guard timeout <= .seconds(86_400) else {
      throw ShellError("--timeout is at most 24h, as advance is", column: inv.flags["--timeout"]?.column)
    }
    if TaskRedisCommands.active(s) { return try TaskRedisCommands.wait(inv, s, timeout: timeout) }
    let id = try known(inv.positional[0], s)
    let (status, waited) = try attempt(inv.column) { () throws(TaskLabError) in
      try s.tasks.wait(id, timeout: timeout, cancel: s.cancel)
    }
    return .task(.waited(id: id, status, waited: waited, timeout: timeout))
  }

  static func queues(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    if TaskRedisCommands.active(s) { return try TaskRedisCommands.queues(inv, s) }
    let stats = try attempt(inv.column) { () throws(TaskLabError) in try s.tasks.brokerStats(cancel: s.cancel) }
    return .task(.queues(stats, at: s.world.now))
  }

  static func inspect(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    try TaskRedisCommands.refuse(.inspect, inv, s)
    let what = inv.positional[0].text
    let answers = try attempt(inv.positional[0].column) { () throws(TaskLabError) in
      try s.tasks.inspect(what, cancel: s.cancel)
    }
    return .task(.inspected(what: what, answers))
  }

  static func revoke(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    if TaskRedisCommands.active(s) { return try TaskRedisCommands.revoke(inv, s) }
    let id = try known(inv.positional[0], s)
    let terminate = inv.has("--terminate")
    let acked = try attempt(inv.column) { () throws(TaskLabError) in
      try s.tasks.revoke(id, terminate: terminate, cancel: s.cancel)
    }
    return .task(.revoked(id: id, terminate: terminate, acknowledged: acked, asked: s.tasks.workers))
  }

  static func beatStart(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    try TaskRedisCommands.refuse(.beat, inv, s)
    let beat = try attempt(inv.column) { () throws(TaskLabError) in
      try s.tasks.startBeat(force: inv.has("--force"), cancel: s.cancel)
    }
    return .task(.beatStarted(beat, entries: s.tasks.schedule.count))
  }

  static func beatAdd(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    try TaskRedisCommands.refuse(.beat, inv, s)
    let name = inv.positional[0]
    guard !name.text.isEmpty, name.text.utf8.count <= 64, !name.text.contains("#") else {
      throw ShellError("an entry name has 1 to 64 characters and no #", column: name.column)
    }
    let schedule: BeatEntry.Schedule
    switch (try positive(inv, "--every"), inv.flags["--crontab"]) {
    case (let every?, nil):
      guard every >= .milliseconds(100) else {
        throw ShellError("--every is at least 100ms", column: inv.flags["--every"]?.column)
      }
      schedule = .every(every)
    case (nil, let cron?):
      do throws(Crontab.Problem) {
        schedule = .crontab(try Crontab(parsing: cron.text))
      } catch {
        throw ShellError(Messages.text(error), column: cron.column)
      }
    case (.some, .some):
      throw ShellError("an entry runs --every D or on a --crontab, not both", column: inv.flags["--crontab"]?.column)
    case (nil, nil): throw ShellError("say when it runs: --every D or --crontab FIELDS", column: inv.column)
    }
    let queue = try inv.flags["--queue"].map { (t) throws(ShellError) in try queueNames(t)[0] }
    let entry = BeatEntry(
      name: name.text, task: inv.positional[1].text, args: inv.positional.dropFirst(2).map(Units.value),
      queue: queue ?? TaskDefaults.queue, schedule: schedule)
    let took = try attempt(inv.positional[1].column) { () throws(TaskLabError) in
      try s.tasks.setEntry(entry, cancel: s.cancel)
    }
    return .task(.entrySet(entry, beats: took, asked: s.tasks.beats))
  }

  static func beatList(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    try TaskRedisCommands.refuse(.beat, inv, s)
    let answers = try attempt(inv.column) { () throws(TaskLabError) in try s.tasks.beatList(cancel: s.cancel) }
    let schedule = s.tasks.schedule.keys.sorted().compactMap { s.tasks.schedule[$0] }
    return .task(.beatListed(schedule: schedule, answers: answers))
  }

  static func beatRemove(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    try TaskRedisCommands.refuse(.beat, inv, s)
    let name = inv.positional[0].text
    let took = try attempt(inv.positional[0].column) { () throws(TaskLabError) in
      try s.tasks.removeEntry(name, cancel: s.cancel)
    }
    return .task(.entryRemoved(name, beats: took, asked: s.tasks.beats))
  }

  /// `task chain|group|chord`: signatures separated by `|`.
  static func canvas(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    guard let kind = inv.subcommand.flatMap(TaskClient.CanvasKind.init(rawValue:)) else {
      throw ShellError("not a canvas", column: inv.column)
    }
    if TaskRedisCommands.active(s) { return try TaskRedisCommands.canvas(inv, s, kind) }
    var sigs: [TaskClient.Signature] = []
    var words: [Token] = []
    func close() throws(ShellError) {
      guard let first = words.first else {
        throw ShellError("a signature is missing around '|': write TASK ARG… | TASK ARG…", column: inv.column)
      }
      sigs.append(TaskClient.Signature(first.text, words.dropFirst().map(Units.value)))
      words = []
    }
    for t in inv.positional {
      if t.text == "|" && !t.quoted { try close() } else { words.append(t) }
    }
    try close()
    guard kind != .chord || inv.flags["--body"] != nil else {
      throw ShellError("a chord needs its body: --body TASK (such as --body xsum)", column: inv.column)
    }
    guard kind == .chord || inv.flags["--body"] == nil else {
      throw ShellError("only a chord has a body", column: inv.flags["--body"]?.column)
    }
    let body = inv.flags["--body"].map { TaskClient.Signature($0.text, []) }
    var o = SendOptions()
    if let q = inv.flags["--queue"] { o.queue = try queueNames(q).first }
    let before = s.tasks.sent.count
    let outcomes = try attempt(inv.positional[0].column) { () throws(TaskLabError) in
      try s.tasks.sendCanvas(kind, sigs, body: body, options: o, cancel: s.cancel)
    }
    return .task(.canvas(kind, Array(s.tasks.sent[before...]), outcomes))
  }

  static func timeline(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    try TaskRedisCommands.refuse(.timeline, inv, s)
    return .task(.timeline(TaskTimeline(s.world.trace, now: s.world.now)))
  }
}
