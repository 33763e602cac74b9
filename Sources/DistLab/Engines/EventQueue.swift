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
    storage.append(e)
    let i = storage.count - 1
    let (time, seq) = (e.time, e.seq)
    guard i > 0,
      storage.withUnsafeBufferPointer({ Self.precedes(time, seq, $0[(i - 1) / 2].time, $0[(i - 1) / 2].seq) })
    else { return }
    siftUp(from: i)
  }

  mutating func popMin() -> SimEvent? {
    guard !storage.isEmpty else { return nil }
    let last = storage.removeLast()
    if storage.isEmpty { return last }
    return storage.withUnsafeMutableBufferPointer { buf -> SimEvent in
      let top = buf.baseAddress!.move()  // safe: the buffer is not empty
      Self.siftDown(buf, placing: last, from: 0)
      return top
    }
  }

  /// Removes the event with sequence number `seq`; false when there is none.
  @discardableResult
  mutating func remove(seq: UInt64) -> Bool {
    let found = storage.withUnsafeBufferPointer { buf in buf.indices.first { buf[$0].seq == seq } }
    guard let i = found else { return false }
    let last = storage.removeLast()
    if i == storage.count { return true }
    let (time, lastSeq) = (last.time, last.seq)
    storage.withUnsafeMutableBufferPointer { buf in
      let base = buf.baseAddress!  // safe: `i` is an index of it
      (base + i).deinitialize(count: 1)
      Self.siftDown(buf, placing: last, from: i)
    }
    // The moved event may belong above the hole rather than below it.
    if i > 0,
      storage.withUnsafeBufferPointer({ Self.precedes(time, lastSeq, $0[(i - 1) / 2].time, $0[(i - 1) / 2].seq) })
    {
      siftUp(from: i)
    }
    return true
  }

  /// Moves the event at `i` up to its place.
  private mutating func siftUp(from start: Int) {
    storage.withUnsafeMutableBufferPointer { buf in
      guard let base = buf.baseAddress else { return }
      var i = start
      let moving = (base + i).move()
      let (time, seq) = (moving.time, moving.seq)
      while i > 0 {
        let p = (i - 1) / 2
        if !Self.precedes(time, seq, base[p].time, base[p].seq) { break }
        (base + i).moveInitialize(from: base + p, count: 1)
        i = p
      }
      (base + i).initialize(to: moving)
    }
  }

  /// Fills the hole at `hole` (uninitialized) with `event`, moving smaller children up.
  private static func siftDown(_ buf: UnsafeMutableBufferPointer<SimEvent>, placing event: SimEvent, from hole: Int) {
    let base = buf.baseAddress!  // safe: called with a hole inside the buffer
    let n = buf.count
    let (time, seq) = (event.time, event.seq)
    var i = hole
    while true {
      let l = 2 * i + 1
      if l >= n { break }
      var c = l
      if l + 1 < n && precedes(base[l + 1].time, base[l + 1].seq, base[l].time, base[l].seq) { c = l + 1 }
      if !precedes(base[c].time, base[c].seq, time, seq) { break }
      (base + i).moveInitialize(from: base + c, count: 1)
      i = c
    }
    (base + i).initialize(to: event)
  }

  mutating func removeAll() { storage.removeAll(keepingCapacity: true) }
}
