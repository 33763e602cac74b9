/// A node's address: an opaque number handed out at spawn (1, 2, …) and never reused in a
/// world. Nodes are looked up by it in the world's table, never by position. Number 0 is the
/// shell's own endpoint `cli`, from which the user's calls and messages leave.
public struct NodeID: Hashable, Comparable, Sendable, CustomStringConvertible {
  public let number: Int
  public init(_ number: Int) { self.number = number }
  public static let client = NodeID(0)
  public var isClient: Bool { number == 0 }
  public static func < (a: NodeID, b: NodeID) -> Bool { a.number < b.number }
  public var description: String { number == 0 ? "cli" : "#\(number)" }
}

/// Whether a node runs: `up` handles events, `down` has lost its memory and drops what
/// reaches it, `paused` is alive but silent (events wait until it resumes).
public enum NodeStatus: String, Sendable, CaseIterable {
  case up, down, paused
}

/// A message on the wire: who sent it, to whom, and the frame's encoded bytes.
public struct Envelope: Sendable {
  /// Sequential message number (`m12`), shared by a message and its duplicates.
  public var id: Int
  public var from: NodeID
  public var to: NodeID
  public var bytes: [UInt8]
  /// When it was sent; `Envelope.unstamped` where no one was to read it (a live sender
  /// with tracing off, sending nothing the shell watches).
  public var sentAt: Nanoseconds
  public var isDuplicate: Bool

  /// The `sentAt` of a message sent without reading the clock.
  public static let unstamped = Nanoseconds(-1)

  /// How long it travelled until `t`; nil when it was sent unstamped.
  public func latency(at t: Nanoseconds) -> Nanoseconds? { sentAt == Envelope.unstamped ? nil : t - sentAt }

  public init(id: Int, from: NodeID, to: NodeID, bytes: [UInt8], sentAt: Nanoseconds, isDuplicate: Bool = false) {
    self.id = id
    self.from = from
    self.to = to
    self.bytes = bytes
    self.sentAt = sentAt
    self.isDuplicate = isDuplicate
  }
}
