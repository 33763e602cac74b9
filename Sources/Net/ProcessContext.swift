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
