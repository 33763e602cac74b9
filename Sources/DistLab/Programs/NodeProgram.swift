/// Everything a node's code can do to the world: read the clock, send, set and cancel
/// timers, draw random numbers, keep data on its disk and leave notes in the trace. The same
/// program runs unchanged in every engine because it sees only this.
public protocol NodeContext: AnyObject {
  var me: NodeID { get }
  var now: Nanoseconds { get }
  /// How many times this node has been started (1 after spawn, +1 on every restart).
  var incarnation: Int { get }
  /// The node's durable store: it survives `kill` and `restart`, not `kill --wipe`.
  var disk: NodeDisk { get }
  /// Sends an already encoded frame.
  func send(to: NodeID, bytes: [UInt8])
  /// Asks for `timer(token:)` to be called after `delay`.
  func setTimer(after delay: Nanoseconds, token: UInt64)
  /// Stops a timer set with `token` from firing (a token fires at most once).
  func cancelTimer(token: UInt64)
  func randomUInt64() -> UInt64
  /// Records a line in the trace under this node (what the program did and why).
  func note(_ kind: TraceEvent.Kind, _ detail: String)
}

extension NodeContext {
  public func send(to: NodeID, frame: Frame) { send(to: to, bytes: FrameCodec.encode(frame)) }
}

/// A node's code. One instance per incarnation: killing a node discards it, restarting makes a
/// new one, so in-memory state is lost exactly as a crashed process loses it.
public protocol NodeProgram: AnyObject {
  func receive(_ envelope: Envelope, context: NodeContext)
  func timer(token: UInt64, context: NodeContext)
  /// A read-only summary for `nodes` and inspection: counters and sizes, never live references.
  func summary() -> NodeSummary
}

/// What a node reports about itself when asked.
public struct NodeSummary: Hashable, Sendable {
  public var received: Int = 0
  public var executed: Int = 0
  public var kvKeys: Int = 0
  public var lastMessages: [String] = []
  public var kv: [String: Value] = [:]
  public init() {}
}
