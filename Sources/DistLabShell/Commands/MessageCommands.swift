import DistLab

/// `send`, `rpc` and `kv`: putting messages and calls on the network.
enum MessageCommands {
  static let callFlags: [FlagSpec] = [
    FlagSpec("--from", .node, placeholder: "NODE", help: "call from this node instead of the shell (cli)"),
    FlagSpec("--timeout", .duration, placeholder: "DURATION", help: "how long to wait for each attempt (default 1s)"),
    FlagSpec("--retries", .count, placeholder: "N", help: "send again this many times after a timeout (default 0)"),
    FlagSpec("--at-most-once", help: "ask the server to suppress duplicates of this call"),
    FlagSpec("--verbose", help: "show the request's and reply's bytes and their decoding"),
  ]

  static let specs: [CommandSpec] = [
    CommandSpec(
      "send", family: .messages,
      summary: "send one-way messages and wait until each arrives or is lost",
      details: [
        "Each TEXT is its own message, sent in order. Under jitter they can arrive in another",
        "order: the result lists the arrival order. FROM may be 'cli', the shell itself.",
        "FROM and TO may be sets: every sender sends to every receiver but itself (all-to-all);",
        "in a set, nodes that are down or paused send nothing.",
      ],
      example: [
        "spawn 3", "net latency uniform 10ms 8ms", "send n1 n2 one two three", "send all all ping",
      ],
      positionals: [Positional("FROM", .nodeSet), Positional("TO", .nodeSet), Positional("TEXT", .text, .many)],
      action: send),
    CommandSpec(
      "rpc", family: .messages,
      summary: "call a method on a node and wait for the answer or a timeout",
      details: [
        "Arguments are integers, true/false, null, decimals, durations (sent as nanoseconds) or",
        "text (quote text with spaces). --verbose shows the request and reply as bytes.",
      ],
      example: [
        "spawn 2", "rpc n2 add 10 20", "rpc n2 add 10 20 --verbose", "rpc n2 kv.incr hits --retries 3 --at-most-once",
      ],
      positionals: [Positional("NODE", .node), Positional("METHOD", .method), Positional("ARG", .text, .any)],
      flags: callFlags, action: rpc, worldDetails: methodLines),
    CommandSpec(
      "kv", family: .messages,
      summary: "use a node's key/value store through calls",
      example: ["spawn 1", "kv put n1 colour blue", "kv get n1 colour"],
      subcommands: [
        kv(.get, [key], summary: "read a key"),
        kv(.put, [key, Positional("VALUE", .text)], summary: "write a key"),
        kv(.delete, [key], summary: "remove a key"),
        kv(.incr, [key, Positional("N", .number, .optional)], summary: "add to an integer (not safe to repeat)"),
        kv(.keys, [], summary: "list the keys"),
      ]),
  ]

  static func send(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    var senders = try NodeSet.resolve(inv.positional[0], in: s.world, allowClient: true)
    if senders.count > 1 {
      // A set sends from those of its nodes that are up: dead and paused nodes say nothing.
      senders = senders.filter { $0.isClient || s.world.info($0)?.status == .up }
    }
    let targets = try NodeSet.resolve(inv.positional[1], in: s.world)
    let texts = inv.positional.dropFirst(2).map(\.text)
    let pairs = senders.flatMap { from in targets.filter { $0 != from }.map { (from, $0) } }
    guard !pairs.isEmpty else {
      throw ShellError("no one to send to: a node does not send to itself", column: inv.positional[1].column)
    }
    guard texts.count * pairs.count <= 100_000 else {
      throw ShellError(
        "at most 100,000 messages in one send (this is \(texts.count * pairs.count))", column: inv.positional[2].column)
    }
    for from in senders where !from.isClient {
      if let info = s.world.info(from), info.status != .up {
        throw ShellError(
          "\(info.name) is \(info.status.rawValue): a \(info.status == .down ? "dead" : "paused") node sends nothing",
          column: inv.positional[0].column)
      }
    }
    let outcome = try attempt(inv.column) { () throws(WorldError) in
      try s.world.send(pairs: pairs, texts: texts, cancel: s.cancel)
    }
    return .sent(outcome)
  }

  static func options(_ inv: Invocation) throws(ShellError) -> CallOptions {
    var o = CallOptions()
    if let t = try inv.flagDuration("--timeout") {
      guard t > .zero else {
        throw ShellError("--timeout must be longer than 0", column: inv.flags["--timeout"]?.column)
      }
      o.timeout = t
    }
    o.retries = try inv.flagInt("--retries", range: 0...100) ?? 0
    o.atMostOnce = inv.has("--at-most-once")
    return o
  }

  static func caller(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> NodeID {
    guard let t = inv.flags["--from"] else { return .client }
    return try NodeSet.single(t, in: s.world, allowClient: true)
  }

  /// `help rpc`'s list of methods: the default role's, then each other role's.
  @Sendable static func methodLines(_ world: World) -> [String] {
    world.roles.roles.enumerated().map { i, role in
      let methods = role.methods.map { "\($0.name) \($0.usage)".trimmingTrailingSpace }.joined(separator: "; ")
      return (i == 0 ? "Methods: " : "Role \(role.name): ") + (methods.isEmpty ? "none" : methods) + "."
    }.flatMap { [$0, ""] }
  }

  static func rpc(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let to = try NodeSet.single(inv.positional[0], in: s.world)
    let method = inv.positional[1]
    guard method.text.utf8.count <= 255, !method.text.isEmpty else {
      throw ShellError("a method name has 1 to 255 bytes", column: method.column)
    }
    let args = inv.positional.dropFirst(2).map(Units.value)
    guard args.count <= 255 else {
      throw ShellError("a call carries at most 255 arguments", column: inv.positional[257].column)
    }
    let from = try caller(inv, s)
    let opts = try options(inv)
    let outcome = try attempt(inv.column) { () throws(WorldError) in
      try s.world.call(from: from, to: to, method: method.text, args: args, options: opts, cancel: s.cancel)
    }
    let methods = s.world.methods(of: to)
    let declared = methods.first { $0.name == method.text }
    let suggestion = declared == nil ? Suggest.closest(to: method.text, in: methods.map(\.name)) : nil
    return .called(outcome, verbose: inv.has("--verbose"), declared: declared, suggestion: suggestion)
  }

  static let key = Positional("KEY", .text)

  /// A `kv` subcommand: the node, then the words `rest` declares.
  static func kv(_ op: KVOutcome.Operation, _ rest: [Positional], summary: String) -> CommandSpec {
    CommandSpec(
      op.rawValue, family: .messages, summary: summary, positionals: [Positional("NODE", .node)] + rest,
      flags: callFlags,
      action: { (inv, s) throws(ShellError) in
        let to = try NodeSet.single(inv.positional[0], in: s.world)
        let key = inv.word(1)?.text
        var args: [Value] = key.map { [.string($0)] } ?? []
        if op == .put, let v = inv.word(2) { args.append(Units.value(v)) }
        if op == .incr, let v = inv.word(2) {
          guard let n = Int64(v.text) else { throw ShellError("the amount must be a whole number", column: v.column) }
          args.append(.int(n))
        }
        let from = try caller(inv, s)
        let opts = try options(inv)
        let call = try attempt(inv.column) { () throws(WorldError) in
          try s.world.call(from: from, to: to, method: "kv.\(op.rawValue)", args: args, options: opts, cancel: s.cancel)
        }
        return .kv(KVOutcome(operation: op, key: key, call: call, verbose: inv.has("--verbose")))
      })
  }
}

extension String {
  var trimmingTrailingSpace: String {
    var s = self
    while s.hasSuffix(" ") { s.removeLast() }
    return s
  }
}
