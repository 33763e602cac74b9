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
    ],
    example: [
      "pubsub start --subscribers 2", "pubsub subscribe sub1 news", "pubsub subscribe sub2 news --durable",
      "pubsub publish news hello",
    ],
    subcommands: [
      CommandSpec(
        "start", family: .data, summary: "spawn the broker ps and subscribers sub1, sub2, …",
        example: ["pubsub start --subscribers 3"],
        flags: [FlagSpec("--subscribers", .count, placeholder: "N", help: "how many subscribers (default 2)")],
        action: start),
      CommandSpec(
        "subscribe", family: .data, summary: "a subscriber subscribes to a topic",
        example: ["pubsub start", "pubsub subscribe sub1 news --durable"],
        positionals: [Positional("NODE", .node), Positional("TOPIC", .text)],
        flags: [
          FlagSpec("--durable", help: "acknowledge each message and resume after a restart"),
          FlagSpec("--group", .text, placeholder: "G", help: "share the topic with the group's other members"),
        ],
        action: subscribe),
      CommandSpec(
        "publish", family: .data, summary: "publish a message to a topic from the shell",
        example: ["pubsub start", "pubsub publish news hello"],
        positionals: [Positional("TOPIC", .text), Positional("MESSAGE", .text)], action: publish),
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
    let made = try attempt(inv.column) { () throws(WorldError) in try s.pubsub.start(subscribers: count) }
    return .pubsub(.started(made))
  }

  static func subscribe(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let lab = try started(s, inv.column)
    let node = try NodeSet.single(inv.positional[0], in: s.world)
    guard lab.subscribers.contains(node) else {
      throw ShellError("'\(inv.positional[0].text)' is not a subscriber", column: inv.positional[0].column)
    }
    let topic = inv.positional[1].text
    let group = inv.flags["--group"]?.text
    let outcome = try attempt(inv.column) { () throws(WorldError) in
      try lab.subscribe(node, topic: topic, durable: inv.has("--durable"), group: group)
    }
    return .pubsub(.subscribed(node, topic: topic, durable: inv.has("--durable"), group: group, outcome.result))
  }

  static func publish(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let lab = try started(s, inv.column)
    let topic = inv.positional[0].text
    let message = Units.value(inv.positional[1])
    let outcome = try attempt(inv.column) { () throws(WorldError) in try lab.publish(topic, message) }
    return .pubsub(.published(topic: topic, message: message, outcome.result))
  }
}

/// What a `pubsub` command did.
public enum PubSubResult: Sendable {
  case started([NodeInfo])
  case subscribed(NodeID, topic: String, durable: Bool, group: String?, CallOutcome.Result)
  case published(topic: String, message: Value, CallOutcome.Result)
}

/// The pub/sub results as text.
struct PubSubRenderer {
  let style: Style
  let view: WorldView

  func render(_ r: PubSubResult) -> String {
    switch r {
    case .started(let nodes):
      let subs = nodes.dropFirst().map(\.name)
      return "started the broker ps" + (subs.isEmpty ? "" : " and subscribers " + NodeSet.compact(subs))
    case .subscribed(let node, let topic, let durable, let group, let result):
      guard case .value = result else { return style.error("\(view.name(node)) did not answer") }
      var line = "\(view.name(node)) subscribes to \(topic)"
      if durable { line += ", durably (it resumes from its last acknowledged offset)" }
      if let group { line += ", in group \(group)" }
      return line
    case .published(let topic, let message, let result):
      switch result {
      case .value(let v): return "published \(message) to \(topic) at offset \(v.first?.description ?? "?")"
      case .error(let e): return style.error("the broker refused: \(e)")
      case .timeout, .interrupted:
        return style.error("the broker did not answer within 1s; the message may or may not be in the log")
      }
    }
  }
}
