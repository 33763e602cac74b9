/// The sim engine: virtual time fixed by the seed, each node's program on its own thread.
/// The events of one look-ahead window (the network's minimum delay: nothing sent inside it
/// can arrive inside it) are handed to their nodes' threads at once and handled in parallel;
/// what the nodes did is then merged in a fixed order, so the outcome never depends on
/// which thread finished first and equals the reference engine's, event for event. A window
/// whose work would not pay for waking the threads is handled here instead, one event at a
/// time in the reference engine's way, each program run while its thread is idle.
final class SimEngine: QueueEngine, Engine {
  /// The nodes by number (node numbers are small and dense): looked up for every event.
  private var nodes: [SimNode?] = []
  /// Per-node batch slots and scratch lists, reused from batch to batch.
  private let batch = SimBatchState()
  private let handOff: SimHandOff

  init(table: NodeTable, seed: UInt64, network: NetworkConfig, traceLimit: Int, handOff: SimHandOff) {
    self.handOff = handOff
    super.init(table: table, seed: seed, network: network, traceLimit: traceLimit)
  }

  /// Windows until the next one whose directly handled events are timed.
  private var untilTimedWindow = 0

  /// How much work, in nanoseconds, each node of a window must bring before handing the window
  /// to the node threads pays: a thread's wake-up alone is some 20 µs on a small virtual
  /// machine, the driving thread wakes them one after another and then waits for the last, and
  /// two cores run at most two at once. Measured on two cores: the sim and HDFS benches run as
  /// fast with 100 µs as with no hand-off at all (with 20 µs, 17 % and 5 % slower), while
  /// windows of real work (word count's map tasks) still go to the threads.
  static let handOffNanos: Int64 = 100_000

  func host(_ id: NodeID, name: String, role: Role) throws(WorldError) -> any NodeHost {
    try NodeThread.started(id, role: role)
  }

  func nodeAdded(_ node: NodeRecord) {
    guard let thread = node.host as? NodeThread else { return }
    let slot = SimSlot(node: node.id, latch: batch.latch)
    slot.context = makeContext(node)
    let k = node.id.number
    if k >= nodes.count { nodes += [SimNode?](repeating: nil, count: k + 1 - nodes.count) }
    nodes[k] = SimNode(record: node, thread: thread, slot: slot)
  }

  @inline(__always)
  private func simNode(_ id: NodeID) -> SimNode? {
    id.number > 0 && id.number < nodes.count ? nodes[id.number] : nil
  }

  private func makeContext(_ node: NodeRecord) -> SimContext {
    SimContext(
      me: node.id, incarnation: node.info.incarnation, rng: programRNG(node.id, incarnation: node.info.incarnation),
      disk: node.host.disk)
  }

  func statusChanged(_ node: NodeRecord, from old: NodeStatus) {
    if let n = simNode(node.id), n.slot.context?.incarnation != node.info.incarnation {
      n.slot.context = makeContext(node)
    }
    heldEvents(node, from: old)
  }

  func shutdown() {
    for case let n? in nodes { n.thread.stop() }
    nodes = []
  }

  /// An event popped for a batch, in pop order.
  enum BatchItem {
    /// The node's next step (its slot's steps are taken in order).
    case node(SimNode)
    case dropAtDelivery(time: Nanoseconds, seq: UInt64, Envelope, reason: DropReason)
    case client(time: Nanoseconds, seq: UInt64, Envelope)
    case callTimeout(time: Nanoseconds, seq: UInt64, callID: UInt32, attempt: Int)
  }

  /// A merge position: a node's step, or something the engine settles itself (tier 0, its
  /// event's seq, no chain); ties broken by node.
  struct MergeRef {
    var time: Nanoseconds
    var tier: UInt8
    var key1: UInt64
    var chain: [UInt64]
    var node: Int
    /// An index into the batch's items (a settled item), or -1 for a node's step.
    var item: Int
    /// For a node's step: the node's place in the batch's order, and the step's index.
    var position: Int
    var step: Int

    static func precedes(_ a: MergeRef, _ b: MergeRef) -> Bool {
      if a.time != b.time { return a.time < b.time }
      if a.tier != b.tier { return a.tier < b.tier }
      if a.key1 != b.key1 { return a.key1 < b.key1 }
      if a.chain != b.chain { return a.chain.lexicographicallyPrecedes(b.chain) }
      return a.node < b.node
    }
  }

  override func runEvents(until deadline: Nanoseconds?, precise: Bool, done: () -> Bool, cancel: () -> Bool) -> (
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
      // With no look-ahead a window is one instant, and timers set in it are queued.
      handled += runBatch(windowEnd: windowEnd, localTimersBefore: lookahead == .zero ? first : windowEnd)
    }
    return (handled, false)
  }

  /// Pops every event before `windowEnd` and handles it. Light work is handled at once, one
  /// event at a time, as the reference engine does; once the window's estimated work so far
  /// could pay for waking threads, the rest of the window is collected and `execute` hands it
  /// to the node threads in parallel (or handles it here after all).
  private func runBatch(windowEnd: Nanoseconds, localTimersBefore: Nanoseconds) -> Int {
    let b = batch
    var count = 0
    var direct: Int64 = handOff == .always ? .max : 0
    // One window in eight times what it handles directly, to keep the costs weighed current.
    untilTimedWindow -= 1
    let timed = untilTimedWindow <= 0
    if timed { untilTimedWindow = 8 }
    while let t = queue.minTime, t < windowEnd {
      guard let e = queue.popMin() else { break }
      count += 1
      switch classify(consume e) {
      case .nothing: continue
      case .node(let n, let d):
        if b.items.isEmpty && direct < Self.handOffNanos {
          direct += n.slot.costPerDelivery
          handleDirect(n, d.input, at: d.time, timed: timed)
        } else {
          enlist(n, d)
        }
      case .engine(let item):
        if b.items.isEmpty { settle(item) } else { b.items.append(item) }
      }
    }
    return b.items.isEmpty ? count : count + execute(localTimersBefore: localTimersBefore)
  }

  /// What a popped event comes to.
  enum Popped {
    /// Nothing more: its node is gone or down, or it waits for a paused node (held).
    case nothing
    case node(SimNode, SimDelivery)
    /// Something the engine settles itself.
    case engine(BatchItem)
  }

  private func classify(_ e: consuming SimEvent) -> Popped {
    // The event itself is not used past the switch (a held one is made again), so its
    // envelope is moved out of it rather than copied.
    let (time, seq) = (e.time, e.seq)
    switch e.kind {
    case .deliver(let env):
      let n = simNode(env.to)
      if !env.to.isClient && n == nil { return .nothing }
      switch arrival(of: env, status: n?.record.info.status) {
      case .drop(let reason): return .engine(.dropAtDelivery(time: time, seq: seq, env, reason: reason))
      case .hold:
        held[env.to, default: []].append(SimEvent(time: time, seq: seq, kind: .deliver(env)))
        return .nothing
      case .handle:
        guard let n else { return .engine(.client(time: time, seq: seq, env)) }
        return .node(n, SimDelivery(time: time, seq: seq, input: .message(env)))
      }
    case .timer(let node, let incarnation, let token):
      guard let n = simNode(node), n.record.info.incarnation == incarnation else { return .nothing }
      switch n.record.info.status {
      case .down: return .nothing
      case .paused:
        held[node, default: []].append(
          SimEvent(time: time, seq: seq, kind: .timer(node: node, incarnation: incarnation, token: token)))
        return .nothing
      case .up:
        // A timer its program cancelled (nearly always a call's timeout, the answer having
        // come) is settled here: it would be handled silently, advancing only the clock.
        // Node threads are idle while events are popped, so the context is this thread's.
        if let context = n.slot.unmanagedContext, context._withUnsafeGuaranteedRef({ $0.cancelled.consume(token) }) {
          simNow = max(simNow, time)
          return .nothing
        }
        return .node(n, SimDelivery(time: time, seq: seq, input: .timer(token: token)))
      }
    case .callTimeout(let callID, let attempt):
      return .engine(.callTimeout(time: time, seq: seq, callID: callID, attempt: attempt))
    }
  }

  func start(_ records: [NodeRecord]) {
    for r in records {
      guard let n = simNode(r.id), r.info.status == .up else { continue }
      enlist(n, SimDelivery(time: simNow, seq: 0, input: .start))
    }
    _ = execute(localTimersBefore: simNow)
  }

  /// Handles the window's enlisted events: on the node threads in parallel when that pays,
  /// else here. Returns how many events were handled besides the popped ones (timers set and
  /// fired inside the window).
  private func execute(localTimersBefore: Nanoseconds) -> Int {
    let b = batch
    guard !b.order.isEmpty, handsOff(b.order) else { return handleCollected() }
    for n in b.order { n.slot.windowEnd = localTimersBefore }
    b.latch.start(count: b.order.count)
    for n in b.order { n.thread.submit(.sim(n.slot)) }
    b.latch.wait()
    var extraSteps = 0
    for n in b.order {
      extraSteps += n.slot.steps.count - n.slot.deliveries.count
      n.slot.cursor = 0
    }
    if extraSteps == 0 {
      for item in b.items {
        if case .node(let n) = item {
          mergeStep(n, n.slot.cursor)
          n.slot.cursor += 1
        } else {
          settle(item)
        }
      }
    } else {
      mergeInKeyOrder(b)
    }
    endBatch(b)
    return extraSteps
  }

  private func endBatch(_ b: SimBatchState) {
    for n in b.order {
      n.slot.deliveries.removeAll(keepingCapacity: true)
      n.slot.cursor = 0
      n.position = -1
    }
    b.order.removeAll(keepingCapacity: true)
    b.items.removeAll(keepingCapacity: true)
  }

  /// Handles the window's events on this thread, one at a time in pop order, as the reference
  /// engine does: each program runs here while its node's thread is idle, and what it does is
  /// done at once. A timer set inside the window is queued and handled in its place among the
  /// popped events (it was set after all of them, so it follows those of its instant).
  private func handleCollected() -> Int {
    let b = batch
    var extra = 0
    for i in b.items.indices {
      switch b.items[i] {
      case .node(let n):
        let d = n.slot.deliveries[n.slot.cursor]
        n.slot.cursor += 1
        extra += handleQueued(before: d.time)
        handleDirect(n, d.input, at: d.time, timed: false)
      case .dropAtDelivery(let time, _, _, _), .client(let time, _, _), .callTimeout(let time, _, _, _):
        extra += handleQueued(before: time)
        settle(b.items[i])
      }
    }
    endBatch(b)
    return extra
  }

  /// Handles, here and now, the events queued during this window that fall before `time`.
  private func handleQueued(before time: Nanoseconds) -> Int {
    var count = 0
    while let t = queue.minTime, t < time, let e = queue.popMin() {
      count += 1
      switch classify(consume e) {
      case .nothing: continue
      case .node(let n, let d): handleDirect(n, d.input, at: d.time, timed: false)
      case .engine(let item): settle(item)
      }
    }
    return count
  }

  /// One event of a node's, handled on this thread: traced, then given to the program, whose
  /// sends, timers and notes the context carries out at once.
  private func handleDirect(_ n: SimNode, _ input: SimInput, at time: Nanoseconds, timed: Bool) {
    simNow = max(simNow, time)
    guard timed else { return handle(n, input, at: time) }
    let start = monotonicNanos()
    handle(n, input, at: time)
    n.slot.measured(monotonicNanos() - start)
  }

  private func handle(_ n: SimNode, _ input: SimInput, at time: Nanoseconds) {
    n.thread.runDirect { program in
      n.slot.unmanagedContext?._withUnsafeGuaranteedRef { context in
        context.now = time
        context.direct = Unmanaged.passUnretained(self)
        switch input {
        case .message(let env):
          recordDelivery(env, at: time)
          program?.receive(env, context: context)
        case .timer(let token):
          if context.cancelled.consume(token) { return }
          simTrace.record(time: time, kind: .timer, node: n.record.id)
          program?.timer(token: token, context: context)
        case .start:
          program?.start(context: context)
        }
      }
    }
  }

  /// Whether this batch's nodes run on their own threads, in parallel: always when asked; by
  /// cost, when two or more have work and the lighter ones' measured work (what parallel
  /// running could overlap with the heaviest's) outweighs waking their threads.
  private func handsOff(_ order: [SimNode]) -> Bool {
    if handOff == .always { return true }
    guard order.count > 1 else { return false }
    var total: Int64 = 0
    var heaviest: Int64 = 0
    for n in order {
      let cost = n.slot.costPerDelivery * Int64(n.slot.deliveries.count)
      total += cost
      heaviest = max(heaviest, cost)
    }
    return total - heaviest > Self.handOffNanos * Int64(order.count)
  }

  @inline(__always)
  private func enlist(_ n: SimNode, _ d: SimDelivery) {
    if n.position < 0 {
      n.position = batch.order.count
      batch.order.append(n)
    }
    n.slot.deliveries.append(d)
    batch.items.append(.node(n))
  }

  /// The general merge, for batches in which nodes fired their own timers: sorts every step
  /// and every settled item by its key.
  private func mergeInKeyOrder(_ b: SimBatchState) {
    b.refs.removeAll(keepingCapacity: true)
    for (i, item) in b.items.enumerated() {
      switch item {
      case .node: continue
      case .dropAtDelivery(let t, let q, let env, _), .client(let t, let q, let env):
        b.refs.append(
          MergeRef(time: t, tier: 0, key1: q, chain: [], node: env.to.number, item: i, position: -1, step: 0))
      case .callTimeout(let t, let q, _, _):
        b.refs.append(
          MergeRef(time: t, tier: 0, key1: q, chain: [], node: NodeID.client.number, item: i, position: -1, step: 0))
      }
    }
    for (p, n) in b.order.enumerated() {
      for (j, s) in n.slot.steps.enumerated() {
        b.refs.append(
          MergeRef(
            time: s.time, tier: s.tier, key1: s.key1, chain: s.chain, node: n.record.id.number, item: -1, position: p,
            step: j))
      }
    }
    b.refs.sort(by: MergeRef.precedes)
    for r in b.refs {
      if r.item >= 0 { settle(b.items[r.item]) } else { mergeStep(b.order[r.position], r.step) }
    }
    b.refs.removeAll(keepingCapacity: true)
  }

  /// Carries out one step a node took: traces what it handled and does what it asked.
  private func mergeStep(_ n: SimNode, _ index: Int) {
    let slot = n.slot
    let step = slot.steps[index]
    let node = slot.node
    simNow = max(simNow, step.time)
    if step.silent { return }
    switch step.input {
    case .message(let env):
      recordDelivery(env, at: step.time)
    case .timer:
      record(TraceEvent(time: step.time, kind: .timer, node: node))
    case .start: break
    }
    guard !step.effects.isEmpty else { return }
    let incarnation = n.record.info.incarnation
    for k in step.effects {
      switch slot.effects[k] {
      case .send(let to, let bytes): emit(from: node, to: to, bytes: bytes, at: step.time)
      case .timer(let due, let token): insertTimer(node: node, incarnation: incarnation, due: due, token: token)
      case .note(let kind, let detail):
        record(TraceEvent(time: step.time, kind: kind, node: node, detail: detail))
      }
    }
  }

  /// Settles something the engine handles itself.
  private func settle(_ item: BatchItem) {
    switch item {
    case .node: break
    case .dropAtDelivery(let time, _, let env, let reason): dropAtDelivery(env, at: time, reason: reason)
    case .client(let time, _, let env): recordDelivery(env, at: time)
    case .callTimeout(let time, _, let callID, let attempt): callTimedOut(callID, attempt: attempt, at: time)
    }
  }
}
