import DistLab
import DistLabReplication

/// `pubsub …`: publish-subscribe with topic logs, durable subscriptions and consumer groups.
enum PubSubCommands {
  static let spec = CommandSpec(
    "pubsub", family: .data, summary: "publish-subscribe: topics as logs, fan-out, durable subscribers, groups",
    details: [
      "A plain subscriber gets what is published while it is up (at most once); a --durable one acknowledges",
      "each message and, restarted, resumes from its last acknowledged offset. Members of a --group share",
      "a topic's messages, one member each. Read what a subscriber got with 'expect sub1.messages == 3'.",
      "A --slow subscriber is sent one message at a time; the rest wait in a buffer of --buffer N, and a",
      "full buffer drops new messages for it or blocks the publisher (--when-full). 'pubsub status' shows it.",
    ],
    example: [
      "pubsub start --subscribers 2", "pubsub subscribe sub1 news", "pubsub subscribe sub2 news --durable",
      "pubsub publish news hello",
    ],
    subcommands: [
      CommandSpec(
        "start", family: .data, summary: "spawn the broker ps and subscribers sub1, sub2, …",
        example: ["pubsub start --subscribers 3"],
        flags: [
          FlagSpec("--subscribers", .count, placeholder: "N", help: "how many subscribers (default 2)"),
          FlagSpec("--buffer", .count, placeholder: "N", help: "messages that may wait for a slow subscriber (100)"),
          FlagSpec(
            "--when-full", .choice(["drop", "block"]), placeholder: "drop|block",
            help: "a full buffer drops the new message for it (default) or blocks the publisher"),
        ],
        action: start),
      CommandSpec(
        "subscribe", family: .data, summary: "a subscriber subscribes to a topic",
        example: ["pubsub start", "pubsub subscribe sub1 news --durable"],
        positionals: [Positional("NODE", .node), Positional("TOPIC", .text)],
        flags: [
          FlagSpec("--durable", help: "acknowledge each message and resume after a restart"),
          FlagSpec("--group", .text, placeholder: "G", help: "share the topic with the group's other members"),
          FlagSpec("--slow", .duration, placeholder: "D", help: "the subscriber takes D over each message"),
        ],
        action: subscribe),
      CommandSpec(
        "publish", family: .data, summary: "publish a message to a topic from the shell",
        example: ["pubsub start", "pubsub publish news hello", "pubsub publish news m --count 5"],
        positionals: [Positional("TOPIC", .text), Positional("MESSAGE", .text)],
        flags: [
          FlagSpec(
            "--count", .count, placeholder: "N", help: "publish MESSAGE1…MESSAGEN, each once the last was answered")
        ],
        action: publish),
      CommandSpec(
        "status", family: .data,
        summary: "ask the broker for each subscription's backlog and drops, and held publishes",
        example: ["pubsub start", "pubsub subscribe sub1 news --slow 100ms", "pubsub status"], action: status),
    ])

  static func started(_ s: ShellSession, _ column: Int) throws(ShellError) -> PubSubClient {
    guard s.pubsub.broker != nil else {
      throw ShellError("no broker yet: 'pubsub start' starts one with subscribers", column: column)
    }
    return s.pubsub
  }

  static func start(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    guard s.pubsub.broker == nil else {
      throw ShellError("pubsub already runs; 'reset' starts over", column: inv.column)
    }
    let count = try inv.flagInt("--subscribers", range: 0...100) ?? 2
    var flow = PubSubFlow()
    flow.buffer = try inv.flagInt("--buffer", range: 1...100_000) ?? flow.buffer
    if let w = inv.flags["--when-full"] {
      guard ["drop", "block"].contains(w.text) else {
        throw ShellError("--when-full is drop or block, not '\(w.text)'", column: w.column)
      }
      flow.block = w.text == "block"
    }
    let made = try attempt(inv.column) { () throws(WorldError) in
      let made = try s.pubsub.start(subscribers: count)
      if flow != PubSubFlow() { _ = try s.pubsub.setFlow(flow) }
      return made
    }
    return .pubsub(.started(made, flow))
  }

  static func subscribe(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let lab = try started(s, inv.column)
    let node = try NodeSet.single(inv.positional[0], in: s.world)
    guard lab.subscribers.contains(node) else {
      throw ShellError("'\(inv.positional[0].text)' is not a subscriber", column: inv.positional[0].column)
    }
    let topic = inv.positional[1].text
    let group = inv.flags["--group"]?.text
    let pace = try inv.flagDuration("--slow")
    if let pace, pace < .milliseconds(1) || pace > .seconds(60) {
      throw ShellError("--slow is between 1ms and 60s", column: inv.flags["--slow"]?.column)
    }
    let outcome = try attempt(inv.column) { () throws(WorldError) in
      try lab.subscribe(node, topic: topic, durable: inv.has("--durable"), group: group, pace: pace)
    }
    return .pubsub(
      .subscribed(node, topic: topic, durable: inv.has("--durable"), group: group, pace: pace, outcome.result))
  }

  static func publish(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let lab = try started(s, inv.column)
    let topic = inv.positional[0].text
    let message = Units.value(inv.positional[1])
    if let count = try inv.flagInt("--count", range: 1...10_000) {
      let messages = (1...count).map { Value.string(inv.positional[1].text + String($0)) }
      let results = try attempt(inv.column) { () throws(WorldError) in
        try lab.publish(topic, messages: messages, cancel: s.cancel)
      }
      return .pubsub(.publishedMany(topic: topic, messages: messages, results))
    }
    let outcome = try attempt(inv.column) { () throws(WorldError) in try lab.publish(topic, message) }
    return .pubsub(.published(topic: topic, message: message, outcome.result))
  }

  static func status(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let lab = try started(s, inv.column)
    let stats = try attempt(inv.column) { () throws(WorldError) in try lab.stats() }
    return .pubsub(.stats(stats))
  }
}

/// What a `pubsub` command did.
public enum PubSubResult: Sendable {
  case started([NodeInfo], PubSubFlow)
  case subscribed(NodeID, topic: String, durable: Bool, group: String?, pace: Nanoseconds?, CallOutcome.Result)
  case published(topic: String, message: Value, CallOutcome.Result)
  /// Each message's outcome and how long its publisher waited.
  case publishedMany(topic: String, messages: [Value], [(CallOutcome.Result, Nanoseconds)])
  /// The broker's answer to `pubsub.stats`; nil when it did not answer.
  case stats(Value?)
}

/// The pub/sub results as text.
struct PubSubRenderer {
  let style: Style
  let view: WorldView

  func render(_ r: PubSubResult) -> String {
    switch r {
    case .started(let nodes, let flow):
      let subs = nodes.dropFirst().map(\.name)
      var text = "started the broker ps" + (subs.isEmpty ? "" : " and subscribers " + NodeSet.compact(subs))
      if flow != PubSubFlow() {
        text +=
          "\na slow subscriber's buffer holds \(flow.buffer) message\(flow.buffer == 1 ? "" : "s"); when full, "
          + (flow.block ? "the publisher waits for room" : "new messages for it are dropped")
      }
      return text
    case .subscribed(let node, let topic, let durable, let group, let pace, let result):
      guard case .value = result else { return style.error("\(view.name(node)) did not answer") }
      var line = "\(view.name(node)) subscribes to \(topic)"
      if durable { line += ", durably (it resumes from its last acknowledged offset)" }
      if let group { line += ", in group \(group)" }
      if let pace { line += ", taking \(pace) over each message" }
      return line
    case .published(let topic, let message, let result):
      switch result {
      case .value(let v): return "published \(message) to \(topic) at offset \(v.first?.description ?? "?")"
      case .error(let e): return style.error("the broker refused: \(e)")
      case .timeout, .interrupted:
        return style.error("the broker did not answer within 1s; the message may or may not be in the log")
      }
    case .publishedMany(let topic, let messages, let results): return many(topic, messages, results)
    case .stats(let stats): return status(stats)
    }
  }

  func many(_ topic: String, _ messages: [Value], _ results: [(CallOutcome.Result, Nanoseconds)]) -> String {
    let offsets = results.compactMap { r -> Int64? in
      guard case .value(let v) = r.0 else { return nil }
      return v.first?.intValue
    }
    let total = results.reduce(Nanoseconds.zero) { $0 + $1.1 }
    let slowest = results.map(\.1).max() ?? .zero
    var text = "published \(offsets.count) of \(messages.count) messages to \(topic)"
    if let first = offsets.first, let last = offsets.last { text += " (offsets \(first)–\(last))" }
    text += " in \(total)\nthe longest wait for an answer: \(slowest)"
    let unanswered = results.count - offsets.count
    if unanswered > 0 {
      text += "\n" + style.error("\(unanswered) publish\(unanswered == 1 ? " was" : "es were") not answered within 1s")
    }
    if results.count < messages.count { text += "\n" + style.warn("interrupted after \(results.count)") }
    return text
  }

  func status(_ stats: Value?) -> String {
    guard let stats else { return style.error("the broker did not answer within 1s") }
    var table = TextTable(["TOPIC", "SUBSCRIBER", "KIND", "BACKLOG", "DROPPED"], rightAligned: [3, 4])
    for row in stats["subscriptions"]?.listValue ?? [] {
      var kind: [String] = []
      if row["durable"] == .bool(true) { kind.append("durable") }
      if let g = row["group"]?.stringValue { kind.append("group \(g)") }
      if row["paced"] == .bool(true) { kind.append("slow") }
      table.add([
        row["topic"]?.stringValue ?? "?", view.name(NodeID(Int(row["node"]?.intValue ?? 0))),
        kind.isEmpty ? "plain" : kind.joined(separator: ", "), row["backlog"]?.description ?? "0",
        row["dropped"]?.description ?? "0",
      ])
    }
    let buffer = stats["buffer"]?.intValue ?? 0
    let block = stats["block"] == .bool(true)
    return table.render(style: style) + "\na slow subscriber's buffer: \(buffer); when full, "
      + (block ? "publishers wait" : "new messages are dropped")
      + "\npublishes waiting for room: \(stats["held"]?.intValue ?? 0)"
  }
}
