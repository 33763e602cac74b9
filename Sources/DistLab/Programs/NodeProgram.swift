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
  func note(_ kind: TraceEvent.Kind, _ detail: TraceDetail)
  /// Whether `note` records anything: false only where tracing is off (a live bench), so that
  /// a program need not build a note nobody keeps.
  var keepsNotes: Bool { get }
}

extension NodeContext {
  public var keepsNotes: Bool { true }
  public func send(to: NodeID, frame: Frame) { send(to: to, bytes: FrameCodec.encode(frame)) }
}

/// A node's code. One instance per incarnation: killing a node discards it, restarting makes a
/// new one, so in-memory state is lost exactly as a crashed process loses it.
public protocol NodeProgram: AnyObject {
  /// Called once at spawn and at every restart, before anything reaches the node, when the
  /// role says its program starts itself.
  func start(context: NodeContext)
  func receive(_ envelope: Envelope, context: NodeContext)
  func timer(token: UInt64, context: NodeContext)
  /// A read-only summary for `nodes` and inspection: counters and sizes, never live references.
  func summary() -> NodeSummary
  /// The program's named figures alone: what polling asks for, without the data a summary
  /// carries (which a program may have to build).
  func metrics() -> [(String, Double)]
}

extension NodeProgram {
  public func start(context: NodeContext) {}
  public func metrics() -> [(String, Double)] { summary().metrics }
}

/// What a node's program reports about itself when asked: named numbers (in the program's
/// order), the plain messages it received last, and any key/value data it keeps.
public struct NodeSummary: Sendable {
  public var metrics: [(String, Double)] = []
  public var lastMessages: [String] = []
  public var data: [String: Value] = [:]
  public init() {}

  public func metric(_ name: String) -> Double? { metrics.first { $0.0 == name }?.1 }
}
