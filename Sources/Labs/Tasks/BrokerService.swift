import DistLab

/// The broker: named FIFO queues, delivery to consumers that ask (`BRPOP`), acknowledgement,
/// reject with requeue, and Redis's ack emulation — every delivered message is held unacked
/// with its delivery time until it is acked, and a restore call (which the workers make, as
/// kombu's do) pushes those unacked longer than the visibility timeout back to the front of
/// their queue, marked redelivered. Queues and unacked messages live on the node's disk, so
/// a `kill` and `restart` keep them; `kill --wipe` loses them.
public final class BrokerService: StartingService {
  var queues: [String: MessageQueue] = [:]
  /// Delivered and not yet acknowledged, by delivery tag.
  var unacked: [Int64: Unacked] = [:]
  var nextTag: Int64 = 1
  var nextKey: Int64 = 1
  /// Consumers waiting in a `BRPOP`, oldest first.
  var waiting: [Waiter] = []
  var published = 0
  var delivered = 0
  var restored = 0

  struct Unacked {
    var message: QueuedMessage
    var queue: String
    var deliveredAt: Nanoseconds
    var consumer: NodeID
    /// The disk record the message has had since it was published, now saying it is unacked.
    var diskKey: String
  }

  struct Waiter {
    var request: Request
    var queues: [String]
    var timer: TimerHandle
  }

  public init() {}

  public static let methods: [ServiceMethod<BrokerService>] = [
    ServiceMethod("broker.publish", [ArgumentSpec("MESSAGE", .map)], "puts a task message at the back of its queue") {
      b, r, node in
      guard let message = QueuedMessage(r.args[0]) else { return .error("not a task message") }
      b.push(message, front: false, node: node)
      b.published += 1
      return .value([.int(Int64(b.queues[message.queue]?.count ?? 0))])
    },
    ServiceMethod(
      "broker.fetch", [ArgumentSpec("QUEUES", .list)],
      "BRPOP: the front message of the first non-empty queue, held unacked; waits up to 1s for one"
    ) { b, r, node in
      let names = (r.args[0].listValue ?? []).compactMap(\.stringValue)
      if let answer = b.deliver(names, to: r.caller, node: node) { return answer }
      let timer = node.after(TaskDefaults.brpopTimeout) { node in b.expire(r, node: node) }
      b.waiting.append(Waiter(request: r, queues: names, timer: timer))
      return .later
    },
    ServiceMethod("broker.ack", [ArgumentSpec("TAG", .int)], "the message is done with: forget it") { b, r, node in
      b.forget(r.args[0].intValue ?? 0, node: node)
      return .value([])
    },
    ServiceMethod(
      "broker.reject", [ArgumentSpec("TAG", .int), ArgumentSpec("REQUEUE", .bool)],
      "forget the message, or with REQUEUE put it at the back of its queue"
    ) { b, r, node in
      let tag = r.args[0].intValue ?? 0
      if r.args[1] == .bool(true), let u = b.unacked[tag] {
        b.forget(tag, node: node)
        b.push(u.message.redelivered, front: false, node: node)
      } else {
        b.forget(tag, node: node)
      }
      return .value([])
    },
    ServiceMethod(
      "broker.restore", [ArgumentSpec("VISIBILITY", .duration)],
      "puts messages unacked longer than VISIBILITY back at the front of their queues, redelivered"
    ) { b, r, node in
      .value([.int(Int64(b.restore(olderThan: Nanoseconds(r.args[0].intValue ?? 0), node: node)))])
    },
    ServiceMethod("broker.stats", [], "queue lengths and the unacked messages") { b, _, _ in
      .value([b.stats])
    },
  ]

  public func start(_ node: ProgramNode) { load(node.disk) }

  public func metrics() -> [(String, Double)] {
    [
      ("queued", Double(queues.values.reduce(0) { $0 + $1.count })), ("unacked", Double(unacked.count)),
      ("published", Double(published)), ("delivered", Double(delivered)), ("restored", Double(restored)),
    ]
  }

  // MARK: Queues

  func push(_ message: QueuedMessage, front: Bool, node: ProgramNode) {
    // Keys only have to differ from those on the disk, so the counter is not written: a
    // restart starts it past the highest key there.
    let key = "m:\(nextKey)"
    nextKey += 1
    // In place: a copy of the queue out of the table would copy every message on each push.
    let position =
      front
      ? queues[message.queue, default: MessageQueue()].pushFront(message, diskKey: key)
      : queues[message.queue, default: MessageQueue()].pushBack(message, diskKey: key)
    node.disk[key] = .map(["position": .int(position), "message": message.value])
    wake(node)
  }

  /// Serves waiting consumers, oldest first, while their queues hold messages.
  func wake(_ node: ProgramNode) {
    var k = 0
    while k < waiting.count {
      let w = waiting[k]
      if let answer = deliver(w.queues, to: w.request.caller, node: node) {
        waiting.remove(at: k)
        node.cancel(w.timer)
        node.answer(w.request, answer)
      } else {
        k += 1
      }
    }
  }

  /// Pops the front message of the first of `names` that has one and holds it unacked.
  func deliver(_ names: [String], to consumer: NodeID, node: ProgramNode) -> Answer? {
    for name in names {
      guard let item = queues[name]?.popFront() else { continue }
      let tag = nextTag
      nextTag += 1
      node.disk["next-tag"] = .int(nextTag)
      let u = Unacked(
        message: item.message, queue: name, deliveredAt: node.now, consumer: consumer, diskKey: item.diskKey)
      unacked[tag] = u
      // The message's record is rewritten in place, from queued to unacked: one write, and the
      // disk holds one record per message however often it is delivered.
      node.disk[item.diskKey] = Self.diskValue(u, tag: tag)
      delivered += 1
      return .value([item.message.value, .int(tag)])
    }
    return nil
  }

  func expire(_ request: Request, node: ProgramNode) {
    guard
      let k = waiting.firstIndex(where: { $0.request.caller == request.caller && $0.request.callID == request.callID })
    else { return }
    waiting.remove(at: k)
    node.answer(request, .value([]))
  }

  func forget(_ tag: Int64, node: ProgramNode) {
    guard let u = unacked.removeValue(forKey: tag) else { return }
    node.disk[u.diskKey] = nil
  }

  /// kombu's `restore_visible`: the unacked messages delivered at least `visibility` ago, newest
  /// first, each pushed at the front — so the oldest ends up first in line.
  func restore(olderThan visibility: Nanoseconds, node: ProgramNode) -> Int {
    let ceiling = node.now - visibility
    let due = unacked.filter { $0.value.deliveredAt <= ceiling }.sorted {
      ($0.value.deliveredAt, $0.key) > ($1.value.deliveredAt, $1.key)
    }
    for (tag, u) in due {
      forget(tag, node: node)
      push(u.message.redelivered, front: true, node: node)
    }
    restored += due.count
    return due.count
  }

  /// `{queues: {celery: 3}, unacked: [{tag, id, task, consumer, delivered}]}`.
  var stats: Value {
    let names = queues.keys.sorted()
    let lengths = Value.map(names.map { MapEntry(.string($0), .int(Int64(queues[$0]?.count ?? 0))) })
    let held = unacked.keys.sorted().compactMap { tag -> Value? in
      guard let u = unacked[tag] else { return nil }
      return .map([
        "tag": .int(tag), "id": .string(u.message.id), "task": .string(u.message.task), "queue": .string(u.queue),
        "consumer": .int(Int64(u.consumer.number)), "delivered": .int(u.deliveredAt.value),
      ])
    }
    return .map(["queues": lengths, "unacked": .list(held)])
  }

  // MARK: Disk

  /// An unacked message's record: the message, its tag, and where and when it was delivered.
  static func diskValue(_ u: Unacked, tag: Int64) -> Value {
    .map([
      "message": u.message.value, "tag": .int(tag), "queue": .string(u.queue), "at": .int(u.deliveredAt.value),
      "consumer": .int(Int64(u.consumer.number)),
    ])
  }

  /// Rebuilds the queues and the unacked table from the disk (after a restart). A record with
  /// a tag is unacked; one without waits in its queue at its position. Records under `u:`
  /// are unacked messages as older brokers kept them.
  func load(_ disk: NodeDisk) {
    nextTag = disk["next-tag"]?.intValue ?? 1
    var items: [String: [MessageQueue.Item]] = [:]
    for key in disk.keys {
      guard let v = disk[key], let m = v["message"].flatMap(QueuedMessage.init) else { continue }
      let number = key.hasPrefix("m:") ? Int64(key.dropFirst(2)) : nil
      if let number { nextKey = max(nextKey, number + 1) }
      let olderTag = key.hasPrefix("u:") ? Int64(key.dropFirst(2)) : nil
      if let tag = olderTag ?? (number != nil ? v["tag"]?.intValue : nil) {
        unacked[tag] = Unacked(
          message: m, queue: v["queue"]?.stringValue ?? m.queue, deliveredAt: Nanoseconds(v["at"]?.intValue ?? 0),
          consumer: NodeID(Int(v["consumer"]?.intValue ?? 0)), diskKey: key)
      } else if number != nil, let position = v["position"]?.intValue {
        items[m.queue, default: []].append(MessageQueue.Item(position: position, diskKey: key, message: m))
      }
    }
    for (name, list) in items { queues[name] = MessageQueue(restoring: list) }
  }
}
