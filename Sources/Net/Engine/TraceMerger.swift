import DistLab

/// One trace out of many clocks: each node process reports its events on its own clock; the
/// shell turns each time into its own by the node's estimated offset (Cristian's method: the
/// node's clock read between two of the shell's, so the offset is known to within half the
/// round trip) and keeps the Lamport clock each event carries, which orders cause before
/// effect however the clocks disagree. It also pairs deliveries with their sends (by the
/// sender's message count), which gives latencies and the fate of the shell's `send`s.
final class TraceMerger: Sendable {
  /// A node's clock against the shell's: shell time = node time − offset, give or take `error`.
  struct Offset: Sendable {
    var offset: Nanoseconds
    var error: Nanoseconds
  }

  /// A message by its sender and the sender's count.
  struct MessageKey: Hashable, Sendable {
    var sender: NodeID
    var seq: UInt64
  }

  /// What became of a message, as far as the trace has told.
  struct Fate: Sendable {
    var sentAt: Nanoseconds?
    var deliveredAt: Nanoseconds?
    var latency: Nanoseconds?
    var dropped: DropReason?
    var copies = 0
  }

  struct State {
    var log: TraceLog
    var offsets: [NodeID: Offset] = [:]
    var ids: [MessageKey: Int] = [:]
    var nextID = 1
    var fates: [MessageKey: Fate] = [:]
    var tracing = true
  }

  let state: Locked<State>
  /// How many message pairings are kept (the oldest are forgotten past it).
  static let pairingLimit = 200_000

  init(traceLimit: Int) { state = Locked(State(log: TraceLog(limit: traceLimit))) }

  func setOffset(_ o: Offset, for node: NodeID) { state.withLock { $0.offsets[node] = o } }

  func record(_ e: TraceEvent) { state.withLock { $0.log.record(e) } }

  /// The message id the trace shows for a message, given on first sight (send or delivery).
  private static func id(_ key: MessageKey, _ s: inout State) -> Int {
    if let id = s.ids[key] { return id }
    if s.ids.count >= pairingLimit {
      s.ids.removeAll(keepingCapacity: true)
      s.fates.removeAll(keepingCapacity: true)
    }
    defer { s.nextID += 1 }
    s.ids[key] = s.nextID
    return s.nextID
  }

  /// Events node `node` reported, on its clock, merged in on the shell's.
  func merge(_ events: [NodeEvent], from node: NodeID) {
    state.withLock { s in
      let off = s.offsets[node] ?? Offset(offset: .zero, error: .zero)
      for e in events {
        let time = max(.zero, e.time - off.offset)
        var t = TraceEvent(time: time, kind: e.kind, node: node, peer: e.peer, bytes: e.bytes, detail: e.detail)
        t.clock = e.clock
        t.timeError = off.error
        switch e.kind {
        case .send, .duplicate:
          if let seq = e.seq {
            let key = MessageKey(sender: node, seq: seq)
            t.messageID = Self.id(key, &s)
            if e.kind == .send { s.fates[key, default: Fate()].sentAt = time }
            s.fates[key, default: Fate()].copies += e.kind == .duplicate ? 1 : 0
          }
        case .deliver:
          if let seq = e.seq, let sender = e.peer {
            let key = MessageKey(sender: sender, seq: seq)
            t.messageID = Self.id(key, &s)
            var fate = s.fates[key, default: Fate()]
            if let sent = fate.sentAt { t.latency = max(.zero, time - sent) }
            if fate.deliveredAt == nil {
              fate.deliveredAt = time
              fate.latency = t.latency
            }
            s.fates[key] = fate
          }
        case .drop:
          // The world's trace names the node a dropped message was meant for: the sender
          // records what its side of the network dropped, the receiver what reached it down.
          let reason: DropReason
          if case .dropped(let r) = e.detail { reason = r } else { reason = .noSuchNode }
          if !e.atReceiver, let to = e.peer {
            t.node = to
            t.peer = node
            if let seq = e.seq {
              let key = MessageKey(sender: node, seq: seq)
              t.messageID = Self.id(key, &s)
              s.fates[key, default: Fate()].dropped = reason
            }
          } else if let seq = e.seq, let sender = e.peer {
            let key = MessageKey(sender: sender, seq: seq)
            t.messageID = Self.id(key, &s)
            s.fates[key, default: Fate()].dropped = reason
          }
        default: break
        }
        s.log.record(t)
      }
    }
  }

  /// The shell's own send (as the client), traced where the shell sees it.
  func shellSent(_ key: MessageKey, to: NodeID, at time: Nanoseconds, clock: UInt64, bytes: [UInt8]) {
    state.withLock { s in
      var t = TraceEvent(time: time, kind: .send, node: .client, peer: to, bytes: s.tracing ? bytes : nil)
      t.clock = clock
      t.messageID = Self.id(key, &s)
      s.fates[key, default: Fate()].sentAt = time
      s.log.record(t)
    }
  }

  /// Something reached the shell from `from` (stamped with the node's count when it was sent).
  func shellReceived(from: NodeID, seq: UInt64?, at time: Nanoseconds, clock: UInt64, bytes: [UInt8]) {
    state.withLock { s in
      var t = TraceEvent(time: time, kind: .deliver, node: .client, peer: from, bytes: s.tracing ? bytes : nil)
      t.clock = clock
      if let seq {
        let key = MessageKey(sender: from, seq: seq)
        t.messageID = Self.id(key, &s)
        if let sent = s.fates[key]?.sentAt { t.latency = max(.zero, time - sent) }
      }
      s.log.record(t)
    }
  }

  /// A message the shell could not send: no connection to the node.
  func shellDropped(
    _ key: MessageKey, to: NodeID, at time: Nanoseconds, clock: UInt64, reason: DropReason, bytes: [UInt8]
  ) {
    state.withLock { s in
      var t = TraceEvent(time: time, kind: .drop, node: to, peer: .client, bytes: bytes, detail: .dropped(reason))
      t.clock = clock
      t.messageID = Self.id(key, &s)
      s.fates[key, default: Fate()].dropped = reason
      s.log.record(t)
    }
  }

  func fate(_ key: MessageKey) -> Fate? { state.withLock { $0.fates[key] } }

  func messageID(_ key: MessageKey) -> Int { state.withLock { Self.id(key, &$0) } }
}
