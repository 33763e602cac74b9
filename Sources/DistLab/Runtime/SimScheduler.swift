import Dispatch
import Synchronization

/// An entry in sim mode's event queue, ordered by (time, seq).
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

/// A call the world is waiting on.
struct PendingCall {
  var outcome: CallOutcome
  var options: CallOptions
  var attempt: Int
  var done: Bool
}

/// Counts node threads down to the end of a batch; the last one wakes the scheduler.
final class BatchLatch: Sendable {
  private let remaining: Atomic<Int>
  private let done = DispatchSemaphore(value: 0)
  init(count: Int) { remaining = Atomic(count) }
  func arrive() {
    if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { done.signal() }
  }
  func wait() { done.wait() }
}

extension World {
  /// Something the scheduler settles itself, in order with the nodes' steps.
  enum MergeItem {
    case step(SimStep)
    case dropAtDelivery(time: Nanoseconds, seq: UInt64, Envelope, reason: String)
    case client(time: Nanoseconds, seq: UInt64, Envelope)
    case callTimeout(time: Nanoseconds, seq: UInt64, callID: UInt32, attempt: Int)

    var key: SimStep {
      switch self {
      case .step(let s): return s
      case .dropAtDelivery(let t, let q, let env, _), .client(let t, let q, let env):
        return SimStep(time: t, tier: 0, key1: q, key2: 0, node: env.to, input: .timer(token: 0), effects: [])
      case .callTimeout(let t, let q, _, _):
        return SimStep(time: t, tier: 0, key1: q, key2: 0, node: .client, input: .timer(token: 0), effects: [])
      }
    }
  }

  /// Runs the simulation. Stops before the first event after `deadline`, as soon as `done`
  /// holds (checked between batches), or when `cancel` says so. `precise` handles one instant
  /// at a time so that `done` is noticed at the exact moment it becomes true.
  func runSim(until deadline: Nanoseconds?, precise: Bool, done: () -> Bool, cancel: () -> Bool) -> (handled: Int, interrupted: Bool) {
    var handled = 0
    var batches = 0
    while let first = queue.min {
      if done() { break }
      if let deadline, first.time > deadline { break }
      batches += 1
      if batches & 63 == 0 && cancel() { return (handled, true) }
      let lookahead = precise ? .zero : network.minimumDelay
      var windowEnd = first.time + (lookahead == .zero ? Nanoseconds(1) : lookahead)
      if let deadline { windowEnd = min(windowEnd, deadline + Nanoseconds(1)) }
      simNow = max(simNow, first.time)
      handled += runBatch(windowEnd: windowEnd)
    }
    return (handled, false)
  }

  /// Pops every event before `windowEnd`, lets the nodes handle theirs in parallel, then
  /// merges what they did in a fixed order.
  private func runBatch(windowEnd: Nanoseconds) -> Int {
    var items: [MergeItem] = []
    var perNode: [Int: [SimDelivery]] = [:]
    var order: [Int] = []
    var count = 0
    while let e = queue.min, e.time < windowEnd {
      _ = queue.popMin()
      count += 1
      switch e.kind {
      case .deliver(let env):
        if env.to.isClient {
          if let reason = network.blockage(from: env.from, to: env.to) {
            items.append(.dropAtDelivery(time: e.time, seq: e.seq, env, reason: reason))
          } else {
            items.append(.client(time: e.time, seq: e.seq, env))
          }
          continue
        }
        guard let info = info(env.to) else { continue }
        if info.status == .down {
          items.append(.dropAtDelivery(time: e.time, seq: e.seq, env, reason: "node down"))
        } else if let reason = network.blockage(from: env.from, to: env.to) {
          items.append(.dropAtDelivery(time: e.time, seq: e.seq, env, reason: reason))
        } else if info.status == .paused {
          held[env.to, default: []].append(e)
        } else {
          if perNode[env.to.index] == nil { order.append(env.to.index) }
          perNode[env.to.index, default: []].append(SimDelivery(time: e.time, seq: e.seq, input: .message(env)))
        }
      case .timer(let node, let incarnation, let token):
        guard let info = info(node), info.incarnation == incarnation, info.status != .down else { continue }
        if info.status == .paused {
          held[node, default: []].append(e)
        } else {
          if perNode[node.index] == nil { order.append(node.index) }
          perNode[node.index, default: []].append(SimDelivery(time: e.time, seq: e.seq, input: .timer(token: token)))
        }
      case .callTimeout(let callID, let attempt):
        items.append(.callTimeout(time: e.time, seq: e.seq, callID: callID, attempt: attempt))
      }
    }
    if !order.isEmpty {
      let latch = BatchLatch(count: order.count)
      let results = Locked<[Int: [SimStep]]>([:])
      for index in order {
        let deliveries = perNode[index] ?? []
        let context = nodes[index - 1].context
        nodes[index - 1].thread.submit(
          .run { program in
            let steps = context.runBatch(deliveries, windowEnd: windowEnd, program: program)
            results.withLock { $0[index] = steps }
            latch.arrive()
          })
      }
      latch.wait()
      let all = results.withLock { $0 }
      for index in order { for s in all[index] ?? [] { items.append(.step(s)) } }
    }
    if items.count > 1 { items.sort { SimStep.precedes($0.key, $1.key) } }
    for item in items { merge(item) }
    return count
  }

  private func merge(_ item: MergeItem) {
    switch item {
    case .step(let step):
      simNow = max(simNow, step.time)
      switch step.input {
      case .message(let env):
        recordDelivery(env, at: step.time)
      case .timer:
        record(TraceEvent(time: step.time, kind: .timer, node: step.node))
      }
      let incarnation = nodes[step.node.index - 1].info.incarnation
      for effect in step.effects {
        switch effect {
        case .send(let to, let bytes): emit(from: step.node, to: to, bytes: bytes, at: step.time)
        case .timer(let due, let token):
          queue.insert(SimEvent(time: due, seq: nextSeq(), kind: .timer(node: step.node, incarnation: incarnation, token: token)))
        case .note(let kind, let detail):
          record(TraceEvent(time: step.time, kind: kind, node: step.node, detail: detail))
        }
      }
    case .dropAtDelivery(let time, _, let env, let reason):
      record(TraceEvent(time: time, kind: .drop, node: env.to, peer: env.from, messageID: env.id, bytes: env.bytes, detail: reason))
      settleWatched(env.id, .dropped(reason: reason))
    case .client(let time, _, let env):
      recordDelivery(env, at: time)
    case .callTimeout(let time, _, let callID, let attempt):
      callTimedOut(callID, attempt: attempt, at: time)
    }
  }

  func recordDelivery(_ env: Envelope, at time: Nanoseconds) {
    let latency = time - env.sentAt
    record(TraceEvent(time: time, kind: .deliver, node: env.to, peer: env.from, messageID: env.id, bytes: env.bytes, latency: latency))
    if !env.isDuplicate { settleWatched(env.id, .delivered(at: time, latency: latency)) }
    if !calls.isEmpty { replyArrived(env, at: time) }
  }

  func settleWatched(_ id: Int, _ fate: MessageOutcome.Fate) {
    guard var m = watched[id], m.fate == .inFlight else { return }
    m.fate = fate
    watched[id] = m
    if case .delivered = fate { arrivals.append(id) }
  }

  /// Puts a message on the wire at `time`: traces it, asks the network its fate, queues the
  /// copies that will arrive. Returns the message id.
  @discardableResult
  func emit(from: NodeID, to: NodeID, bytes: [UInt8], at time: Nanoseconds) -> Int {
    let id = nextMessageID
    nextMessageID += 1
    record(TraceEvent(time: time, kind: .send, node: from, peer: to, messageID: id, bytes: bytes))
    if !to.isClient && info(to) == nil {
      record(TraceEvent(time: time, kind: .drop, node: to, peer: from, messageID: id, bytes: bytes, detail: "no such node"))
      return id
    }
    switch network.fate(from: from, to: to, rng: &netRNG) {
    case .dropped(let reason):
      record(TraceEvent(time: time, kind: .drop, node: to, peer: from, messageID: id, bytes: bytes, detail: reason))
      settleWatched(id, .dropped(reason: reason))
    case .delivered(let delays):
      for (copy, delay) in delays.enumerated() {
        let env = Envelope(id: id, from: from, to: to, bytes: bytes, sentAt: time, isDuplicate: copy > 0)
        if copy > 0 {
          record(TraceEvent(time: time, kind: .duplicate, node: from, peer: to, messageID: id, bytes: bytes))
          if var m = watched[id] {
            m.duplicates += 1
            watched[id] = m
          }
        }
        queue.insert(SimEvent(time: time + delay, seq: nextSeq(), kind: .deliver(env)))
      }
    }
    return id
  }
}
