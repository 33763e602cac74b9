/// What runs a world's events. The world keeps the nodes, the network settings and the rules;
/// an engine moves messages and time. Sim (virtual time, node threads in lock-step batches),
/// reference (the same semantics, one event at a time on one thread, no node threads) and
/// live (wall clock, free-running threads) implement it here; the process engine
/// (`DistLabNet`) implements it from outside: hosting a node means starting its process,
/// delivery is a socket write, and the trace is gathered from what the nodes upload.
public protocol Engine: AnyObject {
  /// The current time: virtual in sim and reference, wall time since the start in live.
  var now: Nanoseconds { get }
  /// Everything recorded so far (up to the trace limit) and totals over all of it.
  var trace: TraceLog { get }
  func record(_ e: TraceEvent)
  func clearStats()
  func resizeTrace(limit: Int)

  /// Makes a home for a new node `name` running `role`, or says why not (`threadRefused`, or
  /// the process engine's `processRefused`).
  func host(_ id: NodeID, name: String, role: Role) throws(WorldError) -> any NodeHost
  /// Adds a node someone else started, at `address`: its home, its own name and its role's
  /// name. Only the process engine can; the others refuse.
  func connect(_ address: String, id: NodeID) throws(WorldError) -> (host: any NodeHost, name: String, role: String)
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

extension Engine {
  public func connect(_ address: String, id: NodeID) throws(WorldError) -> (
    host: any NodeHost, name: String, role: String
  ) {
    throw .connectNeedsProcessMode
  }
}

/// Where a node's program lives: a thread of its own, the engine's thread, or another process.
/// Only the host touches the program and the node's disk.
public protocol NodeHost: AnyObject, Sendable {
  /// Drops the program (kill) or starts a fresh one (restart); `wipeDisk` clears the disk too.
  func reset(fresh: Bool, wipeDisk: Bool)
  /// Runs `body` with the program where it lives and returns its answer.
  func query<R: Sendable>(_ body: @escaping @Sendable (NodeProgram?) -> R) -> R
  /// The node's disk, to hand to its context (touched only where the program runs).
  var disk: NodeDisk { get }
  /// What the program reports about itself, asked where it runs; nil when it cannot be asked.
  func summary() -> NodeSummary?
  /// One of the program's figures, asked where it runs. Only the number comes back: a summary
  /// that outlived the question would share the program's data, and the program's next write
  /// would copy all of it.
  func metric(_ name: String) -> Double?
  /// Where the node runs when that is another process; nil for a thread of this one.
  var location: NodeLocation? { get }
  func stop()
}

extension NodeHost {
  public func summary() -> NodeSummary? { query { $0?.summary() ?? NodeSummary() } }
  public func metric(_ name: String) -> Double? { query { $0?.metrics().first { $0.0 == name }?.1 } }
  public var location: NodeLocation? { nil }
}

/// Where a node of process mode runs: the address it listens on and, for a child of this
/// shell, its process id — or that the process has ended behind the world's back.
public struct NodeLocation: Sendable, Equatable {
  public var address: String
  /// The child's process id; nil for a node started elsewhere (`connect`).
  public var pid: Int32?
  /// The child process is gone though the world did not kill it (a `kill -9` from outside).
  public var exited: Bool

  public init(address: String, pid: Int32?, exited: Bool) {
    self.address = address
    self.pid = pid
    self.exited = exited
  }
}
