/// The reference engine: the sim engine's semantics in the plainest form, as an oracle. One
/// thread, no node threads, no batches: it pops the earliest event, hands it to the node's
/// program, and carries out what the program does at once. Every event keeps its place by
/// (time, sequence number), and a sequence number is given when an event is made, so
/// timers fire in the order they were set. Tests run the same workloads on this engine and
/// on the sim engine and require identical traces; the bench reports the rate of both.
final class ReferenceEngine: QueueEngine, Engine {
  private var nodes: [NodeID: (record: NodeRecord, host: InlineHost, context: DirectContext)] = [:]

  func host(_ id: NodeID, name: String, role: Role) throws(WorldError) -> any NodeHost {
    InlineHost(factory: role.make)
  }

  func nodeAdded(_ node: NodeRecord) {
    guard let host = node.host as? InlineHost else { return }
    nodes[node.id] = (node, host, makeContext(node))
  }

  private func makeContext(_ node: NodeRecord) -> DirectContext {
    DirectContext(
      engine: self, me: node.id, incarnation: node.info.incarnation,
      rng: programRNG(node.id, incarnation: node.info.incarnation), disk: node.host.disk)
  }

  func statusChanged(_ node: NodeRecord, from old: NodeStatus) {
    if let n = nodes[node.id], n.context.incarnation != node.info.incarnation {
      nodes[node.id]?.context = makeContext(node)
    }
    heldEvents(node, from: old)
  }

  func start(_ records: [NodeRecord]) {
    for r in records {
      guard let n = nodes[r.id], r.info.status == .up else { continue }
      n.context.now = simNow
      n.host.program?.start(context: n.context)
    }
  }

  func shutdown() {
    for n in nodes.values { n.host.stop() }
    nodes = [:]
  }

  override func runEvents(until deadline: Nanoseconds?, precise: Bool, done: () -> Bool, cancel: () -> Bool) -> (
    handled: Int, interrupted: Bool
  ) {
    var handled = 0
    // A round is what the sim engine hands out at once when `done` matters: the events of one
    // instant that were queued when the round began. `done` is looked at between rounds.
    var round: (time: Nanoseconds, lastSeq: UInt64)? = nil
    var rounds = 0
    while let first = queue.minTime {
      if let deadline, first > deadline { break }
      guard let e = queue.popMin() else { break }
      if round == nil || e.time != round!.time || e.seq > round!.lastSeq {  // safe: nil tested first
        if done() {
          queue.insert(e)
          break
        }
        rounds += 1
        if rounds & 63 == 0 && cancel() {
          queue.insert(e)
          return (handled, true)
        }
        round = (e.time, seq)
      }
      handled += 1
      simNow = max(simNow, e.time)
      handle(e)
    }
    return (handled, false)
  }

  private func handle(_ e: SimEvent) {
    switch e.kind {
    case .deliver(let env):
      let n = env.to.isClient ? nil : nodes[env.to]
      if !env.to.isClient && n == nil { return }
      switch arrival(of: env, status: n?.record.info.status) {
      case .drop(let reason): dropAtDelivery(env, at: e.time, reason: reason)
      case .hold: held[env.to, default: []].append(e)
      case .handle:
        recordDelivery(env, at: e.time)
        guard let n else { return }
        n.context.now = e.time
        n.host.program?.receive(env, context: n.context)
      }
    case .timer(let node, let incarnation, let token):
      guard let n = nodes[node], n.record.info.incarnation == incarnation else { return }
      let status = n.record.info.status
      if status == .down { return }
      if status == .paused {
        held[node, default: []].append(e)
        return
      }
      if n.context.cancelled.consume(token) { return }
      record(TraceEvent(time: e.time, kind: .timer, node: node))
      n.context.now = e.time
      n.host.program?.timer(token: token, context: n.context)
    case .callTimeout(let callID, let attempt):
      callTimedOut(callID, attempt: attempt, at: e.time)
    }
  }
}
