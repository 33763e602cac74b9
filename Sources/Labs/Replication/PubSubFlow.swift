import DistLab

/// What the broker does for a slow subscriber: how many messages may wait for it, and whether a
/// full buffer drops the new message for that subscriber (as a NATS server does with a slow
/// consumer) or blocks the publisher until there is room (back-pressure, as RabbitMQ's flow
/// control does).
public struct PubSubFlow: Hashable, Sendable {
  public var buffer = 100
  public var block = false

  public init(buffer: Int = 100, block: Bool = false) {
    self.buffer = buffer
    self.block = block
  }

  var value: Value { .map(["buffer": .int(Int64(buffer)), "block": .bool(block)]) }

  init?(_ v: Value) {
    guard let b = v["buffer"]?.intValue, b >= 1 else { return nil }
    self.init(buffer: Int(b), block: v["block"] == .bool(true))
  }
}

/// The broker's flow control for paced subscribers.
extension PubSubBroker {
  /// Appends a message to the topic's log and fans it out; its offset.
  func append(_ topic: String, _ message: Value, node: ProgramNode) -> Int {
    var log = logs[topic] ?? []
    let offset = log.count
    log.append(message)
    logs[topic] = log
    node.disk["log:" + topic] = .list(log)
    published += 1
    fanOut(topic, offset: offset, node: node)
    return offset
  }

  /// Whether a paced subscriber of `topic` has no room for one more message.
  func isFull(_ topic: String) -> Bool {
    (subscriptions[topic] ?? []).contains { $0.paced && (backlog[$0.node]?.count ?? 0) >= flow.buffer }
  }

  /// Sends a message to a subscriber: at once, unless it is paced and busy; then into its
  /// buffer, or, when that is full, dropped (a resumed durable subscriber's catch-up is never
  /// dropped: it is the log's to give).
  func deliver(
    _ topic: String, _ offset: Int, _ message: Value, to sub: Subscription, node: ProgramNode, resuming: Bool = false
  ) {
    guard sub.paced, busy.contains(sub.node) else {
      if sub.paced { busy.insert(sub.node) }
      node.tell(sub.node, "sub.deliver", [.string(topic), .int(Int64(offset)), message])
      return
    }
    var queue = backlog[sub.node] ?? []
    guard queue.count < flow.buffer || resuming || flow.block else {
      dropped[sub.node, default: 0] += 1
      node.event("pubsub.dropped", [.string(topic), .int(Int64(offset)), .int(Int64(sub.node.number))])
      return
    }
    queue.append((topic, offset, message))
    backlog[sub.node] = queue
  }

  /// A paced subscriber handled its message: it gets the next one, and held publishes that
  /// now fit go into the log.
  func ready(_ subscriber: NodeID, node: ProgramNode) {
    busy.remove(subscriber)
    if var queue = backlog[subscriber], !queue.isEmpty {
      let next = queue.removeFirst()
      backlog[subscriber] = queue
      busy.insert(subscriber)
      node.tell(subscriber, "sub.deliver", [.string(next.topic), .int(Int64(next.offset)), next.message])
    }
    while let first = held.first, !isFull(first.topic) {
      held.removeFirst()
      let offset = append(first.topic, first.message, node: node)
      node.answer(first.request, .value([.int(Int64(offset))]))
    }
  }

  /// A subscriber that subscribes or resumes again has restarted: what it was handling is gone.
  func restarted(_ subscriber: NodeID) {
    busy.remove(subscriber)
  }

  /// A subscriber that subscribes or resumes again has restarted: the message it was handling
  /// is gone, and it is ready for its next one. When it resumes `topic` from the log, what
  /// waited for it of that topic is sent again from the log instead.
  func restarted(_ subscriber: NodeID, resuming topic: String?, node: ProgramNode) {
    if let topic { backlog[subscriber]?.removeAll { $0.topic == topic } }
    guard busy.contains(subscriber) else { return }
    ready(subscriber, node: node)
  }

  var stats: Value {
    var rows: [Value] = []
    for topic in subscriptions.keys.sorted() {
      for s in subscriptions[topic] ?? [] {
        rows.append(
          .map([
            "topic": .string(topic), "node": .int(Int64(s.node.number)), "paced": .bool(s.paced),
            "durable": .bool(s.durable), "group": s.group.map(Value.string) ?? .null,
            "backlog": .int(Int64(backlog[s.node]?.count ?? 0)), "dropped": .int(Int64(dropped[s.node] ?? 0)),
          ]))
      }
    }
    return .map([
      "subscriptions": .list(rows), "held": .int(Int64(held.count)), "buffer": .int(Int64(flow.buffer)),
      "block": .bool(flow.block),
    ])
  }
}
