import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Wall-clock nanoseconds from a monotonic clock.
@inline(__always)
func monotonicNanos() -> Int64 {
  Int64(truncatingIfNeeded: DispatchTime.now().uptimeNanoseconds)
}

/// What every live node needs to route a message: threads and statuses by address, and the
/// network, swapped whole when anything changes so readers copy one reference.
final class LiveTable: Sendable {
  /// A node's thread, uncounted (`threads` keeps it alive as long as this table, and every
  /// sender would otherwise write to its reference count), and its status.
  struct Entry: Sendable {
    let thread: Unmanaged<NodeThread>
    let status: NodeStatus
  }
  private let threads: [NodeThread]
  /// Entries by node number: every send looks its receiver up, and an index costs no hashing.
  private let entries: [Entry?]
  let network: NetworkConfig

  init(threads: [NodeThread], statuses: [NodeID: NodeStatus], network: NetworkConfig) {
    self.threads = threads
    var entries = [Entry?](repeating: nil, count: (threads.map(\.id.number).max() ?? 0) + 1)
    for t in threads {
      entries[t.id.number] = Entry(thread: Unmanaged.passUnretained(t), status: statuses[t.id] ?? .up)
    }
    self.entries = entries
    self.network = network
  }

  /// The node's thread and status; nil for an address no node has.
  @inline(__always)
  func entry(_ id: NodeID) -> Entry? {
    id.number > 0 && id.number < entries.count ? entries[id.number] : nil
  }

  func with(network: NetworkConfig) -> LiveTable {
    var statuses: [NodeID: NodeStatus] = [:]
    for t in threads { statuses[t.id] = entry(t.id)?.status }
    return LiveTable(threads: threads, statuses: statuses, network: network)
  }
}

/// Numbers live messages. Every send increments it, so it lives in an object of its own,
/// padded to a cache line, away from the fields every send only reads.
final class MessageCounter: Sendable {
  private let before: (Int64, Int64, Int64, Int64, Int64, Int64) = (0, 0, 0, 0, 0, 0)
  let next = Atomic<Int>(1)
  private let after: (Int64, Int64, Int64, Int64, Int64, Int64, Int64) = (0, 0, 0, 0, 0, 0, 0)
}

/// Routes messages between live nodes: applies the network's fate, then hands each copy to
/// the receiver's thread at once or after its delay.
final class LiveRouter: Sendable {
  let start: Int64
  private let table: Locked<LiveTable>
  let version = Atomic<Int>(0)
  let messageIDs = MessageCounter()
  let delays: DelayLine
  /// Whether events are traced: the shell's sends and deliveries, and (as each node's context
  /// starts) the nodes' own. Off only while measuring raw throughput.
  let eventTracing = Atomic<Bool>(true)
  let clientInbox = Locked<[Envelope]>([])
  let clientWake = DispatchSemaphore(value: 0)
  /// Ids of messages the shell is waiting on, with their fates once known.
  let watch = Locked<[Int: MessageOutcome.Fate]>([:])
  let watching = Atomic<Bool>(false)
  /// The call ids the shell waits on when it calls from nodes, and whether there are any.
  let watchedCalls = Locked<Set<UInt32>>([])
  let watchingCalls = Atomic<Bool>(false)
  let trace: Locked<TraceLog>

  init(network: NetworkConfig, traceLimit: Int) {
    start = monotonicNanos()
    table = Locked(LiveTable(threads: [], statuses: [:], network: network))
    trace = Locked(TraceLog(limit: traceLimit))
    delays = DelayLine()
  }

  func now() -> Nanoseconds { Nanoseconds(monotonicNanos() - start) }

  func snapshot() -> LiveTable { table.withLock { $0 } }

  func update(_ change: (LiveTable) -> LiveTable) {
    table.withLock { $0 = change($0) }
    version.add(1, ordering: .releasing)
  }

  func record(_ e: TraceEvent) { trace.withLock { $0.record(e) } }

  /// Sends `bytes` from `from` as seen by `table`, drawing the fate from `rng`. With `watch`,
  /// the message's fate is watched from before it can be settled, so a fate is never
  /// reported for another message.
  func route(
    from: NodeID, to: NodeID, bytes: [UInt8], table: LiveTable, rng: inout SeededRandom, tracing: Bool,
    watch: Bool = false
  ) -> Int {
    let id = messageIDs.next.add(1, ordering: .relaxed).oldValue
    if watch { self.watch.withLock { $0[id] = .inFlight } }
    // The clock is read only for someone who will look at the time: the trace, or the shell
    // watching this message. Drops are always recorded, so they read it when they happen.
    let t = tracing || watch ? now() : Envelope.unstamped
    if tracing { record(TraceEvent(time: t, kind: .send, node: from, peer: to, messageID: id, bytes: bytes)) }
    guard to.isClient || table.entry(to) != nil else {
      dropped(id: id, from: from, to: to, bytes: bytes, reason: .noSuchNode, at: t == Envelope.unstamped ? now() : t)
      return id
    }
    let fate = table.network.decide(from: from, to: to, rng: &rng)
    if let reason = fate.dropReason {
      dropped(id: id, from: from, to: to, bytes: bytes, reason: reason, at: t == Envelope.unstamped ? now() : t)
      return id
    }
    let env = Envelope(id: id, from: from, to: to, bytes: bytes, sentAt: t, isDuplicate: false)
    pass(env, after: fate.first, table: table)
    if fate.copies == 2 {
      if tracing { record(TraceEvent(time: t, kind: .duplicate, node: from, peer: to, messageID: id, bytes: bytes)) }
      var copy = env
      copy.isDuplicate = true
      pass(copy, after: fate.second, table: table)
    }
    return id
  }

  /// Hands a message to its receiver now, or to the delay line when it has a delay.
  @inline(__always)
  private func pass(_ env: Envelope, after delay: Nanoseconds, table: LiveTable) {
    if delay <= .zero {
      deliverNow(env, table: table)
    } else {
      delays.schedule(at: monotonicNanos() + delay.value, .message(env, self))
    }
  }

  func deliverNow(_ env: Envelope, table: LiveTable) {
    if env.to.isClient {
      if eventTracing.load(ordering: .relaxed) {
        record(
          TraceEvent(
            time: now(), kind: .deliver, node: env.to, peer: env.from, messageID: env.id, bytes: env.bytes,
            latency: env.latency(at: now())))
      }
      clientInbox.withLock { $0.append(env) }
      clientWake.signal()
      return
    }
    guard let entry = table.entry(env.to) else { return }
    if entry.status == .down {
      dropped(id: env.id, from: env.from, to: env.to, bytes: env.bytes, reason: .nodeDown, at: now())
      return
    }
    entry.thread._withUnsafeGuaranteedRef { $0.submit(.message(env)) }
  }

  func dropped(id: Int, from: NodeID, to: NodeID, bytes: [UInt8], reason: DropReason, at t: Nanoseconds) {
    record(
      TraceEvent(time: t, kind: .drop, node: to, peer: from, messageID: id, bytes: bytes, detail: .dropped(reason)))
    settle(id, .dropped(reason: reason))
  }

  /// Passes a reply to the shell when it is one the shell waits for on a node's behalf.
  @inline(__always)
  func offerReply(_ env: Envelope) {
    guard watchingCalls.load(ordering: .relaxed), let id = FramePeek.replyCallID(env.bytes),
      watchedCalls.withLock({ $0.contains(id) })
    else { return }
    clientInbox.withLock { $0.append(env) }
    clientWake.signal()
  }

  func settle(_ id: Int, _ fate: MessageOutcome.Fate) {
    guard watching.load(ordering: .relaxed) else { return }
    watch.withLock { w in
      if let f = w[id], f == .inFlight { w[id] = fate }
    }
  }
}
