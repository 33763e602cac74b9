import Dispatch

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The world's live mode: nodes run freely on their threads and time is the wall clock.
final class LiveEngine {
  let router: LiveRouter
  private unowned let world: World
  private var contexts: [LiveContext] = []
  private var threads: [NodeThread] = []
  private var statuses: [NodeStatus] = []
  private var clientRNG: SeededRandom

  init(world: World) {
    self.world = world
    router = LiveRouter(network: world.network, traceLimit: world.config.traceLimit)
    clientRNG = SeededRandom(seed: world.config.seed, stream: 1)
  }

  func elapsed() -> Nanoseconds { router.now() }

  func shutdown() { router.delays.stop() }

  private func publish() {
    let t = threads
    let s = statuses
    router.update { old in LiveTable(threads: t, statuses: s, network: old.network) }
  }

  func nodeAdded(_ record: World.NodeRecord) {
    let context = LiveContext(
      me: record.info.id, router: router,
      rng: SeededRandom(seed: world.config.seed, stream: UInt64(record.info.id.index) << 16 | 2), tracing: true)
    contexts.append(context)
    threads.append(record.thread)
    statuses.append(record.info.status)
    record.thread.submit(.attach(context))
    publish()
  }

  func statusChanged(_ id: NodeID, _ status: NodeStatus) {
    let i = id.index - 1
    guard i >= 0, i < threads.count else { return }
    statuses[i] = status
    publish()
    threads[i].submit(.status(status, incarnation: world.info(id)?.incarnation ?? 1))
  }

  func networkChanged(_ network: NetworkConfig) {
    router.update { old in LiveTable(threads: old.threads, statuses: old.statuses, network: network) }
  }

  /// Turns tracing of individual events off (counters stay) or on, for measuring throughput.
  func setTracing(_ on: Bool) {
    for (i, c) in contexts.enumerated() {
      threads[i].submit(.run { _ in c.tracing = on })
    }
  }

  /// How long the shell keeps looking for what it waits for (yielding the processor between
  /// looks) before it sleeps on its semaphore: a node usually answers within microseconds,
  /// sooner than the system call that would wake a sleeping shell.
  static let clientSpinNanos: Int64 = 100_000

  /// Waits until `stop` holds or the deadline passes, in slices so that Ctrl-C is noticed
  /// quickly; returns true when `cancel` ended the wait.
  private func waitSlices(until deadline: Int64, cancel: () -> Bool, stop: () -> Bool) -> Bool {
    let look = min(deadline, monotonicNanos() + Self.clientSpinNanos)
    while monotonicNanos() < look {
      if cancel() { return true }
      if stop() { return false }
      sched_yield()
    }
    while monotonicNanos() < deadline {
      if cancel() { return true }
      if stop() { return false }
      let slice = min(deadline - monotonicNanos(), 5_000_000)
      if slice > 0 { _ = router.clientWake.wait(timeout: .now() + .nanoseconds(Int(slice))) }
    }
    return false
  }

  func advance(by d: Nanoseconds, cancel: () -> Bool) -> AdvanceOutcome {
    let start = router.now()
    let interrupted = waitSlices(until: monotonicNanos() + d.value, cancel: cancel, stop: { false })
    return AdvanceOutcome(from: start, to: router.now(), eventsHandled: 0, interrupted: interrupted)
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
        let id = router.messageIDs.next.load(ordering: .relaxed)
        router.watch.withLock { $0[id] = .inFlight }
        let used = router.route(from: from, to: to, bytes: bytes, table: table, rng: &clientRNG, tracing: true)
        if used != id {
          router.watch.withLock {
            $0[used] = $0.removeValue(forKey: id) ?? .inFlight
          }
        }
        ids.append(used)
        outcomes[used] = MessageOutcome(id: used, from: from, to: to, text: text, fate: .inFlight, duplicates: 0)
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

  func call(_ start: CallOutcome, options: CallOptions, cancel: () -> Bool) -> CallOutcome {
    var outcome = start
    router.clientInbox.withLock { $0.removeAll() }
    if !outcome.from.isClient { router.watchedCall.store(outcome.callID, ordering: .relaxed) }
    defer { router.watchedCall.store(0, ordering: .relaxed) }
    for attempt in 1...(options.retries + 1) {
      outcome.attempts = attempt
      let table = router.snapshot()
      _ = router.route(
        from: outcome.from, to: outcome.to, bytes: outcome.request, table: table, rng: &clientRNG, tracing: true)
      let deadline = monotonicNanos() + options.timeout.value
      var reply: (Envelope, Frame)?
      let interrupted = waitSlices(until: deadline, cancel: cancel) {
        reply = self.takeReply(outcome.callID)
        return reply != nil
      }
      if reply == nil { reply = takeReply(outcome.callID) }
      if let (env, frame) = reply {
        outcome.reply = env.bytes
        outcome.endedAt = router.now()
        outcome.result = frame.kind == .reply ? .value(frame.args) : .error(frame.args.first?.stringValue ?? "error")
        return outcome
      }
      if interrupted {
        outcome.result = .interrupted
        outcome.endedAt = router.now()
        return outcome
      }
    }
    outcome.result = .timeout
    outcome.endedAt = router.now()
    return outcome
  }

  /// Takes the reply to `callID` from the shell's inbox, if it has come.
  private func takeReply(_ callID: UInt32) -> (Envelope, Frame)? {
    router.clientInbox.withLock { inbox -> (Envelope, Frame)? in
      for (i, env) in inbox.enumerated() {
        if let f = try? FrameCodec.decode(env.bytes), f.callID == callID, f.kind == .reply || f.kind == .error {
          inbox.remove(at: i)
          return (env, f)
        }
      }
      return nil
    }
  }
}
