import Synchronization

/// A node's context in live mode: the clock is the wall clock and sends go straight out.
/// Lives on the node's thread.
final class LiveContext: NodeContext, @unchecked Sendable {
  // @unchecked Sendable: created by the engine, then handed to the node thread in an `attach`
  // job; from then on only that thread reads or writes its fields.
  let me: NodeID
  let router: LiveRouter
  /// The thread this context lives on (which owns the context, so the reference is unowned).
  unowned let thread: NodeThread
  let disk: NodeDisk
  var rng: SeededRandom
  var status: NodeStatus = .up
  var incarnation = 1
  var tracing = true
  var cancelled = CancelledTimers()
  /// The routing table as last seen, and the same reference uncounted: every thread shares
  /// the table, so counting a reference to it on every send would make the processors pass
  /// its cache line back and forth. `table` keeps it alive while `unretainedTable` is used.
  private var table: LiveTable
  private var unretainedTable: Unmanaged<LiveTable>
  private var seenVersion = -1

  init(thread: NodeThread, router: LiveRouter, rng: SeededRandom, tracing: Bool) {
    self.me = thread.id
    self.thread = thread
    self.disk = thread.disk
    self.router = router
    self.rng = rng
    self.tracing = tracing
    table = router.snapshot()
    unretainedTable = Unmanaged.passUnretained(table)
  }

  var now: Nanoseconds { router.now() }

  @inline(__always)
  private func refreshTable() {
    let v = router.version.load(ordering: .acquiring)
    if v != seenVersion {
      table = router.snapshot()
      unretainedTable = Unmanaged.passUnretained(table)
      seenVersion = v
    }
  }

  func send(to: NodeID, bytes: [UInt8]) {
    refreshTable()
    _ = unretainedTable._withUnsafeGuaranteedRef {
      router.route(from: me, to: to, bytes: bytes, table: $0, rng: &rng, tracing: tracing)
    }
  }

  func setTimer(after delay: Nanoseconds, token: UInt64) {
    if (now + delay).isPastHorizon {
      note(.note, .pastHorizon)
      return
    }
    router.delays.schedule(
      at: monotonicNanos() + max(0, delay.value),
      .timer(thread, token: token, incarnation: incarnation))
  }

  func cancelTimer(token: UInt64) { cancelled.cancel(token) }

  func randomUInt64() -> UInt64 { rng.next() }

  func note(_ kind: TraceEvent.Kind, _ detail: TraceDetail) {
    if tracing { router.record(TraceEvent(time: now, kind: kind, node: me, detail: detail)) }
  }

  func handle(_ env: Envelope, program: NodeProgram?) {
    // One reading of the clock, so the trace and the sender's report give the same time.
    let t = now
    if tracing {
      router.record(
        TraceEvent(
          time: t, kind: .deliver, node: me, peer: env.from, messageID: env.id, bytes: env.bytes,
          latency: t - env.sentAt))
    }
    if !env.isDuplicate && router.watching.load(ordering: .relaxed) {
      router.settle(env.id, .delivered(at: t, latency: t - env.sentAt))
    }
    router.offerReply(env)
    program?.receive(env, context: self)
  }

  func fire(_ token: UInt64, program: NodeProgram?) {
    if cancelled.consume(token) { return }
    if tracing { router.record(TraceEvent(time: now, kind: .timer, node: me)) }
    program?.timer(token: token, context: self)
  }

  func dropped(_ env: Envelope, reason: DropReason) {
    router.dropped(id: env.id, from: env.from, to: env.to, bytes: env.bytes, reason: reason, at: now)
  }
}
