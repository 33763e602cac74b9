import DistLab

/// One named queue on the broker, front first: Redis's list, which a publish `LPUSH`es at the
/// back and a consumer's `BRPOP` takes from the front. A restored message is pushed back at
/// the front (kombu's `RPUSH`), a rejected-and-requeued one at the back (`LPUSH`). Each
/// message keeps its position, so the order can be rebuilt from the broker's disk.
struct MessageQueue {
  struct Item {
    var position: Int64
    var diskKey: String
    var message: QueuedMessage
  }
  /// Pushed at the front, the next to leave last.
  private var front: [Item] = []
  private var back: [Item] = []
  private var head = 0
  private(set) var lowest: Int64 = 0
  private(set) var highest: Int64 = 0

  var count: Int { front.count + back.count - head }
  var isEmpty: Bool { count == 0 }

  mutating func pushBack(_ message: QueuedMessage, diskKey: String) -> Int64 {
    highest += 1
    back.append(Item(position: highest, diskKey: diskKey, message: message))
    return highest
  }

  mutating func pushFront(_ message: QueuedMessage, diskKey: String) -> Int64 {
    lowest -= 1
    front.append(Item(position: lowest, diskKey: diskKey, message: message))
    return lowest
  }

  mutating func popFront() -> Item? {
    if let item = front.popLast() { return item }
    guard head < back.count else { return nil }
    let item = back[head]
    head += 1
    if head > 1024 && head * 2 > back.count {
      back.removeFirst(head)
      head = 0
    }
    return item
  }

  /// The items front first (for `inspect` and the queue view).
  var items: [Item] { front.reversed() + back[head...] }

  /// A queue rebuilt from its items in any order.
  init(restoring items: [Item] = []) {
    back = items.sorted { $0.position < $1.position }
    lowest = min(0, back.first?.position ?? 0)
    highest = max(0, back.last?.position ?? 0)
  }
}
