/// A minimal binary min-heap; the scheduler's event queue.
struct BinaryHeap<Element> {
  private(set) var storage: [Element] = []
  private let less: (Element, Element) -> Bool

  init(less: @escaping (Element, Element) -> Bool) { self.less = less }

  var isEmpty: Bool { storage.isEmpty }
  var count: Int { storage.count }
  var min: Element? { storage.first }

  mutating func insert(_ e: Element) {
    storage.append(e)
    var i = storage.count - 1
    while i > 0 {
      let p = (i - 1) / 2
      if !less(storage[i], storage[p]) { break }
      storage.swapAt(i, p)
      i = p
    }
  }

  mutating func popMin() -> Element? {
    guard !storage.isEmpty else { return nil }
    if storage.count == 1 { return storage.removeLast() }
    let top = storage[0]
    storage[0] = storage.removeLast()
    var i = 0
    let n = storage.count
    while true {
      let l = 2 * i + 1
      if l >= n { break }
      let r = l + 1
      var c = l
      if r < n && less(storage[r], storage[l]) { c = r }
      if !less(storage[c], storage[i]) { break }
      storage.swapAt(c, i)
      i = c
    }
    return top
  }

  mutating func removeAll() { storage.removeAll(keepingCapacity: true) }
}
