/// Sim mode's event queue: a binary min-heap of events ordered by (time, seq).
///
/// The heap holds only each event's key and the slot where its kind waits, so sifting moves 24
/// bytes a level rather than a whole event, and compares the two keys in place; a queue
/// operation retains and releases nothing. Keys are unique (every event has its own `seq`), so
/// events leave in the same order whatever the heap's layout.
struct EventQueue {
  private struct Entry {
    var time: Nanoseconds
    var seq: UInt64
    /// Where the event's kind is in `kinds`.
    var slot: Int
  }

  private var heap: [Entry] = []
  /// The queued events' kinds, by slot; a slot in `free` holds a placeholder.
  private var kinds: [SimEvent.Kind] = []
  private var free: [Int] = []

  var isEmpty: Bool { heap.isEmpty }
  var count: Int { heap.count }
  /// When the first event is due.
  var minTime: Nanoseconds? { heap.isEmpty ? nil : heap[0].time }

  /// What an emptied slot holds: a kind with nothing to release.
  private static let vacant = SimEvent.Kind.callTimeout(callID: 0, attempt: 0)

  @inline(__always)
  private static func precedes(_ a: Entry, _ b: Entry) -> Bool {
    a.time != b.time ? a.time < b.time : a.seq < b.seq
  }

  mutating func insert(_ e: SimEvent) { insert(time: e.time, seq: e.seq, kind: e.kind) }

  /// Queues an event given by its parts (what the engines' busiest paths call, so that no
  /// whole event is made only to be taken apart).
  mutating func insert(time: Nanoseconds, seq: UInt64, kind: consuming SimEvent.Kind) {
    let slot: Int
    if free.isEmpty {
      slot = kinds.count
      kinds.append(kind)
    } else {
      slot = free.removeLast()
      kinds[slot] = kind
    }
    let entry = Entry(time: time, seq: seq, slot: slot)
    heap.append(entry)
    let i = heap.count - 1
    guard i > 0, Self.precedes(entry, heap[(i - 1) / 2]) else { return }
    siftUp(from: i)
  }

  mutating func popMin() -> SimEvent? {
    guard !heap.isEmpty else { return nil }
    let top = heap[0]
    let last = heap.removeLast()
    if !heap.isEmpty { siftDown(placing: last, from: 0) }
    return SimEvent(time: top.time, seq: top.seq, kind: take(top.slot))
  }

  /// Removes the event with sequence number `seq`; false when there is none.
  @discardableResult
  mutating func remove(seq: UInt64) -> Bool {
    guard let i = heap.firstIndex(where: { $0.seq == seq }) else { return false }
    let slot = heap[i].slot
    let last = heap.removeLast()
    if i < heap.count {
      siftDown(placing: last, from: i)
      // The moved event may belong above the hole rather than below it.
      siftUp(from: i)
    }
    _ = take(slot)
    return true
  }

  mutating func removeAll() {
    heap.removeAll(keepingCapacity: true)
    kinds.removeAll(keepingCapacity: true)
    free.removeAll(keepingCapacity: true)
  }

  /// Moves the kind out of `slot` and frees the slot.
  private mutating func take(_ slot: Int) -> SimEvent.Kind {
    let kind = kinds.withUnsafeMutableBufferPointer { buf -> SimEvent.Kind in
      let p = buf.baseAddress! + slot  // safe: every slot in the heap is an index of `kinds`
      let kind = p.move()
      p.initialize(to: Self.vacant)
      return kind
    }
    free.append(slot)
    return kind
  }

  /// Moves the entry at `start` up to its place.
  private mutating func siftUp(from start: Int) {
    heap.withUnsafeMutableBufferPointer { buf in
      guard let base = buf.baseAddress else { return }
      var i = start
      let moving = base[i]
      while i > 0 {
        let p = (i &- 1) / 2
        if !Self.precedes(moving, base[p]) { break }
        base[i] = base[p]
        i = p
      }
      base[i] = moving
    }
  }

  /// Fills the hole at `hole` with `entry`, moving smaller children up.
  private mutating func siftDown(placing entry: Entry, from hole: Int) {
    heap.withUnsafeMutableBufferPointer { buf in
      let base = buf.baseAddress!  // safe: called with a hole inside the heap
      let n = buf.count
      var i = hole
      while true {
        let l = 2 &* i &+ 1
        if l >= n { break }
        var c = l
        if l &+ 1 < n && Self.precedes(base[l &+ 1], base[l]) { c = l &+ 1 }
        if !Self.precedes(base[c], entry) { break }
        base[i] = base[c]
        i = c
      }
      base[i] = entry
    }
  }
}
