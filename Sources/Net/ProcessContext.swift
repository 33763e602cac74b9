import Dispatch
import DistLab
import NIOCore

/// What a node program sees when it runs as an OS process of its own: its address, a wall
/// clock from the process's start, its disk, sends that leave over the TCP connection of the
/// peer they are for, and timers on the node's one event loop.
///
/// `@unchecked Sendable`: every member is read and written only on the server's single event
/// loop thread — channel callbacks and scheduled timers both run there — so no two threads
/// ever touch it at once; it crosses into NIO's `@Sendable` closures only to be used there.
final class ProcessContext: NodeContext, @unchecked Sendable {
  /// Its address among the nodes, told by the shell (`ctl.peers`); 0 until then.
  var me: NodeID
  let incarnation: Int
  let disk: NodeDisk
  let loop: EventLoop
  let started = DispatchTime.now().uptimeNanoseconds
  /// The connection each peer's messages leave on.
  var peers: [NodeID: Channel] = [:]
  /// What the shell's fault model asks of this node's outgoing messages (`ctl.faults`).
  var faults = Faults()
  /// A send to a node with no connection yet: the server opens one (set by the server).
  var route: (NodeID, [UInt8]) -> Bool = { _, _ in false }
  var timers: [UInt64: Scheduled<Void>] = [:]
  /// Connections written to and not yet flushed: flushed together when the loop has handled
  /// what it read, so a burst of sends costs one system call a peer, not one a message.
  var unflushed: [Channel] = []
  /// Called when a timer fires, on the loop.
  var fire: (UInt64) -> Void = { _ in }
  /// Trace lines the program recorded, most recent last (kept for the shell to fetch).
  private(set) var notes: [(Nanoseconds, TraceEvent.Kind, TraceDetail)] = []
  static let noteLimit = 10_000
  private var random = SystemRandomNumberGenerator()

  init(me: NodeID, incarnation: Int, disk: NodeDisk, loop: EventLoop) {
    self.me = me
    self.incarnation = incarnation
    self.disk = disk
    self.loop = loop
  }

  var now: Nanoseconds { Nanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started)) }

  func send(to: NodeID, bytes: [UInt8]) {
    // The fault model, applied where the message leaves, as every node process does: a cut or
    // partitioned destination and loss drop it; duplication sends it twice; delay holds it.
    if faults.cut.contains(to) { return note(.drop, .dropped(.partition)) }
    if faults.loss > 0, Double(random.next() % 1_000_000) / 1e6 < faults.loss { return note(.drop, .dropped(.loss)) }
    let copies = faults.duplicate > 0 && Double(random.next() % 1_000_000) / 1e6 < faults.duplicate ? 2 : 1
    var delay = faults.delay.value
    if faults.jitter.value > 0 { delay += Int64(random.next() % UInt64(faults.jitter.value + 1)) }
    for _ in 0..<copies {
      if delay > 0 {
        _ = loop.scheduleTask(in: .nanoseconds(delay)) { [self] in
          leave(to, bytes)
          flush()
        }
      } else {
        leave(to, bytes)
      }
    }
  }

  /// Puts a message on its way: on the peer's connection, or opening one.
  private func leave(_ to: NodeID, _ bytes: [UInt8]) {
    if let channel = peers[to] {
      channel.write(ByteBuffer(bytes: bytes), promise: nil)
      if !unflushed.contains(where: { $0 === channel }) { unflushed.append(channel) }
    } else if !route(to, bytes) {
      note(.drop, .dropped(.noSuchNode))
    }
  }

  func setTimer(after delay: Nanoseconds, token: UInt64) {
    timers[token] = loop.scheduleTask(in: .nanoseconds(max(0, delay.value))) { [self] in
      timers[token] = nil
      fire(token)
      flush()
    }
  }

  func cancelTimer(token: UInt64) { timers.removeValue(forKey: token)?.cancel() }

  /// Sends what was written since the last flush.
  func flush() {
    guard !unflushed.isEmpty else { return }
    for c in unflushed { c.flush() }
    unflushed.removeAll(keepingCapacity: true)
  }

  func randomUInt64() -> UInt64 { random.next() }

  func note(_ kind: TraceEvent.Kind, _ detail: TraceDetail) {
    if notes.count >= Self.noteLimit { notes.removeFirst(notes.count / 2) }
    notes.append((now, kind, detail))
  }
}

/// The part of the shell's network model a node process applies to what it sends: which nodes
/// it cannot reach (a partition or a one-way cut, seen from this side), the chance a message
/// is lost or sent twice, and a delay with jitter on top of the real network's.
struct Faults: Equatable {
  var cut: Set<NodeID> = []
  var loss = 0.0
  var duplicate = 0.0
  var delay = Nanoseconds.zero
  var jitter = Nanoseconds.zero

  /// From `ctl.faults [CUT NODES, LOSS, DUPLICATE, DELAY ns, JITTER ns]`; nil when malformed.
  init?(_ args: [Value]) {
    guard args.count == 5, let cut = args[0].listValue, let delay = args[3].intValue, let jitter = args[4].intValue,
      delay >= 0, jitter >= 0
    else { return nil }
    func probability(_ v: Value) -> Double? {
      switch v {
      case .double(let d) where d >= 0 && d <= 1: d
      case .int(let i) where i == 0 || i == 1: Double(i)
      default: nil
      }
    }
    guard let loss = probability(args[1]), let duplicate = probability(args[2]) else { return nil }
    self.cut = Set(cut.compactMap { $0.intValue.map { NodeID(Int($0)) } })
    (self.loss, self.duplicate, self.delay, self.jitter) = (loss, duplicate, Nanoseconds(delay), Nanoseconds(jitter))
  }

  init() {}
}
