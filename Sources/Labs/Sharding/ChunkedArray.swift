/// An array that stays fast to insert into the middle of when it holds hundreds of thousands
/// of elements: it keeps its elements in chunks of at most `maxChunk`, so an insert moves at
/// most one chunk's elements and a few chunk offsets instead of everything after it. A range
/// table that splits at random keys grows this way.
struct ChunkedArray<Element>: RandomAccessCollection {
  static var maxChunk: Int { 1024 }

  private var chunks: [[Element]] = [[]]
  /// `starts[c]`: the index of chunk `c`'s first element.
  private var starts: [Int] = [0]
  private(set) var count = 0

  init() {}

  init(_ elements: [Element]) {
    for e in elements { append(e) }
  }

  var startIndex: Int { 0 }
  var endIndex: Int { count }

  /// The chunk holding index `i` (the last chunk whose start is at or before it).
  private func chunk(of i: Int) -> Int {
    var lo = 0
    var hi = starts.count
    while lo < hi {
      let mid = (lo + hi) >> 1
      if starts[mid] <= i { lo = mid + 1 } else { hi = mid }
    }
    return Swift.max(0, lo - 1)
  }

  subscript(i: Int) -> Element {
    get {
      let c = chunk(of: i)
      return chunks[c][i - starts[c]]
    }
    // In place, so that `ranges[i].keys.append(k)` never copies the element's storage.
    _modify {
      let c = chunk(of: i)
      yield &chunks[c][i - starts[c]]
    }
  }

  mutating func append(_ e: Element) { insert(e, at: count) }

  mutating func insert(_ e: Element, at i: Int) {
    precondition(i >= 0 && i <= count, "index out of range")
    // An insert at a chunk's start goes to the end of the chunk before, keeping chunks full.
    var c = chunk(of: i)
    if c > 0 && i == starts[c] { c -= 1 }
    chunks[c].insert(e, at: i - starts[c])
    count += 1
    for k in (c + 1)..<starts.count { starts[k] += 1 }
    if chunks[c].count > Self.maxChunk {
      let half = chunks[c].count / 2
      let upper = Array(chunks[c][half...])
      chunks[c].removeLast(chunks[c].count - half)
      chunks.insert(upper, at: c + 1)
      starts.insert(starts[c] + half, at: c + 1)
    }
  }
}

extension ChunkedArray: Sendable where Element: Sendable {}

extension ChunkedArray: Equatable where Element: Equatable {
  static func == (a: ChunkedArray, b: ChunkedArray) -> Bool { a.elementsEqual(b) }
}
