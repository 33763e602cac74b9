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

extension World {
  /// An event popped for a batch, in pop order.
  enum BatchItem {
    /// The node's next step (its slot's steps are taken in order).
    case node(Int)
    case dropAtDelivery(time: Nanoseconds, seq: UInt64, Envelope, reason: String)
    case client(time: Nanoseconds, seq: UInt64, Envelope)
    case callTimeout(time: Nanoseconds, seq: UInt64, callID: UInt32, attempt: Int)
  }

  /// A merge position: the ordering key (time, tier, key1, key2, node) of a node's step or of
  /// something the scheduler settles itself, which has tier 0, its event's seq and no key2.
  struct MergeRef {
    var time: Nanoseconds
    var tier: UInt8
    var key1: UInt64
    var key2: UInt64
    var node: Int
    /// An index into the batch's items (a settled item), or -1 for a node's step.
    var item: Int
    var step: Int

    @inline(__always)
    static func precedes(_ a: MergeRef, _ b: MergeRef) -> Bool {
      if a.time != b.time { return a.time < b.time }
      if a.tier != b.tier { return a.tier < b.tier }
      if a.key1 != b.key1 { return a.key1 < b.key1 }
      if a.key2 != b.key2 { return a.key2 < b.key2 }
      return a.node < b.node
    }
  }

  /// Runs the simulation. Stops before the first event after `deadline`, as soon as `done`
  /// holds (checked between batches), or when `cancel` says so. `precise` handles one instant
  /// at a time so that `done` is noticed at the exact moment it becomes true.
  func runSim(until deadline: Nanoseconds?, precise: Bool, done: () -> Bool, cancel: () -> Bool) -> (
    handled: Int, interrupted: Bool
  ) {
    var handled = 0
    var batches = 0
    // Nothing a node does changes the network, so the look-ahead holds for the whole run.
    let lookahead = precise ? .zero : network.minimumDelay
    let step = lookahead == .zero ? Nanoseconds(1) : lookahead
    while let first = queue.minTime {
      if done() { break }
      if let deadline, first > deadline { break }
      batches += 1
      if batches & 63 == 0 && cancel() { return (handled, true) }
      var windowEnd = first + step
      if let deadline { windowEnd = min(windowEnd, deadline + Nanoseconds(1)) }
      simNow = max(simNow, first)
      handled += runBatch(windowEnd: windowEnd)
    }
    return (handled, false)
  }

  /// Pops every event before `windowEnd`, lets the nodes handle theirs in parallel, then
  /// merges what they did in a fixed order: by (time, tier, key1, key2, node), which is the
  /// order the events were popped in unless a node fired its own timers inside the window.
  private func runBatch(windowEnd: Nanoseconds) -> Int {
    let b = simBatch
    var count = 0
    while let t = queue.minTime, t < windowEnd {
      guard let e = queue.popMin() else { break }
      count += 1
      switch e.kind {
      case .deliver(let env):
        if env.to.isClient {
          if let reason = network.blockage(from: env.from, to: env.to) {
            b.items.append(.dropAtDelivery(time: e.time, seq: e.seq, env, reason: reason))
          } else {
            b.items.append(.client(time: e.time, seq: e.seq, env))
          }
          continue
        }
        let i = env.to.index - 1
        guard i >= 0 && i < nodes.count else { continue }
        let status = nodes[i].info.status
        if status == .down {
          b.items.append(.dropAtDelivery(time: e.time, seq: e.seq, env, reason: "node down"))
        } else if let reason = network.blockage(from: env.from, to: env.to) {
          b.items.append(.dropAtDelivery(time: e.time, seq: e.seq, env, reason: reason))
        } else if status == .paused {
          held[env.to, default: []].append(e)
        } else {
          let slot = b.slot(env.to)
          if slot.deliveries.isEmpty { b.order.append(env.to.index) }
          slot.deliveries.append(SimDelivery(time: e.time, seq: e.seq, input: .message(env)))
          b.items.append(.node(env.to.index))
        }
      case .timer(let node, let incarnation, let token):
        let i = node.index - 1
        guard i >= 0 && i < nodes.count, nodes[i].info.incarnation == incarnation else { continue }
        let status = nodes[i].info.status
        if status == .down { continue }
        if status == .paused {
          held[node, default: []].append(e)
        } else {
          let slot = b.slot(node)
          if slot.deliveries.isEmpty { b.order.append(node.index) }
          slot.deliveries.append(SimDelivery(time: e.time, seq: e.seq, input: .timer(token: token)))
          b.items.append(.node(node.index))
        }
      case .callTimeout(let callID, let attempt):
        b.items.append(.callTimeout(time: e.time, seq: e.seq, callID: callID, attempt: attempt))
      }
    }
    var extraSteps = 0
    if !b.order.isEmpty {
      b.latch.start(count: b.order.count)
      for index in b.order {
        let slot = b.slots[index - 1]
        slot.windowEnd = windowEnd
        slot.context = nodes[index - 1].context
        nodes[index - 1].thread.submit(.sim(slot))
      }
      b.latch.wait()
      for index in b.order {
        let slot = b.slots[index - 1]
        extraSteps += slot.steps.count - slot.deliveries.count
        slot.cursor = 0
      }
    }
    if extraSteps == 0 {
      for item in b.items {
        if case .node(let index) = item {
          let slot = b.slots[index - 1]
          mergeStep(slot, slot.cursor)
          slot.cursor += 1
        } else {
          settle(item)
        }
      }
    } else {
      mergeInKeyOrder(b)
    }
    for index in b.order { b.slots[index - 1].deliveries.removeAll(keepingCapacity: true) }
    b.order.removeAll(keepingCapacity: true)
    b.items.removeAll(keepingCapacity: true)
    return count
  }

  /// The general merge, for batches in which nodes fired their own timers: sorts every step
  /// and every settled item by its key.
  private func mergeInKeyOrder(_ b: SimBatchState) {
    b.refs.removeAll(keepingCapacity: true)
    for (i, item) in b.items.enumerated() {
      switch item {
      case .node: continue
      case .dropAtDelivery(let t, let q, let env, _), .client(let t, let q, let env):
        b.refs.append(MergeRef(time: t, tier: 0, key1: q, key2: 0, node: env.to.index, item: i, step: 0))
      case .callTimeout(let t, let q, _, _):
        b.refs.append(MergeRef(time: t, tier: 0, key1: q, key2: 0, node: NodeID.client.index, item: i, step: 0))
      }
    }
    for index in b.order {
      for (j, s) in b.slots[index - 1].steps.enumerated() {
        b.refs.append(MergeRef(time: s.time, tier: s.tier, key1: s.key1, key2: s.key2, node: index, item: -1, step: j))
      }
    }
    b.refs.sort(by: MergeRef.precedes)
    for r in b.refs {
      if r.item >= 0 { settle(b.items[r.item]) } else { mergeStep(b.slots[r.node - 1], r.step) }
    }
    b.refs.removeAll(keepingCapacity: true)
  }

  /// Carries out one step a node took: traces what it handled and does what it asked.
  private func mergeStep(_ slot: SimSlot, _ index: Int) {
    let step = slot.steps[index]
    let node = slot.node
    simNow = max(simNow, step.time)
    switch step.input {
    case .message(let env):
      recordDelivery(env, at: step.time)
    case .timer:
      record(TraceEvent(time: step.time, kind: .timer, node: node))
    }
    guard !step.effects.isEmpty else { return }
    let incarnation = nodes[node.index - 1].info.incarnation
    for k in step.effects {
      switch slot.effects[k] {
      case .send(let to, let bytes): emit(from: node, to: to, bytes: bytes, at: step.time)
      case .timer(let due, let token):
        queue.insert(
          SimEvent(time: due, seq: nextSeq(), kind: .timer(node: node, incarnation: incarnation, token: token)))
      case .note(let kind, let detail):
        record(TraceEvent(time: step.time, kind: kind, node: node, detail: detail))
      }
    }
  }

  /// Settles something the scheduler handles itself.
  private func settle(_ item: BatchItem) {
    switch item {
    case .node: break
    case .dropAtDelivery(let time, _, let env, let reason):
      record(
        TraceEvent(
          time: time, kind: .drop, node: env.to, peer: env.from, messageID: env.id, bytes: env.bytes, detail: reason))
      settleWatched(env.id, .dropped(reason: reason))
    case .client(let time, _, let env):
      recordDelivery(env, at: time)
    case .callTimeout(let time, _, let callID, let attempt):
      callTimedOut(callID, attempt: attempt, at: time)
    }
  }

  func recordDelivery(_ env: Envelope, at time: Nanoseconds) {
    let latency = time - env.sentAt
    record(
      TraceEvent(
        time: time, kind: .deliver, node: env.to, peer: env.from, messageID: env.id, bytes: env.bytes, latency: latency)
    )
    if !env.isDuplicate { settleWatched(env.id, .delivered(at: time, latency: latency)) }
    if !calls.isEmpty { replyArrived(env, at: time) }
  }

  func settleWatched(_ id: Int, _ fate: MessageOutcome.Fate) {
    guard !watched.isEmpty, var m = watched[id], m.fate == .inFlight else { return }
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
    if !to.isClient && (to.index < 1 || to.index > nodes.count) {
      record(
        TraceEvent(time: time, kind: .drop, node: to, peer: from, messageID: id, bytes: bytes, detail: "no such node"))
      return id
    }
    let fate = network.decide(from: from, to: to, rng: &netRNG)
    if let reason = fate.dropReason {
      record(TraceEvent(time: time, kind: .drop, node: to, peer: from, messageID: id, bytes: bytes, detail: reason))
      settleWatched(id, .dropped(reason: reason))
      return id
    }
    let env = Envelope(id: id, from: from, to: to, bytes: bytes, sentAt: time, isDuplicate: false)
    queue.insert(SimEvent(time: time + fate.first, seq: nextSeq(), kind: .deliver(env)))
    if fate.copies == 2 {
      var copy = env
      copy.isDuplicate = true
      record(TraceEvent(time: time, kind: .duplicate, node: from, peer: to, messageID: id, bytes: bytes))
      if var m = watched[id] {
        m.duplicates += 1
        watched[id] = m
      }
      queue.insert(SimEvent(time: time + fate.second, seq: nextSeq(), kind: .deliver(copy)))
    }
    return id
  }
}
