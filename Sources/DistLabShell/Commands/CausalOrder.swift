import DistLab

/// Happens-before among a process-mode trace's events, from the Lamport clock every event
/// carries and the pairing of each delivery with its send: vector clocks rebuilt by the shell.
/// Two events on different nodes whose clock readings are closer than the clocks' error, and
/// neither of which caused the other, may have happened in either order: the trace marks them.
struct CausalOrder {
  /// Each event's vector clock, by the event's place in the array given.
  private(set) var clocks: [[NodeID: UInt64]] = []

  /// Where an event happened: the shell did spawns, kills, restarts and pauses; a drop is
  /// noticed by the sender's side; everything else happened at its node.
  static func owner(_ e: TraceEvent) -> NodeID {
    switch e.kind {
    case .spawn, .kill, .restart, .pause, .resume: .client
    case .drop: e.peer ?? e.node
    default: e.node
    }
  }

  /// The events in Lamport order (a linear extension of happens-before): clock, then place.
  static func lamportOrder(_ events: [TraceEvent]) -> [Int] {
    events.indices.sorted { a, b in
      let (x, y) = (events[a], events[b])
      return (x.clock ?? 0, owner(x).number, a) < (y.clock ?? 0, owner(y).number, b)
    }
  }

  init(_ events: [TraceEvent]) {
    clocks = Array(repeating: [:], count: events.count)
    var latest: [NodeID: [NodeID: UInt64]] = [:]
    var sends: [Int: [NodeID: UInt64]] = [:]
    for i in Self.lamportOrder(events) {
      let e = events[i]
      let at = Self.owner(e)
      var vc = latest[at] ?? [:]
      if e.kind == .deliver, let id = e.messageID, let sent = sends[id] {
        for (k, v) in sent where v > vc[k, default: 0] { vc[k] = v }
      }
      vc[at, default: 0] += 1
      clocks[i] = vc
      // A drop or a duplicate leads nowhere: it does not move its node's clock on.
      guard e.kind != .drop && e.kind != .duplicate else { continue }
      if e.kind == .send, let id = e.messageID { sends[id] = vc }
      latest[at] = vc
    }
  }

  /// Whether event `a` happened before event `b` (indices into the events given).
  func happenedBefore(_ a: Int, _ b: Int) -> Bool {
    guard a != b else { return false }
    let (x, y) = (clocks[a], clocks[b])
    return x.allSatisfy { k, v in v <= y[k, default: 0] } && x != y
  }

  /// Whether `b`, shown right after `a` in time order, might have come first: different
  /// places, readings closer than their clocks' errors, and neither caused the other.
  func uncertain(_ events: [TraceEvent], _ a: Int, _ b: Int) -> Bool {
    let (x, y) = (events[a], events[b])
    guard Self.owner(x) != Self.owner(y) else { return false }
    let slack = (x.timeError ?? .zero) + (y.timeError ?? .zero)
    let gap = y.time > x.time ? y.time - x.time : x.time - y.time
    return gap <= slack && !happenedBefore(a, b) && !happenedBefore(b, a)
  }
}
