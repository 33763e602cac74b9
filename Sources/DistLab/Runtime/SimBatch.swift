import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// How a sim batch is handed to the node threads and collected again (see `World.runBatch`).

/// One node's share of a sim batch, reused from batch to batch so that a batch allocates
/// nothing: the scheduler fills in `deliveries`, the node's thread handles them and fills in
/// `steps` and `effects`, and the scheduler reads those back.
///
/// @unchecked Sendable: the fields change hands in strict turns. The scheduler writes them,
/// then submits a `.sim` job (the mailbox lock orders the writes before the node thread's
/// reads); the node thread alone touches them until it arrives at `latch` (an acquire-release
/// countdown); the scheduler reads them only after `latch.wait()` returns, and submits the
/// slot again only after it has finished reading.
final class SimSlot: @unchecked Sendable {
  let node: NodeID
  let latch: BatchLatch
  var context: SimContext?
  var windowEnd: Nanoseconds = .zero
  var deliveries: [SimDelivery] = []
  var steps: [SimStep] = []
  var effects: [Effect] = []
  /// The scheduler's read position in `steps` while merging.
  var cursor = 0

  init(node: NodeID, latch: BatchLatch) {
    self.node = node
    self.latch = latch
  }

  /// On the node's thread: wakes a few more of the batch's sleeping nodes, handles the batch,
  /// then lets the scheduler go on.
  func run(program: NodeProgram?) {
    latch.wakeMore()
    context?.runBatch(self, program: program)
    latch.arrive()
  }
}

/// Counts node threads down to the end of a batch; the last one wakes the scheduler. One latch
/// serves every batch of a world: `start` arms it before the batch's jobs are handed out.
///
/// It also spreads the waking of the batch's sleeping node threads: the scheduler wakes only
/// the first few, and every node thread that starts its batch wakes a few more before doing
/// its own work, so the wake-ups (a system call each) run on every core at once instead of
/// one after another on the scheduler's thread. Every sleeper is woken exactly once: each
/// wake-up claims the next one from the list, and each claim that succeeds leads to
/// `fanOut` more claims, so claiming stops only when the list is used up.
final class BatchLatch: Sendable {
  private let remaining = Atomic<Int>(0)
  private let done = DispatchSemaphore(value: 0)
  private struct Sleepers {
    var threads: [NodeThread] = []
    var next = 0
  }
  /// The batch's threads that were asleep when their job was queued, and how many of them
  /// have been claimed for waking.
  private let sleepers = Locked(Sleepers())
  /// How many sleepers each node thread wakes before handling its own events.
  static let fanOut = 2

  /// Arms the latch for `count` arrivals, with no sleepers yet.
  func start(count: Int) {
    remaining.store(count, ordering: .relaxed)
    sleepers.withLock {
      $0.threads.removeAll(keepingCapacity: true)
      $0.next = 0
    }
  }

  /// Hands over the threads to wake (once every job of the batch is queued) and wakes the
  /// first of them.
  func wake(_ threads: [NodeThread]) {
    guard !threads.isEmpty else { return }
    sleepers.withLock { $0.threads.append(contentsOf: threads) }
    wakeMore()
  }

  /// Wakes up to `fanOut` sleepers not yet claimed.
  func wakeMore() {
    for _ in 0..<Self.fanOut {
      let thread = sleepers.withLock { s -> NodeThread? in
        guard s.next < s.threads.count else { return nil }
        s.next += 1
        return s.threads[s.next - 1]
      }
      guard let thread else { return }
      thread.wakeUp()
    }
  }

  func arrive() {
    if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { done.signal() }
  }

  /// Waits for the last arrival: first yielding the processor between looks (a batch is
  /// usually short, and a parked scheduler costs a wake-up system call to resume), then
  /// parked on the semaphore. Either way the last arrival's signal is consumed, so the
  /// semaphore is back at zero for the next batch.
  func wait() {
    let give = monotonicNanos() + NodeThread.simSpinNanos
    while remaining.load(ordering: .acquiring) != 0 && monotonicNanos() < give { sched_yield() }
    done.wait()
    // The semaphore orders the arrivals before this point too, but say it in a way the
    // memory model (and ThreadSanitizer) can see: read the count the arrivals released.
    _ = remaining.load(ordering: .acquiring)
    sleepers.withLock { $0.threads.removeAll(keepingCapacity: true) }
  }
}

/// Sim mode's reusable batch state: one slot per node, the latch, and the lists a batch
/// builds, kept between batches so that running one allocates nothing in the steady state.
/// Used only on the thread that drives the world.
final class SimBatchState {
  let latch = BatchLatch()
  var slots: [SimSlot] = []
  /// Nodes with work in the current batch, in the order their first event was popped.
  var order: [Int] = []
  /// Everything popped in the batch, in pop order.
  var items: [World.BatchItem] = []
  /// The general merge's sort keys, used only when nodes fired timers inside the window.
  var refs: [World.MergeRef] = []
  /// The batch's node threads that were asleep when their job was queued.
  var sleepers: [NodeThread] = []

  func slot(_ node: NodeID) -> SimSlot {
    while slots.count < node.index { slots.append(SimSlot(node: NodeID(slots.count + 1), latch: latch)) }
    return slots[node.index - 1]
  }
}
