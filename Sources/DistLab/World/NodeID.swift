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
  public var sentAt: Nanoseconds
  public var isDuplicate: Bool

  public init(id: Int, from: NodeID, to: NodeID, bytes: [UInt8], sentAt: Nanoseconds, isDuplicate: Bool = false) {
    self.id = id
    self.from = from
    self.to = to
    self.bytes = bytes
    self.sentAt = sentAt
    self.isDuplicate = isDuplicate
  }
}
