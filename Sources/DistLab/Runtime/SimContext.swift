/// Something a node's handler did that the scheduler must carry out after the batch.
enum Effect: Sendable {
  case send(to: NodeID, bytes: [UInt8])
  case timer(due: Nanoseconds, token: UInt64)
  case note(TraceEvent.Kind, String)
}

/// What reached a node in sim mode: a message or one of its timers.
enum SimInput: Sendable {
  case message(Envelope)
  case timer(token: UInt64)
}

/// One event a node handled during a batch, with what it did. The ordering key (time, tier,
/// key1, key2, then the node) makes the merge independent of which thread finished first.
struct SimStep: Sendable {
  var time: Nanoseconds
  /// 0 for events from the queue, 1 for timers a node set and fired inside the same window.
  var tier: UInt8
  var key1: UInt64
  var key2: UInt64
  var input: SimInput
  /// Where this step's effects lie in its batch's effect list.
  var effects: Range<Int>
}

/// An event handed to a node for one batch.
struct SimDelivery: Sendable {
  var time: Nanoseconds
  var seq: UInt64
  var input: SimInput
}

/// The context a node's program sees in sim mode. Lives on the node's thread during a batch.
/// @unchecked Sendable: after the world creates it, only the owning node thread touches it,
/// inside batch jobs that run one at a time; the world reads nothing back but the slot it fills.
final class SimContext: NodeContext, @unchecked Sendable {
  let me: NodeID
  var now: Nanoseconds = .zero
  var rng: SeededRandom
  /// The effects of the batch being handled, every step's in turn.
  private var effects: [Effect] = []
  private var steps: [SimStep] = []
  private var windowEnd: Nanoseconds = .zero
  private var creator: UInt64 = 0
  private var localCounter: UInt64 = 0
  private var localTimers = BinaryHeap<(due: Nanoseconds, key1: UInt64, key2: UInt64, token: UInt64)> {
    ($0.due, $0.key1, $0.key2) < ($1.due, $1.key1, $1.key2)
  }

  init(me: NodeID, rng: SeededRandom) {
    self.me = me
    self.rng = rng
  }

  func send(to: NodeID, bytes: [UInt8]) { effects.append(.send(to: to, bytes: bytes)) }

  func setTimer(after delay: Nanoseconds, token: UInt64) {
    let due = now + max(.zero, delay)
    if due < windowEnd {
      localCounter += 1
      localTimers.insert((due, creator, localCounter, token))
    } else {
      effects.append(.timer(due: due, token: token))
    }
  }

  func randomUInt64() -> UInt64 { rng.next() }

  func note(_ kind: TraceEvent.Kind, _ detail: String) { effects.append(.note(kind, detail)) }

  /// Handles the slot's deliveries (sorted by time, then sequence) and any timers they set
  /// that fall in the same window, in time order. Leaves one step per handled event, and
  /// their effects, in the slot.
  func runBatch(_ slot: SimSlot, program: NodeProgram?) {
    windowEnd = slot.windowEnd
    localCounter = 0
    swap(&steps, &slot.steps)
    swap(&effects, &slot.effects)
    steps.removeAll(keepingCapacity: true)
    effects.removeAll(keepingCapacity: true)
    steps.reserveCapacity(slot.deliveries.count)
    for d in slot.deliveries {
      if let t = localTimers.min, t.due < d.time { fireLocalTimers(before: d.time, program: program) }
      creator = d.seq
      handle(d.input, at: d.time, tier: 0, key1: d.seq, key2: 0, program: program)
    }
    fireLocalTimers(before: windowEnd, program: program)
    swap(&steps, &slot.steps)
    swap(&effects, &slot.effects)
  }

  private func fireLocalTimers(before limit: Nanoseconds, program: NodeProgram?) {
    while let t = localTimers.min, t.due < limit {
      _ = localTimers.popMin()
      creator = t.key1
      handle(.timer(token: t.token), at: t.due, tier: 1, key1: t.key1, key2: t.key2, program: program)
    }
  }

  @inline(__always)
  private func handle(
    _ input: SimInput, at time: Nanoseconds, tier: UInt8, key1: UInt64, key2: UInt64, program: NodeProgram?
  ) {
    now = time
    let first = effects.count
    if let program {
      switch input {
      case .message(let env): program.receive(env, context: self)
      case .timer(let token): program.timer(token: token, context: self)
      }
    }
    steps.append(SimStep(time: time, tier: tier, key1: key1, key2: key2, input: input, effects: first..<effects.count))
  }
}
