import Dispatch
import DistLab
import NIOCore

/// What a node program sees when it runs as an OS process of its own: its address, a wall
/// clock from the process's start, its disk, sends that leave over the TCP connection of the
/// peer they are for (through the shell's network model, `LinkRules`), and timers on the
/// node's one event loop. It also keeps the node's Lamport clock and, while the shell watches
/// (`ctl.trace`), streams every event to it.
///
/// `@unchecked Sendable`: every member is read and written only on the server's single event
/// loop thread — channel callbacks and scheduled timers both run there — so no two threads
/// ever touch it at once; it crosses into NIO's `@Sendable` closures only to be used there.
final class ProcessContext: NodeContext, @unchecked Sendable {
  /// Its address among the nodes, told by the shell (`ctl.peers`); 0 until then.
  var me: NodeID
  var incarnation: Int
  let disk: NodeDisk
  let loop: EventLoop
  let started = DispatchTime.now().uptimeNanoseconds
  /// The connection each peer's messages leave on.
  var peers: [NodeID: Channel] = [:]
  /// What the shell's network model asks of this node's outgoing messages (`ctl.faults`).
  var rules = LinkRules()
  /// A send to a node with no connection yet: the server opens one (set by the server).
  var route: (NodeID, [UInt8]) -> Bool = { _, _ in false }
  var timers: [UInt64: Scheduled<Void>] = [:]
  /// Connections written to and not yet flushed: flushed together when the loop has handled
  /// what it read, so a burst of sends costs one system call a peer, not one a message.
  var unflushed: [Channel] = []
  /// Called when a timer fires, on the loop.
  var fire: (UInt64) -> Void = { _ in }
  /// The number of the last message this node sent (each one's travels in its stamp): it
  /// starts at the incarnation times 2^40, so a restarted process never numbers a message as
  /// its earlier incarnation did.
  private(set) var sent: UInt64
  /// The Lamport clock: one more at every event, and past a received stamp's.
  private(set) var clock: UInt64 = 0
  /// The shell's connection while it watches the trace, and the events not yet sent to it.
  var watcher: Channel?
  private var events: [Value] = []
  private var random: SeededRandom

  init(me: NodeID, incarnation: Int, disk: NodeDisk, loop: EventLoop) {
    self.me = me
    self.incarnation = incarnation
    self.disk = disk
    self.loop = loop
    sent = UInt64(max(0, incarnation)) << 40
    var seed = SystemRandomNumberGenerator()
    random = SeededRandom(seed: seed.next())
  }

  var now: Nanoseconds { Nanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started)) }

  /// Peers that are nodes (or the shell, address 0) get stamped frames; a connection not known
  /// as either (a hand-written client) gets bare ones.
  static func isStamped(_ to: NodeID) -> Bool { to.number < NodeServer.firstUnknownPeer }

  func send(to: NodeID, bytes: [UInt8]) {
    sent += 1
    clock += 1
    let seq = sent
    record(.send, peer: to, seq: seq, bytes: bytes)
    var copies = 1
    var delays = (Int64(0), Int64(0))
    if let r = rules.rules[to] {
      // The network model, applied where the message leaves, as every node process does.
      if let reason = r.block { return record(.drop, peer: to, seq: seq, bytes: bytes, detail: .dropped(reason)) }
      if r.loss > 0 && random.chance(r.loss) {
        return record(.drop, peer: to, seq: seq, bytes: bytes, detail: .dropped(.loss))
      }
      if r.duplication > 0 && random.chance(r.duplication) {
        copies = 2
        record(.duplicate, peer: to, seq: seq, bytes: bytes)
      }
      delays.0 = (r.floor + r.latency.draw(&random)).value
      if copies == 2 { delays.1 = (r.floor + r.latency.draw(&random)).value }
    }
    let unit = Self.isStamped(to) ? Stamp.wrap(bytes, seq: seq, clock: clock) : bytes
    for copy in 0..<copies {
      let delay = copy == 0 ? delays.0 : delays.1
      if delay > 0 {
        _ = loop.scheduleTask(in: .nanoseconds(delay)) { [self] in
          leave(to, unit)
          flush()
        }
      } else {
        leave(to, unit)
      }
    }
  }

  /// Puts a message on its way: on the peer's connection, or opening one.
  private func leave(_ to: NodeID, _ unit: [UInt8]) {
    if let channel = peers[to] {
      channel.write(ByteBuffer(bytes: unit), promise: nil)
      if !unflushed.contains(where: { $0 === channel }) { unflushed.append(channel) }
    } else if !route(to, unit) {
      note(.drop, .dropped(.noSuchNode))
    }
  }

  /// A message reached this node: the clock moves past its stamp, and the delivery is traced
  /// with the sender's count.
  func received(from: NodeID, seq: UInt64?, clock stamp: UInt64?, bytes: [UInt8]) {
    clock = max(clock, stamp ?? 0) + 1
    record(.deliver, peer: from, seq: seq, bytes: bytes)
  }

  func setTimer(after delay: Nanoseconds, token: UInt64) {
    timers[token] = loop.scheduleTask(in: .nanoseconds(max(0, delay.value))) { [self] in
      timers[token] = nil
      fire(token)
      flush()
    }
  }

  func cancelTimer(token: UInt64) { timers.removeValue(forKey: token)?.cancel() }

  /// Cancels every timer: the program they were for is gone (`ctl.kill`, `ctl.restart`).
  func cancelAllTimers() {
    for t in timers.values { t.cancel() }
    timers = [:]
  }

  /// Sends what was written since the last flush, the watcher's events included.
  func flush() {
    if let watcher, !events.isEmpty {
      let frame = Frame(kind: .message, method: "ctl.trace", args: events)
      events.removeAll(keepingCapacity: true)
      watcher.write(ByteBuffer(bytes: FrameCodec.encode(frame)), promise: nil)
      if !unflushed.contains(where: { $0 === watcher }) { unflushed.append(watcher) }
    }
    guard !unflushed.isEmpty else { return }
    for c in unflushed { c.flush() }
    unflushed.removeAll(keepingCapacity: true)
  }

  func randomUInt64() -> UInt64 { random.next() }

  func note(_ kind: TraceEvent.Kind, _ detail: TraceDetail) {
    clock += 1
    record(kind, detail: detail)
  }

  /// Keeps an event for the watcher; nothing while no one watches.
  func record(
    _ kind: TraceEvent.Kind, peer: NodeID? = nil, seq: UInt64? = nil, bytes: [UInt8]? = nil,
    detail: TraceDetail = .none, atReceiver: Bool = false
  ) {
    guard watcher != nil else { return }
    events.append(
      TraceWire.encode(
        NodeEvent(
          time: now, kind: kind, peer: peer, seq: seq, clock: clock, bytes: bytes, detail: detail,
          atReceiver: atReceiver)))
  }
}
