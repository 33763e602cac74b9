/// What runs a world's events. The world keeps the nodes, the network settings and the rules;
/// an engine moves messages and time. Sim (virtual time, node threads in lock-step batches),
/// reference (the same semantics, one event at a time on one thread, no node threads) and
/// live (wall clock, free-running threads) implement it. A TCP engine for nodes in other
/// processes would implement it too: hosting a node means talking to its process, delivery
/// means a socket write, and the trace is gathered from the nodes' uploads.
protocol Engine: AnyObject {
  /// The current time: virtual in sim and reference, wall time since the start in live.
  var now: Nanoseconds { get }
  /// Everything recorded so far (up to the trace limit) and totals over all of it.
  var trace: TraceLog { get }
  func record(_ e: TraceEvent)
  func clearStats()
  func resizeTrace(limit: Int)

  /// Makes a home for a new node's program; nil when the system refuses (no thread).
  func host(_ id: NodeID, program: @escaping @Sendable () -> NodeProgram) -> (any NodeHost)?
  /// A node was added to the world's table (its host made by `host`).
  func nodeAdded(_ node: NodeRecord)
  /// A node's status or incarnation changed from `old`; the record holds the new state.
  func statusChanged(_ node: NodeRecord, from old: NodeStatus)
  /// Runs the programs' `start` now, in the given order (roles whose programs start
  /// themselves, at spawn and restart).
  func start(_ nodes: [NodeRecord])
  func networkChanged(_ network: NetworkConfig)

  /// Sends every text from each sender to its receiver and waits until every message has
  /// arrived or been dropped (or the engine's patience runs out).
  func send(pairs: [(NodeID, NodeID)], texts: [String], cancel: () -> Bool) -> SendOutcome
  /// Makes the calls at the same moment and waits for every answer or final timeout.
  func call(_ calls: [CallOutcome], options: CallOptions, cancel: () -> Bool) -> [CallOutcome]
  /// Puts a message on the wire without waiting; returns its id.
  func post(from: NodeID, to: NodeID, bytes: [UInt8]) -> Int
  func advance(by duration: Nanoseconds, cancel: () -> Bool) -> AdvanceOutcome
  /// Events waiting: messages in flight and timers (0 where the engine cannot count them).
  var pendingEvents: Int { get }
  /// Turns the recording of individual events off or on (totals stay), for benchmarks.
  func setEventTracing(_ on: Bool)
  /// Stops the engine's own threads and every node's.
  func shutdown()
}

/// Where a node's program lives: a thread of its own, or the engine's thread. Only the host
/// touches the program and the node's disk.
protocol NodeHost: AnyObject, Sendable {
  /// Drops the program (kill) or starts a fresh one (restart); `wipeDisk` clears the disk too.
  func reset(fresh: Bool, wipeDisk: Bool)
  /// Runs `body` with the program where it lives and returns its answer.
  func query<R: Sendable>(_ body: @escaping @Sendable (NodeProgram?) -> R) -> R
  /// The node's disk, to hand to its context (touched only where the program runs).
  var disk: NodeDisk { get }
  func stop()
}
