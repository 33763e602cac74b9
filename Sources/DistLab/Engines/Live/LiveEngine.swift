import Dispatch

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The live engine: nodes run freely on their threads and time is the wall clock.
final class LiveEngine: Engine {
  let router: LiveRouter
  private let seed: UInt64
  private var threads: [NodeThread] = []
  private var contexts: [NodeID: LiveContext] = [:]
  private var statuses: [NodeID: NodeStatus] = [:]
  private var clientRNG: SeededRandom
  private var posted: UInt64 = 0

  init(seed: UInt64, network: NetworkConfig, traceLimit: Int) {
    self.seed = seed
    router = LiveRouter(network: network, traceLimit: traceLimit)
    clientRNG = SeededRandom(seed: seed, stream: 1)
  }

  var now: Nanoseconds { router.now() }
  var trace: TraceLog { router.trace.withLock { $0 } }
  func record(_ e: TraceEvent) { router.record(e) }
  func clearStats() { router.trace.withLock { $0.clearStats() } }
  func resizeTrace(limit: Int) { router.trace.withLock { $0.resize(limit: limit) } }
  var pendingEvents: Int { 0 }

  func shutdown() {
    router.delays.stop()
    for t in threads { t.stop() }
    threads = []
  }

  private func publish() {
    let t = threads
    let s = statuses
    router.update { old in LiveTable(threads: t, statuses: s, network: old.network) }
  }

  func host(_ id: NodeID, name: String, role: Role) throws(WorldError) -> any NodeHost {
    try NodeThread.started(id, role: role)
  }

  func nodeAdded(_ node: NodeRecord) {
    guard let thread = node.host as? NodeThread else { return }
    let context = LiveContext(
      thread: thread, router: router, rng: SeededRandom(seed: seed, stream: UInt64(node.id.number) << 16 | 2),
      tracing: router.eventTracing.load(ordering: .relaxed))
    contexts[node.id] = context
    threads.append(thread)
    statuses[node.id] = node.info.status
    thread.submit(.attach(context))
    publish()
  }

  /// The new status is published to every sender before the node's thread hears of it, so
  /// nothing is delivered to a node after it is known to be down.
  func statusChanged(_ node: NodeRecord, from old: NodeStatus) {
    guard let thread = node.host as? NodeThread else { return }
    statuses[node.id] = node.info.status
    publish()
    thread.submit(.status(node.info.status, incarnation: node.info.incarnation))
  }

  func start(_ records: [NodeRecord]) {
    for r in records { (r.host as? NodeThread)?.submit(.start) }
  }

  func networkChanged(_ network: NetworkConfig) {
    router.update { old in old.with(network: network) }
  }

  /// Turns tracing of individual events off (counters stay) or on, for measuring throughput.
  func setEventTracing(_ on: Bool) {
    router.eventTracing.store(on, ordering: .relaxed)
    for t in threads {
      guard let c = contexts[t.id] else { continue }
      t.submit(.run { _ in c.tracing = on })
    }
  }

  /// How long the shell keeps looking for what it waits for (yielding the processor between
  /// looks) before it sleeps on its semaphore: a node usually answers within microseconds,
  /// sooner than the system call that would wake a sleeping shell.
  static let clientSpinNanos: Int64 = 100_000

  /// Waits until `stop` holds or the deadline passes, in slices so that Ctrl-C is noticed
  /// quickly; returns true when `cancel` ended the wait. With `look`, it first keeps looking
  /// for `stop` a while; a wait with nothing to look for (an `advance`) does not, since
  /// looking takes a processor the nodes could use.
  private func waitSlices(until deadline: Int64, look: Bool = true, cancel: () -> Bool, stop: () -> Bool) -> Bool {
    let lookUntil = look ? min(deadline, monotonicNanos() + Self.clientSpinNanos) : 0
    while monotonicNanos() < lookUntil {
      if cancel() { return true }
      if stop() { return false }
      sched_yield()
    }
    // Every message to the shell signals; those that came while it was looking are in the
    // inbox already, so their signals are spent here rather than each ending a sleep early.
    while router.clientWake.wait(timeout: .now()) == .success {}
    while monotonicNanos() < deadline {
      if cancel() { return true }
      if stop() { return false }
      let slice = min(deadline - monotonicNanos(), 5_000_000)
      if slice > 0 { _ = router.clientWake.wait(timeout: .now() + .nanoseconds(Int(slice))) }
    }
    return false
  }

  /// With more calls than this unanswered, the shell does not look for each reply: it sleeps
  /// (`batchSleepNanos` at most) and takes what came meanwhile together, leaving the
  /// processors to the nodes that answer. Fewer calls (a command's) are looked for as usual.
  /// The slice is short beside a batch of hundreds of calls (a bench's), so that the sleep that
  /// outlasts a batch's last reply adds little to it.
  static let batchedCalls = 64
  static let batchSleepNanos: Int64 = 200_000

  /// Sleeps one slice of a wait for many calls, or less up to the deadline; true when `cancel`
  /// holds.
  private func sleepSlice(until deadline: Int64, cancel: () -> Bool) -> Bool {
    if cancel() { return true }
    let slice = min(deadline - monotonicNanos(), Self.batchSleepNanos)
    if slice > 0 {
      var pause = timespec(tv_sec: 0, tv_nsec: Int(slice))
      nanosleep(&pause, nil)
    }
    return cancel()
  }

  func advance(by d: Nanoseconds, cancel: () -> Bool) -> AdvanceOutcome {
    let start = router.now()
    let interrupted = waitSlices(until: monotonicNanos() + d.value, look: false, cancel: cancel, stop: { false })
    return AdvanceOutcome(from: start, to: router.now(), eventsHandled: 0, interrupted: interrupted)
  }

  func post(from: NodeID, to: NodeID, bytes: [UInt8]) -> Int {
    let table = router.snapshot()
    posted += 1
    var rng = SeededRandom(seed: seed, stream: posted &+ 7)
    return router.route(from: from, to: to, bytes: bytes, table: table, rng: &rng, tracing: true)
  }

  /// How long a live `send` waits for its messages before reporting them still in flight
  /// (held by a paused node, say): two seconds plus four times the slowest link's mean.
  func sendPatience() -> Int64 {
    let network = router.snapshot().network
    let slowest = ([network.latency] + Array(network.linkLatency.values)).map(\.mean).max() ?? .zero
    return 2_000_000_000 + 4 * min(slowest.value, 3_600_000_000_000)
  }

  func send(pairs: [(NodeID, NodeID)], texts: [String], cancel: () -> Bool) -> SendOutcome {
    var ids: [Int] = []
    var outcomes: [Int: MessageOutcome] = [:]
    router.watching.store(true, ordering: .relaxed)
    defer {
      router.watching.store(false, ordering: .relaxed)
      router.watch.withLock { $0 = [:] }
    }
    let table = router.snapshot()
    for (from, to) in pairs {
      for text in texts {
        let bytes = FrameCodec.encode(.message(text))
        let id = router.route(
          from: from, to: to, bytes: bytes, table: table, rng: &clientRNG,
          tracing: router.eventTracing.load(ordering: .relaxed), watch: true)
        ids.append(id)
        outcomes[id] = MessageOutcome(id: id, from: from, to: to, text: text, fate: .inFlight, duplicates: 0)
      }
    }
    let allKnown = { self.router.watch.withLock { w in ids.allSatisfy { w[$0] != .inFlight } } }
    let interrupted = waitSlices(until: monotonicNanos() + sendPatience(), cancel: cancel, stop: allKnown)
    let fates = router.watch.withLock { $0 }
    var order: [(Nanoseconds, Int)] = []
    for id in ids {
      outcomes[id]?.fate = fates[id] ?? .inFlight
      if case .delivered(let at, _)? = fates[id] { order.append((at, id)) }
    }
    order.sort { ($0.0, $0.1) < ($1.0, $1.1) }
    return SendOutcome(
      messages: ids.compactMap { outcomes[$0] }, arrivalOrder: order.map(\.1), interrupted: interrupted)
  }

  /// Sends every request at once and waits for all of them: each attempt has its own
  /// deadline, and a call that runs out retries or gives up, with the same trace notes as
  /// in sim mode.
  func call(_ calls: [CallOutcome], options: CallOptions, cancel: () -> Bool) -> [CallOutcome] {
    var outcomes = calls
    var done = [Bool](repeating: false, count: calls.count)
    var deadlines = [Int64](repeating: 0, count: calls.count)
    router.clientInbox.withLock { $0.removeAll() }
    let fromNodes = Set(calls.filter { !$0.from.isClient }.map(\.callID))
    router.watchedCalls.withLock { $0 = fromNodes }
    router.watchingCalls.store(!fromNodes.isEmpty, ordering: .relaxed)
    defer {
      router.watchingCalls.store(false, ordering: .relaxed)
      router.watchedCalls.withLock { $0 = [] }
    }
    let timeout = min(options.timeout.value, Int64(1) << 61)
    // Attempts made together share one reading of the clock (and one look at the routing
    // table): a fan-out of many calls would otherwise read both once per call.
    func attempt(_ i: Int, at t: Int64, table: LiveTable, tracing: Bool) {
      _ = router.route(
        from: outcomes[i].from, to: outcomes[i].to, bytes: outcomes[i].request, table: table, rng: &clientRNG,
        tracing: tracing)
      deadlines[i] = t + timeout
    }
    let table = router.snapshot()
    let tracing = router.eventTracing.load(ordering: .relaxed)
    let sent = monotonicNanos()
    for i in outcomes.indices { attempt(i, at: sent, table: table, tracing: tracing) }
    let byID = Dictionary(outcomes.indices.map { (outcomes[$0].callID, $0) }, uniquingKeysWith: { a, _ in a })
    // Counted and looked for only when due, so that many calls at once cost each reply O(1),
    // not a scan of every call.
    var remaining = calls.count
    var next = deadlines.min() ?? 0
    while remaining > 0 {
      let interrupted =
        remaining > Self.batchedCalls
        ? sleepSlice(until: next, cancel: cancel)
        : waitSlices(until: next, cancel: cancel) { self.router.clientInbox.withLock { !$0.isEmpty } }
      for (env, frame) in takeReplies() {
        guard let i = byID[frame.callID], !done[i], env.from == outcomes[i].to, env.to == outcomes[i].from else {
          continue
        }
        done[i] = true
        remaining -= 1
        outcomes[i].reply = env.bytes
        outcomes[i].endedAt = router.now()
        outcomes[i].result =
          frame.kind == .reply ? .value(frame.args) : .error(frame.args.first?.stringValue ?? "error")
      }
      if interrupted {
        for i in outcomes.indices where !done[i] {
          outcomes[i].result = .interrupted
          outcomes[i].endedAt = router.now()
        }
        return outcomes
      }
      let t = monotonicNanos()
      guard t >= next else { continue }
      for i in outcomes.indices where !done[i] && deadlines[i] <= t {
        if outcomes[i].attemptExpired(options: options, at: now, record: record) {
          attempt(i, at: t, table: router.snapshot(), tracing: router.eventTracing.load(ordering: .relaxed))
        } else {
          done[i] = true
          remaining -= 1
        }
      }
      next = outcomes.indices.filter { !done[$0] }.map { deadlines[$0] }.min() ?? 0
    }
    return outcomes
  }

  /// Takes every reply that has reached the shell's inbox.
  private func takeReplies() -> [(Envelope, Frame)] {
    let inbox = router.clientInbox.withLock { box -> [Envelope] in
      defer { box.removeAll() }
      return box
    }
    return inbox.compactMap { env in
      guard let f = try? FrameCodec.decode(env.bytes), f.kind == .reply || f.kind == .error else { return nil }
      return (env, f)
    }
  }
}
