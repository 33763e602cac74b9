import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// How a sim batch is handed to the node threads and collected again (see `SimEngine.runBatch`).

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
  /// The node's context in its current incarnation; replaced between batches on restart.
  var context: SimContext? { didSet { unmanagedContext = context.map { Unmanaged.passUnretained($0) } } }
  /// `context`, for the driving thread's per-event path to use without reference counting:
  /// this slot keeps the context alive, and it is replaced only between events.
  private(set) var unmanagedContext: Unmanaged<SimContext>?
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

  /// What handling one delivery has cost this node lately, in nanoseconds (a moving average of
  /// processor time on its thread, or wall time when the engine handled it directly): the
  /// engine's guess of whether handing its events to its thread pays. It steers only where
  /// events are handled, never what they do.
  var costPerDelivery: Int64 = 0
  /// Batches until the next timed one.
  private var untilTimed = 0

  /// On the node's thread: handles the batch, then lets the scheduler go on.
  func run(program: NodeProgram?) {
    // One batch in eight is timed: enough to follow a node's cost, and the clock is not free.
    untilTimed -= 1
    if untilTimed > 0 {
      context?.runBatch(self, program: program)
    } else {
      untilTimed = 8
      // The thread's own processor time, not the wall clock's: with more node threads than
      // processors a batch may wait its turn, and counting that wait as work would keep a
      // light node's batches going to its thread.
      let start = threadCPUNanos()
      context?.runBatch(self, program: program)
      measured((threadCPUNanos() - start) / Int64(max(1, deliveries.count)))
    }
    latch.arrive()
  }

  /// Folds one measured cost per delivery into the moving average.
  func measured(_ each: Int64) {
    costPerDelivery = (costPerDelivery * 3 + each) / 4
  }
}

/// The calling thread's processor time, in nanoseconds.
func threadCPUNanos() -> Int64 {
  var t = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
  return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
}

/// Counts node threads down to the end of a batch; the last one wakes the scheduler. One latch
/// serves every batch of a world: `start` arms it before the batch's jobs are handed out.
final class BatchLatch: Sendable {
  private let remaining = Atomic<Int>(0)
  private let done = DispatchSemaphore(value: 0)

  /// Arms the latch for `count` arrivals. Call only between batches; the submits that follow
  /// publish the count to the node threads.
  func start(count: Int) {
    remaining.store(count, ordering: .relaxed)
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
  }
}

/// Sim mode's reusable batch state: the latch and the lists a batch builds, kept between
/// batches so that running one allocates nothing in the steady state. Used only on the
/// thread that drives the world.
final class SimBatchState {
  let latch = BatchLatch()
  /// Nodes with work in the current batch, in the order their first event was popped.
  var order: [SimNode] = []
  /// Everything popped in the batch, in pop order.
  var items: [SimEngine.BatchItem] = []
  /// The general merge's sort keys, used only when nodes fired timers inside the window.
  var refs: [SimEngine.MergeRef] = []
}

/// A node as the sim engine hosts it: its thread, its batch slot and the world's record.
final class SimNode {
  let record: NodeRecord
  let thread: NodeThread
  let slot: SimSlot
  /// Whether the node has deliveries in the batch being built (its place in `order`).
  var position = -1

  init(record: NodeRecord, thread: NodeThread, slot: SimSlot) {
    self.record = record
    self.thread = thread
    self.slot = slot
  }
}
