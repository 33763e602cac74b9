/// Per-node counts that find the smallest (ties: the lowest position) in O(1) and change one
/// count in O(log n): a tournament tree over the counts. A range table that splits hundreds of
/// thousands of times over many nodes asks for the least-loaded node at every split.
struct LeastLoaded: Sendable, Equatable {
  private(set) var counts: [Int]
  /// `winner[k]`: the position with the smallest count under tree node k (leaves from `leaves`).
  private var winner: [Int]
  private let leaves: Int

  init(_ counts: [Int]) {
    self.counts = counts
    var width = 1
    while width < max(1, counts.count) { width *= 2 }
    leaves = width
    winner = [Int](repeating: -1, count: 2 * width)
    for i in counts.indices { winner[width + i] = i }
    for k in stride(from: width - 1, through: 1, by: -1) { winner[k] = better(winner[2 * k], winner[2 * k + 1]) }
  }

  private func better(_ a: Int, _ b: Int) -> Int {
    guard a >= 0 else { return b }
    guard b >= 0 else { return a }
    return counts[b] < counts[a] ? b : a
  }

  /// The position holding the fewest (the first of equals).
  var least: Int { max(0, winner[1]) }

  subscript(i: Int) -> Int {
    get { counts[i] }
    set {
      counts[i] = newValue
      var k = (leaves + i) / 2
      while k >= 1 {
        winner[k] = better(winner[2 * k], winner[2 * k + 1])
        k /= 2
      }
    }
  }
}
