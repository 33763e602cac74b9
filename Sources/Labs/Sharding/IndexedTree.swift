import DistLab

/// A sequence kept as a balanced tree (a treap ordered by position), so that reading, writing
/// and inserting at any index, and finding where a sorted sequence's elements stop passing a
/// test, each cost O(log n). A range table that splits at random keys hundreds of thousands of
/// times grows this way in O(n log n) instead of moving half the table on every split.
///
/// Nodes live in one array addressed by `Int32`, so the tree is a value with no per-node
/// allocation, and a node's place in that array (its handle) never changes; its balancing
/// priorities come from a fixed-seed generator, so the same inserts give the same shape.
struct IndexedTree<Element>: RandomAccessCollection {
  private struct Node {
    var left: Int32 = -1
    var right: Int32 = -1
    var size: Int32 = 1
    var priority: UInt32
  }
  private var nodes: [Node] = []
  private var values: [Element] = []
  private var root: Int32 = -1
  private var random = SeededRandom(seed: 0x7265_6170, stream: 1)

  init() {}

  init(_ elements: [Element]) {
    for e in elements { append(e) }
  }

  var count: Int { root < 0 ? 0 : Int(nodes[Int(root)].size) }
  var startIndex: Int { 0 }
  var endIndex: Int { count }

  @inline(__always)
  private func size(_ t: Int32) -> Int { t < 0 ? 0 : Int(nodes[Int(t)].size) }

  @inline(__always)
  private mutating func resize(_ t: Int32) {
    nodes[Int(t)].size = Int32(1 + size(nodes[Int(t)].left) + size(nodes[Int(t)].right))
  }

  /// The handle of the node at position `i`.
  private func node(at i: Int) -> Int {
    precondition(i >= 0 && i < count, "index out of range")
    var t = Int(root)
    var k = i
    while true {
      let l = size(nodes[t].left)
      if k < l {
        t = Int(nodes[t].left)
      } else if k == l {
        return t
      } else {
        k -= l + 1
        t = Int(nodes[t].right)
      }
    }
  }

  subscript(i: Int) -> Element {
    get { values[node(at: i)] }
    // In place, so that `ranges[i].keys.append(k)` never copies the element's storage.
    _modify {
      let t = node(at: i)
      yield &values[t]
    }
  }

  /// The element a handle from `lastPassing` names (a handle stays valid for the tree's life).
  subscript(handle h: Int) -> Element {
    get { values[h] }
    _modify { yield &values[h] }
  }

  mutating func append(_ e: Element) { insert(e, at: count) }

  mutating func insert(_ e: Element, at i: Int) {
    precondition(i >= 0 && i <= count, "index out of range")
    let t = Int32(nodes.count)
    nodes.append(Node(priority: UInt32(truncatingIfNeeded: random.next())))
    values.append(e)
    let (a, b) = split(root, i)
    root = merge(merge(a, t), b)
  }

  /// The position and handle of the last element that passes `isBefore`, which must hold for a
  /// prefix of the sequence and fail for the rest (as "lower bound ≤ key" does over ranges in
  /// key order); nil when none passes. One walk from the root: O(log n).
  func lastPassing(_ isBefore: (Element) -> Bool) -> (index: Int, handle: Int)? {
    var t = root
    var passed = 0
    var found: Int32 = -1
    while t >= 0 {
      let n = nodes[Int(t)]
      if isBefore(values[Int(t)]) {
        passed += size(n.left) + 1
        found = t
        t = n.right
      } else {
        t = n.left
      }
    }
    return found < 0 ? nil : (passed - 1, Int(found))
  }

  /// The tree `t` cut into its first `k` elements and the rest.
  private mutating func split(_ t: Int32, _ k: Int) -> (Int32, Int32) {
    guard t >= 0 else { return (-1, -1) }
    let n = Int(t)
    let l = size(nodes[n].left)
    if k <= l {
      let (a, b) = split(nodes[n].left, k)
      nodes[n].left = b
      resize(t)
      return (a, t)
    }
    let (a, b) = split(nodes[n].right, k - l - 1)
    nodes[n].right = a
    resize(t)
    return (t, b)
  }

  /// `a`'s elements followed by `b`'s, as one tree.
  private mutating func merge(_ a: Int32, _ b: Int32) -> Int32 {
    guard a >= 0 else { return b }
    guard b >= 0 else { return a }
    if nodes[Int(a)].priority > nodes[Int(b)].priority {
      nodes[Int(a)].right = merge(nodes[Int(a)].right, b)
      resize(a)
      return a
    }
    nodes[Int(b)].left = merge(a, nodes[Int(b)].left)
    resize(b)
    return b
  }
}

extension IndexedTree: Sendable where Element: Sendable {}

extension IndexedTree: Equatable where Element: Equatable {
  static func == (a: IndexedTree, b: IndexedTree) -> Bool { a.elementsEqual(b) }
}
