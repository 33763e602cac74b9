import DistLab
import DistLabReplication

/// `store …`: the replicated key/value store in primary/replica mode.
enum StoreCommands {
  static let spec = CommandSpec(
    "store", family: .data,
    summary: "a replicated key/value store: a primary and replicas, or Dynamo-style quorums",
    details: [
      "Primary/replica: the primary numbers each write, applies it and replicates it. --sync answers",
      "the client once --sync-acks K replicas hold the write (default all); --async answers at once and",
      "ships what each replica lacks every --ship D (default 100ms). Replicas serve reads, possibly stale.",
      "Quorum (--quorum): each key has --n N home replicas; a write is answered once --w W hold it, a read",
      "once --r R have answered. Strict quorums use only home replicas (a minority refuses: CP); --sloppy",
      "stands in with whatever nodes are reachable and hands the writes back later (both sides accept: AP).",
    ],
    example: ["store start --replicas 2 --async", "store put x 1", "store get x --from s2", "store status"],
    subcommands: [
      CommandSpec(
        "start", family: .data,
        summary: "spawn a primary s1 and replicas s2, s3, …, or with --quorum the nodes s1, s2, …",
        example: ["store start --replicas 2 --sync", "reset", "store start --quorum --nodes 5 --sloppy"],
        flags: [
          FlagSpec("--replicas", .count, placeholder: "N", help: "how many replicas (default 2)"),
          FlagSpec("--sync", help: "answer a write once replicas hold it"),
          FlagSpec("--async", help: "answer a write at once and ship it later (the default)"),
          FlagSpec("--sync-acks", .count, placeholder: "K", help: "with --sync, how many replicas must hold it"),
          FlagSpec("--ship", .duration, placeholder: "D", help: "with --async, how often the primary ships"),
          FlagSpec(
            "--failover", .duration, placeholder: "D",
            help: "a replica that has not heard the primary's heartbeats (every 100ms) for D takes over"),
          FlagSpec(
            "--fencing", help: "compare epochs: an older primary steps down and its writes are refused"),
          FlagSpec("--quorum", help: "a Dynamo-style store: every node a replica and a coordinator"),
          FlagSpec("--nodes", .count, placeholder: "M", help: "with --quorum, how many store nodes (default 3)"),
          FlagSpec("--n", .count, placeholder: "N", help: "with --quorum, replicas of each key (default 3)"),
          FlagSpec("--w", .count, placeholder: "W", help: "with --quorum, replicas that must hold a write (default 2)"),
          FlagSpec(
            "--r", .count, placeholder: "R", help: "with --quorum, replicas that must answer a read (default 2)"),
          FlagSpec("--sloppy", help: "with --quorum, stand in for unreachable home replicas (hinted handoff)"),
          FlagSpec(
            "--resolve", .choice(Resolution.allCases.map(\.rawValue)), placeholder: "lww|siblings",
            help: "with --quorum, settle concurrent writes: last-writer-wins (default) or keep siblings"),
          FlagSpec(
            "--anti-entropy", .duration, placeholder: "D",
            help: "with --quorum, every D each node compares its keys with one peer (default never)"),
        ],
        action: start),
      CommandSpec(
        "put", family: .data,
        summary: "write through the primary the client believes in (quorum: the key's first replica), or --to a node",
        example: ["store start", "store put x 1", "store put y 2 --to s1"],
        positionals: [Positional("KEY", .text), Positional("VALUE", .text)],
        flags: [FlagSpec("--to", .node, placeholder: "NODE", help: "the node to write to")], action: put),
      CommandSpec(
        "get", family: .data,
        summary: "read a key from the primary, or from any node with --from (quorum: through that coordinator)",
        example: ["store start", "store put x 1", "store get x --from s2"], positionals: [Positional("KEY", .text)],
        flags: [FlagSpec("--from", .node, placeholder: "NODE", help: "the node to read from")], action: get),
      CommandSpec(
        "promote", family: .data, summary: "make a replica the primary and tell every node (a manual failover)",
        example: ["store start", "kill s1", "store promote s2"], positionals: [Positional("NODE", .node)],
        action: promote),
      CommandSpec(
        "workload", family: .data,
        summary: "client processes read and write random keys for a while, recording a history",
        details: [
          "Each client makes one operation at a time, at most --rate a second, for --for D: a write of a",
          "unique value through the primary, or a read from the primary (or, with --read-from any, from any",
          "store node). 'check linearizable' then checks what they saw.",
        ],
        example: ["store start --async", "store workload --clients 3 --for 2s --read-from any", "check linearizable"],
        flags: [
          FlagSpec("--clients", .count, placeholder: "K", help: "client processes (default 3)"),
          FlagSpec("--rate", .count, placeholder: "R", help: "operations a second per client, at most (default 20)"),
          FlagSpec("--for", .duration, placeholder: "D", help: "how long (default 5s)"),
          FlagSpec("--keys", .count, placeholder: "N", help: "how many keys (default 3)"),
          FlagSpec(
            "--read-from", .choice(["primary", "any"]), placeholder: "primary|any",
            help: "where reads go (default primary)"),
          FlagSpec(
            "--nemesis", .choice(["partition"]), placeholder: "partition",
            help: "cut a majority of the store from a minority for the middle third of the run"),
          FlagSpec("--cas", help: "a third of the operations compare-and-set (primary/replica only)"),
        ],
        action: workload),
      CommandSpec(
        "status", family: .data,
        summary: "ask every store node its part and lag (quorum: keys, hints, repairs, lost writes)",
        example: ["store start", "store status"], action: status),
    ])

  static func started(_ s: ShellSession, _ column: Int) throws(ShellError) -> StoreClient {
    guard s.store.isStarted else {
      throw ShellError("no store yet: 'store start' starts a primary and replicas", column: column)
    }
    return s.store
  }

  static func start(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    guard !s.store.isStarted else {
      throw ShellError("the store already runs; 'reset' starts over", column: inv.column)
    }
    if inv.has("--quorum") { return try startQuorum(inv, s) }
    for flag in ["--nodes", "--n", "--w", "--r", "--sloppy", "--resolve", "--anti-entropy"] where inv.has(flag) {
      throw ShellError("\(flag) is for a quorum store: add --quorum", column: inv.flags[flag]?.column)
    }
    if inv.has("--sync") && inv.has("--async") {
      throw ShellError("a store is --sync or --async, not both", column: inv.flags["--async"]?.column)
    }
    let replicas = try inv.flagInt("--replicas", range: 0...20) ?? 2
    let acks = try inv.flagInt("--sync-acks", range: 1...20) ?? Int.max
    let ship = try inv.flagDuration("--ship") ?? .milliseconds(100)
    guard ship >= .milliseconds(1) else {
      throw ShellError("--ship is at least 1ms", column: inv.flags["--ship"]?.column)
    }
    let failover = try inv.flagDuration("--failover")
    if let f = failover, f < .milliseconds(200) {
      throw ShellError("--failover is at least 200ms (two heartbeats)", column: inv.flags["--failover"]?.column)
    }
    let nodes = try attempt(inv.column) { () throws(WorldError) in
      try s.store.start(
        replicas: replicas, sync: inv.has("--sync"), syncAcks: acks, shipInterval: ship, failoverTimeout: failover,
        fencing: inv.has("--fencing"))
    }
    return .store(.started(nodes, sync: inv.has("--sync"), acks: acks, ship: ship))
  }

  static func put(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let store = try started(s, inv.column)
    let key = inv.positional[0].text
    let value = Units.value(inv.positional[1])
    let to = try inv.flags["--to"].map { (t) throws(ShellError) in try NodeSet.single(t, in: s.world) }
    if store.quorum != nil { return try quorumPut(key, value, to: to, inv, s) }
    let result = try attempt(inv.column) { () throws(WorldError) in try store.put(key, value, to: to) }
    return .store(.put(key: key, value: value, primary: to ?? store.primary ?? .client, result: result))
  }

  static func get(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let store = try started(s, inv.column)
    let from = try inv.flags["--from"].map { (t) throws(ShellError) in try NodeSet.single(t, in: s.world) }
    if store.quorum != nil { return try quorumGet(inv.positional[0].text, from: from, inv, s) }
    let node = from ?? store.primary ?? .client
    let key = inv.positional[0].text
    let value = try attempt(inv.column) { () throws(WorldError) in try store.get(key, from: node) }
    return .store(.got(key: key, from: node, value: value))
  }

  static func promote(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let store = try started(s, inv.column)
    guard store.quorum == nil else {
      throw ShellError("a quorum store has no primary to promote: every node coordinates", column: inv.column)
    }
    let node = try NodeSet.single(inv.positional[0], in: s.world)
    guard store.nodes.contains(node) else {
      throw ShellError("'\(inv.positional[0].text)' is not a store node", column: inv.positional[0].column)
    }
    try attempt(inv.column) { () throws(WorldError) in try store.assign(primary: node) }
    return .store(.promoted(node))
  }

  static func status(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let store = try started(s, inv.column)
    if let q = store.quorum {
      let parts = try attempt(inv.column) { () throws(WorldError) in try store.quorumParts() }
      let (dropped, lost) = store.lostWrites(parts)
      return .store(.quorumParts(parts, dropped: dropped, lost: lost, settings: q))
    }
    let parts = try attempt(inv.column) { () throws(WorldError) in try store.parts() }
    return .store(.parts(parts))
  }
}

extension StoreCommands {
  static func workload(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let store = try started(s, inv.column)
    let clients = try inv.flagInt("--clients", range: 1...20) ?? 3
    let rate = try inv.flagInt("--rate", range: 1...1000) ?? 20
    let duration = try inv.flagDuration("--for") ?? .seconds(5)
    guard duration > .zero, duration <= .seconds(3600) else {
      throw ShellError("--for is between 1ms and 1h", column: inv.flags["--for"]?.column)
    }
    let keys = try inv.flagInt("--keys", range: 1...1000) ?? 3
    var readAny = false
    if let r = inv.flags["--read-from"] {
      guard ["primary", "any"].contains(r.text) else {
        throw ShellError("--read-from is primary or any, not '\(r.text)'", column: r.column)
      }
      readAny = r.text == "any"
    }
    if store.quorum?.resolution == .siblings {
      throw ShellError(
        "a workload's reads are checked as one value each; start the quorum store with --resolve lww",
        column: inv.column)
    }
    let nemesis = try nemesisWanted(inv, s)
    if inv.has("--cas") && store.quorum != nil {
      throw ShellError(
        "a quorum store has no compare-and-set (Cassandra runs Paxos for its lightweight transactions)",
        column: inv.flags["--cas"]?.column)
    }
    let history = try attempt(inv.column) { () throws(WorldError) in
      try store.workload(
        clients: clients, interval: .seconds(1.0 / Double(rate)), duration: duration, readAny: readAny, keys: keys,
        nemesis: nemesis, cas: inv.has("--cas"), cancel: s.cancel)
    }
    return .store(
      .recorded(
        history, clients: clients, duration: duration, readAny: readAny, quorum: store.quorum != nil,
        nemesis: nemesis))
  }
}

/// What a `store` command did.
public enum StoreResult: Sendable {
  case started([NodeInfo], sync: Bool, acks: Int, ship: Nanoseconds)
  case put(key: String, value: Value, primary: NodeID, result: CallOutcome.Result)
  case got(key: String, from: NodeID, value: Value?)
  case promoted(NodeID)
  /// Each node's answer to `store.part`, nil when it did not answer.
  case parts([(NodeID, Value?)])
  case recorded(History, clients: Int, duration: Nanoseconds, readAny: Bool, quorum: Bool, nemesis: Bool)
  case quorumStarted([NodeInfo], QuorumSettings)
  case quorumPut(key: String, value: Value, via: NodeID, QuorumWrite)
  case quorumGot(key: String, via: NodeID, Result<QuorumRead, CallFailure>)
  /// Each node's answer to `store.qpart`; the writes last-writer-wins dropped across them, and
  /// of those the acknowledged ones (lost).
  case quorumParts([(NodeID, Value?)], dropped: Int, lost: Int, settings: QuorumSettings)
}
