/// Why a message was lost. Typed so that counts are kept by reason and the shell words it.
public enum DropReason: Hashable, Sendable, CaseIterable {
  /// The network lost it (`net loss`).
  case loss
  /// Sender and receiver were in different groups of a partition.
  case partition
  /// The one-way link from sender to receiver was cut.
  case cut
  /// The receiver was down when it arrived.
  case nodeDown
  /// No node has that address.
  case noSuchNode
}

/// What a trace event says beyond its kind, as data: the shell's catalogue words it.
public enum TraceDetail: Hashable, Sendable {
  case none
  /// A drop and its reason.
  case dropped(DropReason)
  /// A node spawned in a region.
  case region(String)
  /// A node restarted as this incarnation.
  case incarnation(Int)
  /// A server ran a method for a call.
  case exec(method: String, callID: UInt32)
  /// A server answered a repeated at-most-once call from its table.
  case dedupAnswered(callID: UInt32)
  /// A server ignored a repeat of an at-most-once call still running.
  case dedupIgnored(callID: UInt32)
  /// A caller's attempt timed out and it sent the request again (`attempt` counts retries).
  case retry(callID: UInt32, attempt: Int)
  /// A caller gave up on a call after this many attempts.
  case gaveUp(callID: UInt32, attempts: Int)
  /// A node received bytes that are not a frame.
  case undecodable(FrameDecodingError)
  /// A node set a timer due past the world's horizon: it never fires.
  case pastHorizon
  /// A program's own note, in its own words.
  case text(String)
  /// A program's typed event (`task.started` with the task id and slot): a lab reads these
  /// back as data, and its shell side words them.
  case event(topic: String, values: [Value])
}
