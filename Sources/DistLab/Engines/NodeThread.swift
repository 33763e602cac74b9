import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One OS thread with a mailbox of jobs: the home of one node's program. Only this thread ever
/// touches the program, so node code needs no locks of its own.
final class NodeThread: NodeHost, @unchecked Sendable {
  // @unchecked Sendable: `program` is touched by one thread at a time, with the mailbox lock
  // ordering the turns: this object's own thread while it executes jobs (one at a time, in
  // `run`), or — for sim events the engine handles itself (`runDirect`) — the world's driving
  // thread, which touches the program only after seeing under the lock that the node thread is
  // idle with an empty mailbox, and which alone submits jobs to a sim node (the world is
  // driven from one thread), so the node thread cannot start another job until the driving
  // thread's next submit. `liveContext` and `liveHeld` are touched only on the node's own
  // thread, `idleAt` only by the driving thread (in `runDirect`); every other field is
  // immutable, atomic or `Locked`.
  let id: NodeID
  /// The node's disk: survives `reset`, touched only on this thread.
  let disk = NodeDisk()
  private let mailbox = Locked(Mailbox())
  /// How many jobs have ever been submitted: `runDirect` looks under the lock only when this
  /// moved since it last saw the thread idle.
  private let submitted = Atomic<Int>(0)
  /// `submitted` as it stood when `runDirect` last saw the thread idle with nothing queued;
  /// touched only by the world's driving thread.
  private var idleAt = -1
  private let wake = DispatchSemaphore(value: 0)
  private var program: NodeProgram?
  /// Live mode's context for this node; set and used only on this thread.
  private var liveContext: LiveContext?
  private var liveHeld: [Job] = []
  private let factory: @Sendable () -> NodeProgram

  struct Mailbox {
    var jobs: [Job] = []
    var sleeping = false
    /// The thread has made its program and found no job to run: the sim engine may run the
    /// program on its own thread (`runDirect`).
    var idle = false
  }

  /// Work for the node's thread; `stop` ends it.
  enum Job {
    case run(@Sendable (inout NodeProgram?) -> Void)
    /// Sim mode: handle one batch's events (see `SimSlot`).
    case sim(SimSlot)
    /// Live mode: a message arrives now.
    case message(Envelope)
    /// Live mode: a timer of incarnation `incarnation` fires.
    case timer(token: UInt64, incarnation: Int)
    /// Live mode: attach the context through which this node sends.
    case attach(LiveContext)
    /// Live mode: the program starts (spawn or restart).
    case start
    /// Live mode: the node's status changed.
    case status(NodeStatus, incarnation: Int)
    case stop
  }

  /// Stack size of node threads: small enough for 10,000 nodes, ample for node code.
  static let stackSize = 256 * 1024

  init(id: NodeID, factory: @escaping @Sendable () -> NodeProgram) {
    self.id = id
    self.factory = factory
  }

  /// A node thread for `role`'s program, started; refused when the system gives no thread (the
  /// world fills in how far its spawn got).
  static func started(_ id: NodeID, role: Role) throws(WorldError) -> NodeThread {
    let thread = NodeThread(id: id, factory: role.make)
    guard thread.start() else { throw .threadRefused(node: id.number, spawned: 0, of: 0) }
    return thread
  }

  /// Starts the thread; returns false when the system refuses one.
  func start() -> Bool {
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    defer { pthread_attr_destroy(&attr) }
    pthread_attr_setstacksize(&attr, NodeThread.stackSize)
    let box = Unmanaged.passRetained(self)
    #if canImport(Glibc)
      var tid = pthread_t()
    #else
      var tid: pthread_t?
    #endif
    let rc = pthread_create(
      &tid, &attr,
      { raw in
        #if canImport(Glibc)
          let me = Unmanaged<NodeThread>.fromOpaque(raw!).takeRetainedValue()  // safe: passRetained above
        #else
          let me = Unmanaged<NodeThread>.fromOpaque(raw).takeRetainedValue()
        #endif
        me.run()
        return nil
      }, box.toOpaque())
    if rc != 0 {
      box.release()
      return false
    }
    pthread_detach(tid)
    return true
  }

  /// Queues a job; wakes the thread if it sleeps.
  func submit(_ job: Job) {
    // Live messages and timers are not counted: `runDirect` serves sim mode only, and a live
    // sender should not write one more shared word per message.
    switch job {
    case .message, .timer: break
    default: submitted.add(1, ordering: .relaxed)
    }
    let mustWake = mailbox.withLock { box -> Bool in
      box.jobs.append(job)
      if box.sleeping {
        box.sleeping = false
        return true
      }
      return false
    }
    if mustWake { wake.signal() }
  }

  /// Runs `body` with the program on the node's thread and waits for its answer.
  func query<R: Sendable>(_ body: @escaping @Sendable (NodeProgram?) -> R) -> R {
    let answer = Locked<R?>(nil)
    let done = DispatchSemaphore(value: 0)
    submit(
      .run { program in
        let r = body(program)
        answer.withLock { $0 = r }
        done.signal()
      })
    done.wait()
    return answer.withLock { $0! }  // safe: set before `done` is signalled
  }

  /// Replaces the program: a fresh one (restart) or none (kill); `wipeDisk` clears the disk.
  func reset(fresh: Bool, wipeDisk: Bool) {
    let factory = self.factory
    let disk = self.disk
    submit(
      .run { program in
        program = fresh ? factory() : nil
        if wipeDisk { disk.wipe() }
      })
  }

  func stop() { submit(.stop) }

  /// Sim mode: runs `body` with the program on the calling thread — the world's driving thread,
  /// handling a light window's events itself — once this node's thread is idle with nothing
  /// queued. It soon is: the driving thread alone submits work to a sim node and submits none
  /// while it waits here, so at most a job queued earlier (a restart's) or the end of the last
  /// batch's bookkeeping is ahead of it. Once seen idle, the thread stays idle until the next
  /// submit, so it is looked at again only after one.
  func runDirect(_ body: (NodeProgram?) -> Void) {
    let jobs = submitted.load(ordering: .relaxed)
    if jobs != idleAt {
      while !mailbox.withLock({ $0.idle && $0.jobs.isEmpty }) { sched_yield() }
      idleAt = jobs
    }
    body(program)
  }

  private func handleLive(_ job: Job) {
    guard let context = liveContext else { return }
    switch context.status {
    case .paused:
      liveHeld.append(job)
    case .down:
      if case .message(let env) = job { context.dropped(env, reason: .nodeDown) }
    case .up:
      switch job {
      case .message(let env): context.handle(env, program: program)
      case .start: program?.start(context: context)
      case .timer(let token, let incarnation):
        if incarnation == context.incarnation { context.fire(token, program: program) }
      default: break
      }
    }
  }

  /// How long a node thread keeps looking for more work after handling some (yielding the
  /// processor between looks) before it parks. Work that comes meanwhile is picked up with no
  /// wake-up system call, which on this kind of machine costs more than handling a message.
  /// In sim mode the next batch comes once the scheduler has merged this one, so a node looks
  /// longer there; in live mode work comes from other nodes at any moment, and a short look
  /// keeps few threads competing for the processors. A thread does not look after its first
  /// jobs, so nodes that are only spawned (or asked once) park at once.
  static let simSpinNanos: Int64 = 1_000_000
  static let liveSpinNanos: Int64 = 300_000

  private func run() {
    program = factory()
    var batch: [Job] = []
    var handledBefore = false
    /// Until when to look for more work before parking; 0 to park at once.
    var lookUntil: Int64 = 0
    while true {
      let look = lookUntil != 0 && monotonicNanos() < lookUntil
      let got = mailbox.withLock { box -> Bool in
        if box.jobs.isEmpty {
          if !look { box.sleeping = true }
          box.idle = true
          return false
        }
        box.idle = false
        swap(&batch, &box.jobs)
        return true
      }
      if !got {
        if look {
          sched_yield()
        } else {
          lookUntil = 0
          wake.wait()
        }
        continue
      }
      var window = Self.liveSpinNanos
      if case .sim = batch[0] { window = Self.simSpinNanos }
      for job in batch {
        switch job {
        case .run(let body): body(&program)
        case .sim(let slot): slot.run(program: program)
        case .message, .timer, .start: handleLive(job)
        case .attach(let context): liveContext = context
        case .status(let status, let incarnation):
          guard let context = liveContext else { continue }
          context.status = status
          context.incarnation = incarnation
          if status == .up && !liveHeld.isEmpty {
            let waiting = liveHeld
            liveHeld = []
            for j in waiting { handleLive(j) }
          } else if status == .down {
            liveHeld = []
          }
        case .stop:
          program = nil
          liveContext = nil
          return
        }
      }
      batch.removeAll(keepingCapacity: true)
      lookUntil = handledBefore ? monotonicNanos() + window : 0
      handledBefore = true
    }
  }
}
