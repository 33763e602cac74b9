/// Something a node's handler did that the scheduler must carry out after the batch.
enum Effect: Sendable {
  case send(to: NodeID, bytes: [UInt8])
  case timer(due: Nanoseconds, token: UInt64)
  case note(TraceEvent.Kind, TraceDetail)
}

/// What reached a node in sim mode: a message or one of its timers.
enum SimInput: Sendable {
  case message(Envelope)
  case timer(token: UInt64)
  /// The program starts (spawn or restart); not traced itself, only what it does.
  case start
}

/// One event a node handled during a batch, with what it did. The ordering key makes the
/// merge independent of which thread finished first, and equal to the order in which a
/// one-event-at-a-time engine (the reference engine) handles the same events: queue events
/// (tier 0) by their sequence number; a timer the node set and fired inside the window
/// (tier 1) after them, by `chain` — the key of the step that set it and the timer's place
/// among that step's timers — which is the order those timers were created in.
struct SimStep: Sendable {
  var time: Nanoseconds
  var tier: UInt8
  /// The queue sequence number of a tier-0 step.
  var key1: UInt64
  /// A tier-1 step's creation key; empty for tier 0.
  var chain: [UInt64]
  var input: SimInput
  /// Where this step's effects lie in its batch's effect list.
  var effects: Range<Int>
  /// A timer cancelled before it fell due: handled by no one, traced nowhere.
  var silent: Bool

  /// The step's whole key as one list: `[time, 0, seq]` or `[time, 1] + chain`. No key is a
  /// prefix of another, so comparing these lists in order compares the steps.
  var flatKey: [UInt64] {
    tier == 0 ? [UInt64(bitPattern: time.value), 0, key1] : [UInt64(bitPattern: time.value), 1] + chain
  }
}

/// An event handed to a node for one batch.
struct SimDelivery: Sendable {
  var time: Nanoseconds
  var seq: UInt64
  var input: SimInput
}

/// Timers a program cancelled, shared by every context kind: a cancelled token is skipped
/// when its timer falls due.
struct CancelledTimers {
  private var tokens: Set<UInt64> = []
  mutating func cancel(_ token: UInt64) { tokens.insert(token) }
  /// Whether a timer with `token` was cancelled (and forgets it: a token fires once).
  mutating func consume(_ token: UInt64) -> Bool { !tokens.isEmpty && tokens.remove(token) != nil }
}

/// The context a node's program sees in sim mode. In a batch on the node's thread it collects
/// what the program does as effects for the engine to merge; when the engine handles the
/// node's event itself (work not worth handing to threads, see `SimEngine.handleDirect`) it
/// does it at once, as the reference engine's context does.
/// @unchecked Sendable: one thread at a time touches it — the owning node thread inside batch
/// jobs, which run one at a time, or the world's driving thread while that node's thread is
/// idle with an empty mailbox (`NodeThread.runDirect`); the engine reads nothing back but the
/// slot it fills.
final class SimContext: NodeContext, @unchecked Sendable {
  let me: NodeID
  let incarnation: Int
  let disk: NodeDisk
  var now: Nanoseconds = .zero
  var rng: SeededRandom
  var cancelled = CancelledTimers()
  /// The engine, when it handles this node's events itself: what the program does is done at
  /// once. Nil inside a batch. Unretained: the engine sets it as it hands this node an event and
  /// it is used only inside that event, while the engine runs; so the sends, timers and notes
  /// of a program, made through it, take no reference count.
  var direct: Unmanaged<QueueEngine>?
  /// The effects of the batch being handled, every step's in turn.
  private var effects: [Effect] = []
  private var steps: [SimStep] = []
  private var windowEnd: Nanoseconds = .zero
  /// The step being handled, for keying the timers it sets inside the window.
  private var current: (tier: UInt8, key1: UInt64, chain: [UInt64]) = (0, 0, [])
  private var timersThisStep: UInt64 = 0
  private var localTimers = BinaryHeap<(due: Nanoseconds, chain: [UInt64], token: UInt64)> {
    $0.due != $1.due ? $0.due < $1.due : $0.chain.lexicographicallyPrecedes($1.chain)
  }

  init(me: NodeID, incarnation: Int, rng: SeededRandom, disk: NodeDisk) {
    self.me = me
    self.incarnation = incarnation
    self.rng = rng
    self.disk = disk
  }

  func send(to: NodeID, bytes: [UInt8]) {
    if let direct {
      _ = direct._withUnsafeGuaranteedRef { $0.emit(from: me, to: to, bytes: bytes, at: now) }
      return
    }
    effects.append(.send(to: to, bytes: bytes))
  }

  func setTimer(after delay: Nanoseconds, token: UInt64) {
    let due = now + max(.zero, delay)
    if due.isPastHorizon { return note(.note, .pastHorizon) }
    if let direct {
      return direct._withUnsafeGuaranteedRef {
        $0.insertTimer(node: me, incarnation: incarnation, due: due, token: token)
      }
    }
    if due < windowEnd {
      timersThisStep += 1
      let creator = SimStep(
        time: now, tier: current.tier, key1: current.key1, chain: current.chain, input: .timer(token: 0),
        effects: 0..<0,
        silent: false)
      localTimers.insert((due, creator.flatKey + [timersThisStep], token))
    } else {
      effects.append(.timer(due: due, token: token))
    }
  }

  func cancelTimer(token: UInt64) { cancelled.cancel(token) }

  func randomUInt64() -> UInt64 { rng.next() }

  func note(_ kind: TraceEvent.Kind, _ detail: TraceDetail) {
    if let direct {
      return direct._withUnsafeGuaranteedRef { $0.simTrace.record(time: now, kind: kind, node: me, detail: detail) }
    }
    effects.append(.note(kind, detail))
  }

  /// Handles the slot's deliveries (sorted by time, then sequence) and any timers they set
  /// that fall in the same window, in key order. Leaves one step per handled event, and
  /// their effects, in the slot. A window of one instant (no look-ahead) fires no timer
  /// locally: a timer set for the same instant is queued, as the reference engine queues it.
  func runBatch(_ slot: SimSlot, program: NodeProgram?) {
    direct = nil
    windowEnd = slot.windowEnd
    swap(&steps, &slot.steps)
    swap(&effects, &slot.effects)
    steps.removeAll(keepingCapacity: true)
    effects.removeAll(keepingCapacity: true)
    steps.reserveCapacity(slot.deliveries.count)
    for d in slot.deliveries {
      if let t = localTimers.min, t.due < d.time { fireLocalTimers(before: d.time, program: program) }
      handle(d.input, at: d.time, tier: 0, key1: d.seq, chain: [], program: program)
    }
    fireLocalTimers(before: windowEnd, program: program)
    swap(&steps, &slot.steps)
    swap(&effects, &slot.effects)
  }

  private func fireLocalTimers(before limit: Nanoseconds, program: NodeProgram?) {
    while let t = localTimers.min, t.due < limit {
      _ = localTimers.popMin()
      handle(.timer(token: t.token), at: t.due, tier: 1, key1: 0, chain: t.chain, program: program)
    }
  }

  @inline(__always)
  private func handle(
    _ input: SimInput, at time: Nanoseconds, tier: UInt8, key1: UInt64, chain: [UInt64], program: NodeProgram?
  ) {
    now = time
    current = (tier, key1, chain)
    timersThisStep = 0
    let first = effects.count
    var silent = false
    if let program {
      switch input {
      case .message(let env): program.receive(env, context: self)
      case .start: program.start(context: self)
      case .timer(let token):
        if cancelled.consume(token) {
          silent = true
        } else {
          program.timer(token: token, context: self)
        }
      }
    }
    steps.append(
      SimStep(
        time: time, tier: tier, key1: key1, chain: chain, input: input, effects: first..<effects.count, silent: silent))
  }
}
