/// One thing that happened in the world, stamped with (virtual) time.
public struct TraceEvent: Sendable {
  public enum Kind: String, Sendable, CaseIterable {
    case spawn, send, deliver, drop, duplicate, timer, kill, restart, pause, resume
    /// A server ran a method (once per execution, so retries and duplicates show).
    case exec
    /// A server answered a repeated call from its duplicate-suppression table.
    case dedup
    case note
  }

  public var time: Nanoseconds
  public var kind: Kind
  /// Where it happened: the sender of a send or duplicate, the receiver of a delivery or drop
  /// (a drop names the receiver the message was meant for), the node killed.
  public var node: NodeID
  /// The other end of a message, when there is one.
  public var peer: NodeID?
  public var messageID: Int?
  /// The frame involved, decoded only when someone looks.
  public var bytes: [UInt8]?
  /// What else it says: why a message was dropped, which call a method ran for.
  public var detail: TraceDetail
  /// For a delivery: how long the message travelled.
  public var latency: Nanoseconds?
  /// The Lamport clock of the node where it happened (process mode, where each node keeps one
  /// and stamps every frame with it); nil in the other modes.
  public var clock: UInt64?
  /// How far `time` may be off (process mode): the node's clock is read against the shell's
  /// only to within half a round trip. Nil where every event is on one clock.
  public var timeError: Nanoseconds?

  public init(
    time: Nanoseconds, kind: Kind, node: NodeID, peer: NodeID? = nil, messageID: Int? = nil,
    bytes: [UInt8]? = nil, detail: TraceDetail = .none, latency: Nanoseconds? = nil
  ) {
    self.latency = latency
    self.time = time
    self.kind = kind
    self.node = node
    self.peer = peer
    self.messageID = messageID
    self.bytes = bytes
    self.detail = detail
  }

  /// A short label for the message: `add(10, 20)`, `reply 30`, `"hello"`.
  public var messageLabel: String? {
    guard let bytes, let frame = try? FrameCodec.decode(bytes) else { return nil }
    return FrameLabel.short(frame)
  }
}

/// Short human labels for frames, shared by the trace and the renderers.
public enum FrameLabel {
  /// The longest label: a bulk write of a thousand keys reads as its start and `…`.
  public static let maxCharacters = 200

  public static func short(_ frame: Frame) -> String {
    let args = frame.args.map(\.description).joined(separator: ", ")
    let label: String
    switch frame.kind {
    case .message: label = args
    case .request: label = "\(frame.method)(\(args))"
    case .reply: label = "reply \(args)"
    case .error: label = "error \(args)"
    }
    guard label.count > maxCharacters else { return label }
    return String(label.prefix(maxCharacters - 1)) + "…"
  }
}

/// Running totals kept as events are traced, so statistics survive the trace's size limit.
public struct TrafficStats: Sendable, Equatable {
  public var sent = 0
  public var delivered = 0
  public var dropped = 0
  public var duplicated = 0
  public var droppedBy: [DropReason: Int] = [:]
  /// One-way delivery latencies in nanoseconds, in delivery order.
  public var latencies: [Int64] = []
  public static let latencySampleLimit = 4_000_000

  public init() {}

  /// The latency below which `fraction` of deliveries fell (nearest rank), or nil when none.
  public func latencyPercentile(_ fraction: Double) -> Nanoseconds? {
    guard !latencies.isEmpty else { return nil }
    let sorted = latencies.sorted()
    let rank = Int((fraction * Double(sorted.count)).rounded(.up))
    return Nanoseconds(sorted[max(0, min(sorted.count - 1, rank - 1))])
  }

  @inline(__always)
  mutating func count(_ kind: TraceEvent.Kind, latency: Nanoseconds?, detail: TraceDetail) {
    switch kind {
    case .send: sent += 1
    case .deliver:
      delivered += 1
      if latencies.count < Self.latencySampleLimit, let l = latency {
        latencies.append(l.value)
      }
    case .drop:
      dropped += 1
      if case .dropped(let reason) = detail { droppedBy[reason, default: 0] += 1 }
    case .duplicate: duplicated += 1
    default: break
    }
  }
}

/// The trace: the most recent events up to a limit, plus totals over all of them.
public struct TraceLog: Sendable {
  public private(set) var events: [TraceEvent] = []
  private var start = 0
  public private(set) var totalRecorded = 0
  public private(set) var stats = TrafficStats()
  public var limit: Int

  public init(limit: Int = 100_000) { self.limit = max(1, limit) }

  public mutating func record(_ e: consuming TraceEvent) {
    record(
      time: e.time, kind: e.kind, node: e.node, peer: e.peer, messageID: e.messageID, bytes: e.bytes,
      detail: e.detail, latency: e.latency, clock: e.clock, timeError: e.timeError)
  }

  /// Records an event given by its fields. The engines' busiest paths call this directly:
  /// handing over a finished event cost a copy of it and the destruction of the original, and
  /// once the ring is full its oldest slot is overwritten field by field, in place.
  @inline(__always)
  mutating func record(
    time: Nanoseconds, kind: TraceEvent.Kind, node: NodeID, peer: NodeID? = nil, messageID: Int? = nil,
    bytes: [UInt8]? = nil, detail: TraceDetail = .none, latency: Nanoseconds? = nil, clock: UInt64? = nil,
    timeError: Nanoseconds? = nil
  ) {
    stats.count(kind, latency: latency, detail: detail)
    totalRecorded += 1
    if events.count < limit {
      var e = TraceEvent(
        time: time, kind: kind, node: node, peer: peer, messageID: messageID, bytes: bytes, detail: detail,
        latency: latency)
      e.clock = clock
      e.timeError = timeError
      events.append(e)
      return
    }
    events.withUnsafeMutableBufferPointer { buf in
      let slot = buf.baseAddress! + start  // safe: `start` < limit == count once full
      slot.pointee.time = time
      slot.pointee.kind = kind
      slot.pointee.node = node
      slot.pointee.peer = peer
      slot.pointee.messageID = messageID
      slot.pointee.bytes = bytes
      slot.pointee.detail = detail
      slot.pointee.latency = latency
      slot.pointee.clock = clock
      slot.pointee.timeError = timeError
    }
    start += 1
    if start == limit { start = 0 }
  }

  /// The `i`th kept event, oldest first, without copying the log.
  public subscript(age i: Int) -> TraceEvent { events[(start + i) % events.count] }

  /// The kept events, oldest first.
  public var ordered: [TraceEvent] {
    if start == 0 { return events }
    return Array(events[start...] + events[..<start])
  }

  public mutating func clearStats() { stats = TrafficStats() }

  /// Keeps at most `newLimit` events from now on (the newest ones), totals unchanged.
  public mutating func resize(limit newLimit: Int) {
    let kept = Array(ordered.suffix(max(1, newLimit)))
    events = kept
    start = 0
    limit = max(1, newLimit)
  }

  public mutating func clear() {
    events.removeAll()
    start = 0
    totalRecorded = 0
    stats = TrafficStats()
  }
}
