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
  var incarnation = 1 {
    // A new incarnation has none of the old one's timers (its wake-up is dropped on arrival).
    didSet {
      if incarnation != oldValue {
        pending = BinaryHeap { ($0.due, $0.token) < ($1.due, $1.token) }
        armed = nil
      }
    }
  }
  var tracing = true
  var keepsNotes: Bool { tracing }
  var cancelled = CancelledTimers()
  /// Program timers not yet due, earliest first. The delay line holds a wake-up for the
  /// earliest only, so a timer cancelled before it is due (a call's timeout, when the answer
  /// came) costs the delay line and this thread nothing.
  private var pending = BinaryHeap<(due: Int64, token: UInt64)> { ($0.due, $0.token) < ($1.due, $1.token) }
  /// When the wake-up in the delay line is due, if there is one.
  private var armed: Int64?
  /// The token of a wake-up: never a program's (those count up from 1).
  static let wakeToken = UInt64.max
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
    // One reading of the clock: every call a program makes sets a timer.
    let t = monotonicNanos()
    if (Nanoseconds(t - router.start) + delay).isPastHorizon {
      note(.note, .pastHorizon)
      return
    }
    pending.insert((t + max(0, delay.value), token))
    arm()
  }

  /// Asks the delay line for a wake-up at the earliest pending timer, unless one is due by then.
  private func arm() {
    guard let first = pending.min?.due else { return }
    if let armed, armed <= first { return }
    armed = first
    router.delays.schedule(at: first, .timer(thread, token: Self.wakeToken, incarnation: incarnation))
  }

  func cancelTimer(token: UInt64) { cancelled.cancel(token) }

  func randomUInt64() -> UInt64 { rng.next() }

  func note(_ kind: TraceEvent.Kind, _ detail: TraceDetail) {
    if tracing { router.record(TraceEvent(time: now, kind: kind, node: me, detail: detail)) }
  }

  func handle(_ env: Envelope, program: NodeProgram?) {
    let watching = !env.isDuplicate && router.watching.load(ordering: .relaxed)
    if tracing || watching {
      // One reading of the clock, so the trace and the sender's report give the same time.
      let t = now
      if tracing {
        router.record(
          TraceEvent(
            time: t, kind: .deliver, node: me, peer: env.from, messageID: env.id, bytes: env.bytes,
            latency: env.latency(at: t)))
      }
      if watching { router.settle(env.id, .delivered(at: t, latency: env.latency(at: t) ?? .zero)) }
    }
    router.offerReply(env)
    program?.receive(env, context: self)
  }

  func fire(_ token: UInt64, program: NodeProgram?) {
    guard token == Self.wakeToken else { return fireTimer(token, program: program) }
    // A wake-up: every timer due by now fires, in order; then the next wake-up is asked for.
    let now = monotonicNanos()
    while let top = pending.min, top.due <= now {
      _ = pending.popMin()
      fireTimer(top.token, program: program)
    }
    armed = nil
    arm()
  }

  private func fireTimer(_ token: UInt64, program: NodeProgram?) {
    if cancelled.consume(token) { return }
    if tracing { router.record(TraceEvent(time: now, kind: .timer, node: me)) }
    program?.timer(token: token, context: self)
  }

  func dropped(_ env: Envelope, reason: DropReason) {
    router.dropped(id: env.id, from: env.from, to: env.to, bytes: env.bytes, reason: reason, at: now)
  }
}
