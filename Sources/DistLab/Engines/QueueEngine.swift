/// An entry in a virtual-time engine's event queue, ordered by (time, seq).
struct SimEvent: Sendable {
  var time: Nanoseconds
  var seq: UInt64
  var kind: Kind

  enum Kind: Sendable {
    case deliver(Envelope)
    case timer(node: NodeID, incarnation: Int, token: UInt64)
    /// The caller's wait for attempt `attempt` of a call ran out.
    case callTimeout(callID: UInt32, attempt: Int)
  }
}

/// A call the engine is waiting on.
struct PendingCall {
  var outcome: CallOutcome
  var options: CallOptions
  var attempt: Int
  var done: Bool
  /// The sequence number of the timeout event of the current attempt.
  var timeoutSeq: UInt64
}

/// What the virtual-time engines share: the event queue, the network's seeded draws, the
/// trace, and the shell's side of messages and calls. How the events are handled — in
/// parallel batches on node threads, or one at a time — is each subclass's `runEvents`.
class QueueEngine {
  // Stored properties are final: read directly, in place, on every event.
  let table: NodeTable
  let seed: UInt64
  final var network: NetworkConfig {
    didSet { plainLatency = network.plainLatency }
  }
  /// `network.plainLatency`, kept beside it: the common case's fate is one draw from it.
  final var plainLatency: LatencyModel?
  final var simTrace: TraceLog
  final var simNow: Nanoseconds = .zero
  final var queue = EventQueue()
  final var seq: UInt64 = 0
  final var netRNG: SeededRandom
  final var nextMessageID = 1
  final var calls: [UInt32: PendingCall] = [:]
  final var watched: [Int: MessageOutcome] = [:]
  final var arrivals: [Int] = []
  /// Events that reached a paused node, in arrival order, until it resumes.
  final var held: [NodeID: [SimEvent]] = [:]

  init(table: NodeTable, seed: UInt64, network: NetworkConfig, traceLimit: Int) {
    self.table = table
    self.seed = seed
    self.network = network
    plainLatency = network.plainLatency
    simTrace = TraceLog(limit: traceLimit)
    netRNG = SeededRandom(seed: seed, stream: 1)
  }

  /// Handles events until the first one after `deadline`, until `done` holds (checked
  /// whenever an instant is finished), or until `cancel` says so. `precise` asks for one
  /// instant at a time, so that `done` is noticed at the moment it becomes true.
  func runEvents(until deadline: Nanoseconds?, precise: Bool, done: () -> Bool, cancel: () -> Bool) -> (
    handled: Int, interrupted: Bool
  ) {
    // QueueEngine is internal and never made itself; its only subclasses, SimEngine and
    // ReferenceEngine, both override runEvents.
    fatalError("a virtual-time engine defines how it runs its events")  // safe: every subclass overrides
  }

  /// The random stream a node's program draws from in one incarnation.
  func programRNG(_ id: NodeID, incarnation: Int) -> SeededRandom {
    SeededRandom(seed: seed, stream: UInt64(id.number) << 16 | UInt64(incarnation & 0xffff) + 2)
  }

  var now: Nanoseconds { simNow }
  var trace: TraceLog { simTrace }
  final func record(_ e: consuming TraceEvent) { simTrace.record(e) }
  func clearStats() { simTrace.clearStats() }
  func resizeTrace(limit: Int) { simTrace.resize(limit: limit) }
  func networkChanged(_ network: NetworkConfig) { self.network = network }
  var pendingEvents: Int { queue.count }
  func setEventTracing(_ on: Bool) {}

  func nextSeq() -> UInt64 {
    seq &+= 1
    return seq
  }

  /// What waited for a node that went down is dropped; what waited for one that resumed is
  /// handled now, in arrival order.
  func heldEvents(_ node: NodeRecord, from old: NodeStatus) {
    let id = node.id
    switch node.info.status {
    case .down:
      for e in held.removeValue(forKey: id) ?? [] {
        if case .deliver(let env) = e.kind {
          record(
            TraceEvent(
              time: simNow, kind: .drop, node: id, peer: env.from, messageID: env.id, bytes: env.bytes,
              detail: .dropped(.nodeDown)))
          settleWatched(env.id, .dropped(reason: .nodeDown))
        }
      }
    case .up where old == .paused:
      for var e in held.removeValue(forKey: id) ?? [] {
        e.time = simNow
        e.seq = nextSeq()
        queue.insert(e)
      }
    default: break
    }
  }

  // MARK: The shell's side

  func send(pairs: [(NodeID, NodeID)], texts: [String], cancel: () -> Bool) -> SendOutcome {
    watched = [:]
    arrivals = []
    var ids: [Int] = []
    for (from, to) in pairs {
      for text in texts {
        let bytes = FrameCodec.encode(.message(text))
        let id = nextMessageID
        watched[id] = MessageOutcome(id: id, from: from, to: to, text: text, fate: .inFlight, duplicates: 0)
        emit(from: from, to: to, bytes: bytes, at: simNow)
        ids.append(id)
      }
    }
    let run = runEvents(
      until: nil, precise: true, done: { ids.allSatisfy { watched[$0]?.fate != .inFlight } }, cancel: cancel)
    let outcome = SendOutcome(
      messages: ids.compactMap { watched[$0] }, arrivalOrder: arrivals, interrupted: run.interrupted)
    watched = [:]
    arrivals = []
    return outcome
  }

  func call(_ started: [CallOutcome], options: CallOptions, cancel: () -> Bool) -> [CallOutcome] {
    let ids = started.map(\.callID)
    for outcome in started {
      let timeout = SimEvent(
        time: simNow + options.timeout, seq: nextSeq(), kind: .callTimeout(callID: outcome.callID, attempt: 1))
      calls[outcome.callID] = PendingCall(
        outcome: outcome, options: options, attempt: 1, done: false, timeoutSeq: timeout.seq)
      emit(from: outcome.from, to: outcome.to, bytes: outcome.request, at: simNow)
      queue.insert(timeout)
    }
    let run = runEvents(until: nil, precise: true, done: { ids.allSatisfy { calls[$0]?.done ?? true } }, cancel: cancel)
    var finals: [CallOutcome] = []
    for (i, id) in ids.enumerated() {
      let pending = calls.removeValue(forKey: id)
      // The caller stopped waiting: its pending timeout is no longer an event of the world.
      if let pending { queue.remove(seq: pending.timeoutSeq) }
      var final = pending?.outcome ?? started[i]
      if run.interrupted && !(pending?.done ?? false) {
        final.result = .interrupted
        final.endedAt = simNow
      }
      finals.append(final)
    }
    return finals
  }

  func post(from: NodeID, to: NodeID, bytes: [UInt8]) -> Int {
    emit(from: from, to: to, bytes: bytes, at: simNow)
  }

  func advance(by duration: Nanoseconds, cancel: () -> Bool) -> AdvanceOutcome {
    let start = simNow
    let deadline = simNow + duration
    let run = runEvents(until: deadline, precise: false, done: { false }, cancel: cancel)
    if !run.interrupted { simNow = deadline }
    return AdvanceOutcome(from: start, to: simNow, eventsHandled: run.handled, interrupted: run.interrupted)
  }

  // MARK: What every event comes to

  /// What becomes of a message reaching its receiver (nil for the shell, which is always
  /// up) or of a node's timer, by the same rules in every virtual-time engine.
  enum Arrival {
    case drop(DropReason)
    /// The node is paused: the event waits until it resumes.
    case hold
    case handle
  }

  func arrival(of env: Envelope, status: NodeStatus?) -> Arrival {
    if status == .down { return .drop(.nodeDown) }
    if let reason = network.blockage(from: env.from, to: env.to) { return .drop(reason) }
    return status == .paused ? .hold : .handle
  }

  /// A reply reached its caller: settle the call unless it already was.
  func replyArrived(_ env: Envelope, at time: Nanoseconds) {
    // Most deliveries are not awaited replies: tell from the header before decoding, and a
    // reply to a program's call (its id in the programs' range) before looking it up.
    guard let peeked = FramePeek.replyCallID(env.bytes), peeked < CallLabel.firstProgramID, calls[peeked] != nil
    else { return }
    guard let frame = try? FrameCodec.decode(env.bytes), frame.kind == .reply || frame.kind == .error,
      var call = calls[frame.callID], !call.done, call.outcome.from == env.to, call.outcome.to == env.from
    else { return }
    if !env.to.isClient, table[env.to]?.info.status != .up { return }
    call.done = true
    call.outcome.reply = env.bytes
    call.outcome.endedAt = time
    if frame.kind == .reply {
      call.outcome.result = .value(frame.args)
    } else {
      call.outcome.result = .error(frame.args.first?.stringValue ?? frame.args.first?.description ?? "error")
    }
    calls[frame.callID] = call
  }

  func callTimedOut(_ callID: UInt32, attempt: Int, at time: Nanoseconds) {
    guard var call = calls[callID], !call.done, call.attempt == attempt else { return }
    if call.attempt <= call.options.retries {
      call.attempt += 1
      call.outcome.attempts = call.attempt
      calls[callID] = call
      record(
        TraceEvent(
          time: time, kind: .note, node: call.outcome.from, detail: .retry(callID: callID, attempt: call.attempt - 1)))
      emit(from: call.outcome.from, to: call.outcome.to, bytes: call.outcome.request, at: time)
      let timeout = SimEvent(
        time: time + call.options.timeout, seq: nextSeq(), kind: .callTimeout(callID: callID, attempt: call.attempt))
      calls[callID]?.timeoutSeq = timeout.seq
      queue.insert(timeout)
    } else {
      call.done = true
      call.outcome.result = .timeout
      call.outcome.endedAt = time
      calls[callID] = call
      record(
        TraceEvent(
          time: time, kind: .note, node: call.outcome.from,
          detail: .gaveUp(callID: callID, attempts: call.attempt)))
    }
  }

  func dropAtDelivery(_ env: Envelope, at time: Nanoseconds, reason: DropReason) {
    record(
      TraceEvent(
        time: time, kind: .drop, node: env.to, peer: env.from, messageID: env.id, bytes: env.bytes,
        detail: .dropped(reason)))
    settleWatched(env.id, .dropped(reason: reason))
  }

  func recordDelivery(_ env: Envelope, at time: Nanoseconds) {
    let latency = time - env.sentAt
    simTrace.record(
      time: time, kind: .deliver, node: env.to, peer: env.from, messageID: env.id, bytes: env.bytes, latency: latency)
    if !env.isDuplicate { settleWatched(env.id, .delivered(at: time, latency: latency)) }
    if !calls.isEmpty { replyArrived(env, at: time) }
  }

  func settleWatched(_ id: Int, _ fate: MessageOutcome.Fate) {
    guard !watched.isEmpty, var m = watched[id], m.fate == .inFlight else { return }
    m.fate = fate
    watched[id] = m
    if case .delivered = fate { arrivals.append(id) }
  }

  func insertTimer(node: NodeID, incarnation: Int, due: Nanoseconds, token: UInt64) {
    queue.insert(time: due, seq: nextSeq(), kind: .timer(node: node, incarnation: incarnation, token: token))
  }

  /// Puts a message on the wire at `time`: traces it, asks the network its fate, queues the
  /// copies that will arrive. Returns the message id.
  @discardableResult
  func emit(from: NodeID, to: NodeID, bytes: [UInt8], at time: Nanoseconds) -> Int {
    let id = nextMessageID
    nextMessageID += 1
    simTrace.record(time: time, kind: .send, node: from, peer: to, messageID: id, bytes: bytes)
    if !to.isClient && table[to] == nil {
      record(
        TraceEvent(
          time: time, kind: .drop, node: to, peer: from, messageID: id, bytes: bytes, detail: .dropped(.noSuchNode)))
      return id
    }
    let fate: NetworkConfig.Decision
    if let latency = plainLatency {
      // The same draw `decide` makes when nothing else is set, without reading the whole config.
      fate = NetworkConfig.Decision(dropReason: nil, copies: 1, first: latency.draw(&netRNG), second: .zero)
    } else {
      fate = network.decide(from: from, to: to, rng: &netRNG)
    }
    if let reason = fate.dropReason {
      record(
        TraceEvent(time: time, kind: .drop, node: to, peer: from, messageID: id, bytes: bytes, detail: .dropped(reason))
      )
      settleWatched(id, .dropped(reason: reason))
      return id
    }
    let env = Envelope(id: id, from: from, to: to, bytes: bytes, sentAt: time, isDuplicate: false)
    queue.insert(time: time + fate.first, seq: nextSeq(), kind: .deliver(env))
    if fate.copies == 2 {
      var copy = env
      copy.isDuplicate = true
      record(TraceEvent(time: time, kind: .duplicate, node: from, peer: to, messageID: id, bytes: bytes))
      if var m = watched[id] {
        m.duplicates += 1
        watched[id] = m
      }
      queue.insert(time: time + fate.second, seq: nextSeq(), kind: .deliver(copy))
    }
    return id
  }
}
