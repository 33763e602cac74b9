/// A node's context in the reference engine: whatever the program does happens at once.
final class DirectContext: NodeContext {
  unowned let engine: QueueEngine
  let me: NodeID
  let incarnation: Int
  let disk: NodeDisk
  var now: Nanoseconds = .zero
  var rng: SeededRandom
  var cancelled = CancelledTimers()

  init(engine: QueueEngine, me: NodeID, incarnation: Int, rng: SeededRandom, disk: NodeDisk) {
    self.engine = engine
    self.me = me
    self.incarnation = incarnation
    self.rng = rng
    self.disk = disk
  }

  func send(to: NodeID, bytes: [UInt8]) { engine.emit(from: me, to: to, bytes: bytes, at: now) }

  func setTimer(after delay: Nanoseconds, token: UInt64) {
    let due = now + max(.zero, delay)
    if due.isPastHorizon { return note(.note, .pastHorizon) }
    engine.insertTimer(node: me, incarnation: incarnation, due: due, token: token)
  }

  func cancelTimer(token: UInt64) { cancelled.cancel(token) }

  func randomUInt64() -> UInt64 { rng.next() }

  func note(_ kind: TraceEvent.Kind, _ detail: TraceDetail) {
    engine.record(TraceEvent(time: now, kind: kind, node: me, detail: detail))
  }
}
