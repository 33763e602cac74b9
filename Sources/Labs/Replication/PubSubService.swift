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
    /// The subscriber handles messages slowly and says when it is ready for the next.
    var paced = false
  }
  var subscriptions: [String: [Subscription]] = [:]
  /// Durable subscribers' next offset to deliver, by topic and node.
  var acked: [String: [Int: Int]] = [:]
  /// The next group member to get a message, by topic and group.
  var turn: [String: Int] = [:]
  var published = 0
  var flow = PubSubFlow()
  /// A paced subscriber's messages waiting to be sent, oldest first.
  var backlog: [NodeID: [(topic: String, offset: Int, message: Value)]] = [:]
  /// Paced subscribers with a message sent and not yet handled.
  var busy: Set<NodeID> = []
  /// Messages dropped for each paced subscriber whose buffer was full.
  var dropped: [NodeID: Int] = [:]
  /// Publishes waiting for room (block): answered once their message is in the log.
  var held: [(request: Request, topic: String, message: Value)] = []

  public init() {}

  public static let methods: [ServiceMethod<PubSubBroker>] = [
    ServiceMethod(
      "pubsub.publish", [ArgumentSpec("TOPIC", .key), ArgumentSpec("MESSAGE", .value)], "appends and fans out"
    ) { b, r, node in
      let topic = r.key(0)
      if b.flow.block && (!b.held.isEmpty || b.isFull(topic)) {
        b.held.append((r, topic, r.args[1]))
        return .later
      }
      return .value([.int(Int64(b.append(topic, r.args[1], node: node)))])
    },
    ServiceMethod(
      "pubsub.subscribe",
      [
        ArgumentSpec("TOPIC", .key), ArgumentSpec("DURABLE", .bool), ArgumentSpec("GROUP", .value),
        ArgumentSpec("PACED", .bool, optional: true),
      ],
      "subscribes the caller; a durable subscriber is sent what it has not acknowledged"
    ) { b, r, node in
      let topic = r.key(0)
      var sub = Subscription(node: r.caller, durable: r.args[1] == .bool(true), group: r.args[2].stringValue)
      sub.paced = r.args.count > 3 && r.args[3] == .bool(true)
      b.restarted(r.caller, resuming: sub.durable ? topic : nil, node: node)
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
      b.restarted(r.caller, resuming: r.key(0), node: node)
      b.resume(r.key(0), r.caller, node: node)
      return .value([])
    },
    ServiceMethod("pubsub.ready", [], "a paced subscriber has handled its message and takes the next") {
      b, r, node in
      b.ready(r.caller, node: node)
      return .value([])
    },
    ServiceMethod(
      "pubsub.flow", [ArgumentSpec("BUFFER", .int), ArgumentSpec("BLOCK", .bool)],
      "sets a paced subscriber's buffer and what a full one does: drop the message, or block the publisher"
    ) { b, r, node in
      b.flow = PubSubFlow(buffer: max(1, Int(r.args[0].intValue ?? 1)), block: r.args[1] == .bool(true))
      node.disk["flow"] = b.flow.value
      return .value([])
    },
    ServiceMethod("pubsub.stats", [], "each subscription: topic, node, paced, backlog, dropped; held publishes") {
      b, _, _ in
      .value([b.stats])
    },
  ]

  public func start(_ node: ProgramNode) {
    flow = node.disk["flow"].flatMap(PubSubFlow.init) ?? PubSubFlow()
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
            Subscription(
              node: NodeID(Int($0)), durable: v["durable"] == .bool(true), group: v["group"]?.stringValue,
              paced: v["paced"] == .bool(true))
          }
        }
      }
    }
  }

  public func metrics() -> [(String, Double)] {
    [
      ("topics", Double(logs.count)), ("published", Double(published)),
      ("dropped", Double(dropped.values.reduce(0, +))), ("held", Double(held.count)),
    ]
  }

  func saveSubscriptions(_ node: ProgramNode) {
    for (topic, subs) in subscriptions {
      node.disk["subs:" + topic] = .list(
        subs.map {
          .map([
            "node": .int(Int64($0.node.number)), "durable": .bool($0.durable),
            "group": $0.group.map(Value.string) ?? .null, "paced": .bool($0.paced),
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
        deliver(topic, offset, message, to: s, node: node)
      }
    }
    for g in groups.keys.sorted() {
      guard let members = groups[g], !members.isEmpty else { continue }
      let k = turn[topic + "/" + g, default: 0]
      turn[topic + "/" + g] = k + 1
      deliver(topic, offset, message, to: members[k % members.count], node: node)
    }
  }

  /// Sends a durable subscriber every message from its last acknowledged offset on.
  func resume(_ topic: String, _ subscriber: NodeID, node: ProgramNode) {
    let log = logs[topic] ?? []
    let from = acked[topic]?[subscriber.number] ?? 0
    guard from < log.count else { return }
    let sub = subscriptions[topic]?.first { $0.node == subscriber } ?? Subscription(node: subscriber, durable: true)
    for offset in from..<log.count { deliver(topic, offset, log[offset], to: sub, node: node, resuming: true) }
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
      guard let pace = node.disk["pace"]?.intValue, pace > 0 else {
        s.handle(r, node: node)
        return .value([])
      }
      // A slow subscriber: the message is handled after its pace, and then the broker hears
      // that it is ready for the next one. Killed before then, it never handled it.
      _ = node.after(Nanoseconds(pace)) { [unowned s] node in
        s.handle(r, node: node)
        node.tell(r.caller, "pubsub.ready")
      }
      return .value([])
    },
    ServiceMethod(
      "sub.follow",
      [
        ArgumentSpec("BROKER", .int), ArgumentSpec("TOPIC", .key), ArgumentSpec("DURABLE", .bool),
        ArgumentSpec("GROUP", .value), ArgumentSpec("PACE", .int, optional: true),
      ],
      "subscribes this node to a topic; PACE, in nanoseconds, is how long it takes over each message"
    ) { s, r, node in
      let broker = NodeID(Int(r.args[0].intValue ?? 0))
      if r.args[2] == .bool(true) { node.disk["durable:" + r.key(1)] = r.args[0] }
      var args = [r.args[1], r.args[2], r.args[3]]
      if r.args.count > 4, let pace = r.args[4].intValue, pace > 0 {
        node.disk["pace"] = .int(pace)
        args.append(.bool(true))
      }
      node.call(broker, "pubsub.subscribe", args) { _, _ in }
      return .value([])
    },
  ]

  /// Records a message (a second copy counts as a duplicate) and acknowledges a durable one.
  func handle(_ r: Request, node: ProgramNode) {
    let id = "got:\(r.key(0))#\(r.args[1].intValue ?? 0)"
    if node.disk[id] != nil {
      duplicates += 1
      node.disk["duplicates"] = .int(Int64(duplicates))
    }
    node.disk[id] = r.args[2]
    received += 1
    node.disk["received"] = .int(Int64(received))
    if let broker = node.disk["durable:" + r.key(0)]?.intValue {
      node.tell(NodeID(Int(broker)), "pubsub.ack", [r.args[0], r.args[1]])
    }
  }

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
