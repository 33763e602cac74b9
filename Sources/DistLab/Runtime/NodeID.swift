/// A node's identity: its spawn number (1, 2, …). Number 0 is the shell's own endpoint `cli`,
/// from which the user's calls and messages leave.
public struct NodeID: Hashable, Comparable, Sendable, CustomStringConvertible {
  public let index: Int
  public init(_ index: Int) { self.index = index }
  public static let client = NodeID(0)
  public var isClient: Bool { index == 0 }
  public static func < (a: NodeID, b: NodeID) -> Bool { a.index < b.index }
  public var description: String { index == 0 ? "cli" : "#\(index)" }
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
