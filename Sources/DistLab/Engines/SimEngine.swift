/// The sim engine: virtual time fixed by the seed, each node's program on its own thread.
/// The events of one look-ahead window (the network's minimum delay: nothing sent inside it
/// can arrive inside it) are handed to their nodes' threads at once and handled in parallel;
/// what the nodes did is then merged in a fixed order, so the outcome never depends on
/// which thread finished first and equals the reference engine's, event for event.
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

  /// What waking a node thread and collecting its batch costs, in wall-clock nanoseconds (a
  /// futex wake and two context switches on a small Linux machine, measured): a batch goes to
  /// the threads only when its nodes' work outweighs this for each of them.
  static let handOffNanos: Int64 = 20_000

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

  /// Pops every event before `windowEnd`, lets the nodes handle theirs in parallel, then
  /// merges what they did in key order, which is the order the events were popped in
  /// unless a node fired its own timers inside the window.
  private func runBatch(windowEnd: Nanoseconds, localTimersBefore: Nanoseconds) -> Int {
    let b = batch
    var count = 0
    while let t = queue.minTime, t < windowEnd {
      guard let e = queue.popMin() else { break }
      count += 1
      switch e.kind {
      case .deliver(let env):
        let n = simNode(env.to)
        if !env.to.isClient && n == nil { continue }
        switch arrival(of: env, status: n?.record.info.status) {
        case .drop(let reason): b.items.append(.dropAtDelivery(time: e.time, seq: e.seq, env, reason: reason))
        case .hold: held[env.to, default: []].append(e)
        case .handle:
          if let n {
            enlist(n, SimDelivery(time: e.time, seq: e.seq, input: .message(env)))
          } else {
            b.items.append(.client(time: e.time, seq: e.seq, env))
          }
        }
      case .timer(let node, let incarnation, let token):
        guard let n = simNode(node), n.record.info.incarnation == incarnation else { continue }
        let status = n.record.info.status
        if status == .down { continue }
        if status == .paused {
          held[node, default: []].append(e)
        } else {
          enlist(n, SimDelivery(time: e.time, seq: e.seq, input: .timer(token: token)))
        }
      case .callTimeout(let callID, let attempt):
        b.items.append(.callTimeout(time: e.time, seq: e.seq, callID: callID, attempt: attempt))
      }
    }
    return count + execute(localTimersBefore: localTimersBefore)
  }

  func start(_ records: [NodeRecord]) {
    for r in records {
      guard let n = simNode(r.id), r.info.status == .up else { continue }
      enlist(n, SimDelivery(time: simNow, seq: 0, input: .start))
    }
    _ = execute(localTimersBefore: simNow)
  }

  /// Hands the enlisted deliveries to their nodes' threads, waits for them, and merges what
  /// they did; returns how many timers fired inside the window besides.
  private func execute(localTimersBefore: Nanoseconds) -> Int {
    let b = batch
    var extraSteps = 0
    if !b.order.isEmpty {
      let parallel = handsOff(b.order)
      for n in b.order {
        n.slot.windowEnd = localTimersBefore
        if parallel || !n.thread.runInline(n.slot, timed: b.order.count > 1) { b.handed.append(n) }
      }
      if !b.handed.isEmpty {
        b.latch.start(count: b.handed.count)
        for n in b.handed { n.thread.submit(.sim(n.slot)) }
        b.latch.wait()
        b.handed.removeAll(keepingCapacity: true)
      }
      for n in b.order {
        extraSteps += n.slot.steps.count - n.slot.deliveries.count
        n.slot.cursor = 0
      }
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
    for n in b.order {
      n.slot.deliveries.removeAll(keepingCapacity: true)
      n.position = -1
    }
    b.order.removeAll(keepingCapacity: true)
    b.items.removeAll(keepingCapacity: true)
    // Timers fired inside the window were handled too, though they never entered the queue.
    return extraSteps
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
