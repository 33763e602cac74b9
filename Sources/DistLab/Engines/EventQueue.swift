/// Sim mode's event queue: a binary min-heap of events ordered by (time, seq).
///
/// Written for `SimEvent` rather than as a generic heap with a comparison closure: sifting
/// moves elements into a hole instead of copying and swapping them, and compares the two
/// keys in place, so a queue operation retains and releases nothing. Keys are unique (every
/// event has its own `seq`), so events leave in the same order whatever the heap's layout.
struct EventQueue {
  private var storage: [SimEvent] = []

  var isEmpty: Bool { storage.isEmpty }
  var count: Int { storage.count }
  /// When the first event is due, without copying it out.
  var minTime: Nanoseconds? { storage.isEmpty ? nil : storage[0].time }

  @inline(__always)
  private static func precedes(_ t1: Nanoseconds, _ s1: UInt64, _ t2: Nanoseconds, _ s2: UInt64) -> Bool {
    t1 != t2 ? t1 < t2 : s1 < s2
  }

  mutating func insert(_ e: SimEvent) {
    let time = e.time
    let seq = e.seq
    storage.append(e)
    storage.withUnsafeMutableBufferPointer { buf in
      guard let base = buf.baseAddress else { return }
      var i = buf.count - 1
      guard i > 0, Self.precedes(time, seq, base[(i - 1) / 2].time, base[(i - 1) / 2].seq) else { return }
      let moving = (base + i).move()
      while i > 0 {
        let p = (i - 1) / 2
        if !Self.precedes(time, seq, base[p].time, base[p].seq) { break }
        (base + i).moveInitialize(from: base + p, count: 1)
        i = p
      }
      (base + i).initialize(to: moving)
    }
  }

  mutating func popMin() -> SimEvent? {
    guard !storage.isEmpty else { return nil }
    let last = storage.removeLast()
    if storage.isEmpty { return last }
    let time = last.time
    let seq = last.seq
    return storage.withUnsafeMutableBufferPointer { buf -> SimEvent in
      let base = buf.baseAddress!  // safe: the buffer is not empty
      let n = buf.count
      let top = base.move()
      var i = 0
      while true {
        let l = 2 * i + 1
        if l >= n { break }
        var c = l
        if l + 1 < n && Self.precedes(base[l + 1].time, base[l + 1].seq, base[l].time, base[l].seq) { c = l + 1 }
        if !Self.precedes(base[c].time, base[c].seq, time, seq) { break }
        (base + i).moveInitialize(from: base + c, count: 1)
        i = c
      }
      (base + i).initialize(to: last)
      return top
    }
  }

  mutating func removeAll() { storage.removeAll(keepingCapacity: true) }

  /// Removes every event matching `predicate` and restores heap order; returns the removed
  /// events in (time, seq) order.
  @discardableResult
  mutating func removeAll(where predicate: (SimEvent) -> Bool) -> [SimEvent] {
    var removed: [SimEvent] = []
    var kept: [SimEvent] = []
    kept.reserveCapacity(storage.count)
    for e in storage {
      if predicate(e) { removed.append(e) } else { kept.append(e) }
    }
    guard !removed.isEmpty else { return [] }
    storage = []
    storage.reserveCapacity(kept.count)
    for e in kept { insert(e) }
    removed.sort { $0.time != $1.time ? $0.time < $1.time : $0.seq < $1.seq }
    return removed
  }
}
