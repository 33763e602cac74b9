import DistLab

/// The publish-subscribe broker: each topic is an append-only log (as Kafka keeps one). A
/// published message is appended and pushed at once to every subscriber of the topic — or, for
/// a consumer group, to one member in turn. A plain subscription is at-most-once: what reaches
/// a subscriber that is down is lost. A durable one remembers the subscriber's last
/// acknowledged offset, and a subscriber that comes back resumes from there. Logs and durable
/// offsets are on the broker's disk.
public final class PubSubBroker: StartingService {
  /// Messages of each topic, offset 0 first.
  var logs: [String: [Value]] = [:]
  struct Subscription: Hashable {
    var node: NodeID
    var durable: Bool
    var group: String?
  }
  var subscriptions: [String: [Subscription]] = [:]
  /// Durable subscribers' next offset to deliver, by topic and node.
  var acked: [String: [Int: Int]] = [:]
  /// The next group member to get a message, by topic and group.
  var turn: [String: Int] = [:]
  var published = 0

  public init() {}

  public static let methods: [ServiceMethod<PubSubBroker>] = [
    ServiceMethod(
      "pubsub.publish", [ArgumentSpec("TOPIC", .key), ArgumentSpec("MESSAGE", .value)], "appends and fans out"
    ) { b, r, node in
      let topic = r.key(0)
      var log = b.logs[topic] ?? []
      let offset = log.count
      log.append(r.args[1])
      b.logs[topic] = log
      node.disk["log:" + topic] = .list(log)
      b.published += 1
      b.fanOut(topic, offset: offset, node: node)
      return .value([.int(Int64(offset))])
    },
    ServiceMethod(
      "pubsub.subscribe", [ArgumentSpec("TOPIC", .key), ArgumentSpec("DURABLE", .bool), ArgumentSpec("GROUP", .value)],
      "subscribes the caller; a durable subscriber is sent what it has not acknowledged"
    ) { b, r, node in
      let topic = r.key(0)
      let sub = Subscription(node: r.caller, durable: r.args[1] == .bool(true), group: r.args[2].stringValue)
      var subs = b.subscriptions[topic] ?? []
      subs.removeAll { $0.node == sub.node }
      subs.append(sub)
      b.subscriptions[topic] = subs
      b.saveSubscriptions(node)
      if sub.durable { b.resume(topic, sub.node, node: node) }
      return .value([])
    },
    ServiceMethod(
      "pubsub.ack", [ArgumentSpec("TOPIC", .key), ArgumentSpec("OFFSET", .int)], "a durable subscriber has it"
    ) { b, r, node in
      let topic = r.key(0)
      let next = Int(r.args[1].intValue ?? 0) + 1
      var offsets = b.acked[topic] ?? [:]
      offsets[r.caller.number] = max(offsets[r.caller.number] ?? 0, next)
      b.acked[topic] = offsets
      node.disk["acked:" + topic] = .map(
        offsets.keys.sorted().map { MapEntry(.int(Int64($0)), .int(Int64(offsets[$0] ?? 0))) })
      return .value([])
    },
    ServiceMethod("pubsub.resume", [ArgumentSpec("TOPIC", .key)], "sends a durable subscriber what it lacks") {
      b, r, node in
      b.resume(r.key(0), r.caller, node: node)
      return .value([])
    },
  ]

  public func start(_ node: ProgramNode) {
    for key in node.disk.keys {
      if key.hasPrefix("log:") {
        logs[String(key.dropFirst(4))] = node.disk[key]?.listValue ?? []
      } else if key.hasPrefix("acked:"), case .map(let entries)? = node.disk[key] {
        var offsets: [Int: Int] = [:]
        for e in entries { if let n = e.key.intValue, let o = e.value.intValue { offsets[Int(n)] = Int(o) } }
        acked[String(key.dropFirst(6))] = offsets
      } else if key.hasPrefix("subs:") {
        subscriptions[String(key.dropFirst(5))] = (node.disk[key]?.listValue ?? []).compactMap { v in
          v["node"]?.intValue.map {
            Subscription(node: NodeID(Int($0)), durable: v["durable"] == .bool(true), group: v["group"]?.stringValue)
          }
        }
      }
    }
  }

  public func metrics() -> [(String, Double)] {
    [("topics", Double(logs.count)), ("published", Double(published))]
  }

  func saveSubscriptions(_ node: ProgramNode) {
    for (topic, subs) in subscriptions {
      node.disk["subs:" + topic] = .list(
        subs.map {
          .map([
            "node": .int(Int64($0.node.number)), "durable": .bool($0.durable),
            "group": $0.group.map(Value.string) ?? .null,
          ])
        })
    }
  }

  /// Pushes one message to every plain or durable subscriber, and to one member of each group.
  func fanOut(_ topic: String, offset: Int, node: ProgramNode) {
    guard let message = logs[topic]?[offset] else { return }
    let subs = subscriptions[topic] ?? []
    var groups: [String: [Subscription]] = [:]
    for s in subs {
      if let g = s.group {
        groups[g, default: []].append(s)
      } else {
        deliver(topic, offset, message, to: s.node, node: node)
      }
    }
    for g in groups.keys.sorted() {
      guard let members = groups[g], !members.isEmpty else { continue }
      let k = turn[topic + "/" + g, default: 0]
      turn[topic + "/" + g] = k + 1
      deliver(topic, offset, message, to: members[k % members.count].node, node: node)
    }
  }

  func deliver(_ topic: String, _ offset: Int, _ message: Value, to: NodeID, node: ProgramNode) {
    node.tell(to, "sub.deliver", [.string(topic), .int(Int64(offset)), message])
  }

  /// Sends a durable subscriber every message from its last acknowledged offset on.
  func resume(_ topic: String, _ subscriber: NodeID, node: ProgramNode) {
    let log = logs[topic] ?? []
    let from = acked[topic]?[subscriber.number] ?? 0
    guard from < log.count else { return }
    for offset in from..<log.count { deliver(topic, offset, log[offset], to: subscriber, node: node) }
  }
}

/// A subscriber: it records each message it receives on its disk (so that counts survive a
/// restart and a message received twice shows), acknowledges each message of a durable
/// subscription, and on restart asks the broker to resume every durable subscription it had.
public final class Subscriber: StartingService {
  var received = 0
  var duplicates = 0

  public init() {}

  public static let methods: [ServiceMethod<Subscriber>] = [
    ServiceMethod(
      "sub.deliver", [ArgumentSpec("TOPIC", .key), ArgumentSpec("OFFSET", .int), ArgumentSpec("MESSAGE", .value)],
      "a message from the broker"
    ) { s, r, node in
      let id = "got:\(r.key(0))#\(r.args[1].intValue ?? 0)"
      if node.disk[id] != nil {
        s.duplicates += 1
        node.disk["duplicates"] = .int(Int64(s.duplicates))
      }
      node.disk[id] = r.args[2]
      s.received += 1
      node.disk["received"] = .int(Int64(s.received))
      if let broker = node.disk["durable:" + r.key(0)]?.intValue {
        node.tell(NodeID(Int(broker)), "pubsub.ack", [r.args[0], r.args[1]])
      }
      return .value([])
    },
    ServiceMethod(
      "sub.follow",
      [
        ArgumentSpec("BROKER", .int), ArgumentSpec("TOPIC", .key), ArgumentSpec("DURABLE", .bool),
        ArgumentSpec("GROUP", .value),
      ],
      "subscribes this node to a topic"
    ) { s, r, node in
      let broker = NodeID(Int(r.args[0].intValue ?? 0))
      if r.args[2] == .bool(true) { node.disk["durable:" + r.key(1)] = r.args[0] }
      node.call(broker, "pubsub.subscribe", [r.args[1], r.args[2], r.args[3]]) { _, _ in }
      return .value([])
    },
  ]

  public func start(_ node: ProgramNode) {
    received = Int(node.disk["received"]?.intValue ?? 0)
    duplicates = Int(node.disk["duplicates"]?.intValue ?? 0)
    for key in node.disk.keys where key.hasPrefix("durable:") {
      if let broker = node.disk[key]?.intValue {
        node.call(NodeID(Int(broker)), "pubsub.resume", [.string(String(key.dropFirst(8)))]) { _, _ in }
      }
    }
  }

  public func metrics() -> [(String, Double)] {
    [("messages", Double(received)), ("duplicates", Double(duplicates))]
  }
}
