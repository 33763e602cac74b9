import DistLab
import DistLabSharding

/// `shard …`: the sharding lab — spread keys over nodes by every scheme and watch what happens.
enum ShardCommands {
  static let keyWord = Positional("KEY", .text)
  static let keyFlag = FlagSpec("--raw", help: "the key is a 64-bit integer used as its own hash value")
  /// How `--dist` draws keys, as typed.
  static let distributions = ["uniform", "sequential", "zipf"]

  static let distFlags: [FlagSpec] = [
    FlagSpec(
      "--dist", .choice(distributions), placeholder: distributions.joined(separator: "|"),
      help: "how keys are drawn (default uniform)"),
    FlagSpec("--skew", .number, placeholder: "S", help: "zipf skew (default 1.1)"),
    FlagSpec("--start", .count, placeholder: "N", help: "first id of sequential keys (default: after the last load)"),
    FlagSpec("--raw", help: "integer keys used as their own hash values"),
  ]

  static let spec = CommandSpec(
    "shard", family: .data,
    summary: "spread keys over nodes by a distribution scheme and watch its weaknesses",
    details: [
      "Schemes: " + SchemeKind.allCases.map(\.rawValue).joined(separator: ", ") + ". Keys are hashed with xxHash64.",
      "",
      "Writes, reads and moves are real messages to the nodes' key/value stores.",
    ],
    example: ["spawn 6", "shard use ring --vnodes 100", "shard load 10000", "shard stats", "spawn 1", "shard add n7"],
    subcommands: [
      CommandSpec(
        "use", family: .data, summary: "choose a scheme over the nodes (all up nodes unless --nodes)",
        details: [
          "ring: --vnodes N (virtual nodes per node), --seed N. bounded: --vnodes, --load-factor C.",
          "range: --splits K1,K2,… (explicit split points) or --max-range-keys N (split a range that grows",
          "past N keys). chunks: --block-size SIZE (default 128MB), --record-size SIZE. maglev: --table-size",
          "P (prime), --maglev n1:OFFSET:SKIP,… . --replicas R keeps R copies on distinct nodes; with",
          "--zone-aware no two copies share a region while regions allow. --value-size SIZE (default 1KB)",
          "is what each value counts for in bytes moved.",
        ],
        example: [
          "spawn 4", "shard use modn", "shard clear", "shard use ring --vnodes 1", "shard clear",
          "shard use jump --replicas 3",
        ],
        positionals: [Positional("SCHEME", .choice(SchemeKind.allCases.map(\.rawValue)))],
        flags: [
          FlagSpec("--nodes", .nodeSet, placeholder: "SET", help: "the nodes that hold data (default: every up node)"),
          FlagSpec(
            "--vnodes", .count, placeholder: "N", help: "ring and bounded: virtual nodes per node (default 100)",
            only: ["ring", "bounded"]),
          FlagSpec(
            "--seed", .count, placeholder: "N", help: "the hash seed for ring, rendezvous, maglev, bounded",
            only: ["ring", "rendezvous", "maglev", "bounded"]),
          FlagSpec("--splits", .text, placeholder: "K1,K2,…", help: "range: split points, in order", only: ["range"]),
          FlagSpec(
            "--max-range-keys", .count, placeholder: "N", help: "range: split a range past N keys", only: ["range"]),
          FlagSpec(
            "--block-size", .text, placeholder: "SIZE", help: "chunks: block size (default 128MB)", only: ["chunks"]),
          FlagSpec(
            "--record-size", .text, placeholder: "SIZE", help: "chunks: bytes each key appends (default 1KB)",
            only: ["chunks"]),
          FlagSpec(
            "--table-size", .count, placeholder: "P", help: "maglev: lookup table size, a prime (default 65537)",
            only: ["maglev"]),
          FlagSpec(
            "--maglev", .text, placeholder: "n1:O:S,…", help: "maglev: each node's offset and skip", only: ["maglev"]),
          FlagSpec(
            "--load-factor", .number, placeholder: "C", help: "bounded: no node above C × the mean (default 1.25)",
            only: ["bounded"]),
          FlagSpec("--replicas", .count, placeholder: "R", help: "copies of every key on distinct nodes"),
          FlagSpec("--zone-aware", help: "with --replicas: copies in different regions"),
          FlagSpec("--value-size", .text, placeholder: "SIZE", help: "bytes each value counts for (default 1KB)"),
        ],
        action: use),
      CommandSpec(
        "load", family: .data, summary: "place N keys and write them to their nodes",
        example: ["spawn 4", "shard use ring", "shard load 1000", "shard load 500 --dist sequential"],
        positionals: [Positional("N", .count)],
        flags: distFlags + [FlagSpec("--seed", .count, placeholder: "N", help: "seed of the key draw")],
        action: load),
      CommandSpec(
        "put", family: .data, summary: "place one key and write its copies",
        example: ["spawn 3", "shard use ring", "shard put alice"], positionals: [keyWord], flags: [keyFlag], action: put
      ),
      CommandSpec(
        "get", family: .data, summary: "read a key from its first live copy",
        example: ["spawn 3", "shard use ring", "shard put alice", "shard get alice"], positionals: [keyWord],
        flags: [keyFlag], action: get),
      CommandSpec(
        "where", family: .data, summary: "where a key lives and why",
        example: ["spawn 3", "shard use ring", "shard where alice"], positionals: [keyWord], flags: [keyFlag],
        action: locate),
      CommandSpec(
        "stats", family: .data, summary: "keys per node with bars, max/mean, deviation, empty nodes",
        example: ["spawn 3", "shard use ring", "shard load 100", "shard stats"], action: stats),
      CommandSpec(
        "add", family: .data, summary: "a node joins: the keys the scheme now puts on it move there",
        example: ["spawn 3", "shard use ring", "shard load 100", "spawn 1", "shard add n4"],
        positionals: [Positional("NODE", .node)],
        action: { (inv, s) throws(ShellError) in try change(inv, s, add: true) }),
      CommandSpec(
        "remove", family: .data, summary: "a node leaves: its keys move to the others",
        example: ["spawn 3", "shard use ring", "shard load 100", "shard remove n3"],
        positionals: [Positional("NODE", .node)],
        action: { (inv, s) throws(ShellError) in try change(inv, s, add: false) }),
      CommandSpec(
        "map", family: .data, summary: "the scheme's picture: ring, ranges, chunk table, directory",
        action: map),
      CommandSpec(
        "compare", family: .data,
        summary: "every scheme on the same keys: balance, keys moved on join and leave, lookup cost, metadata",
        example: ["shard compare --keys 10000 --nodes 10"],
        flags: [
          FlagSpec("--keys", .count, placeholder: "N", help: "how many keys, up to 200000 (default 10000)"),
          FlagSpec("--nodes", .count, placeholder: "N", help: "how many nodes, up to 100 (default 10)"),
          FlagSpec("--vnodes", .count, placeholder: "N", help: "virtual nodes for ring and bounded (default 100)"),
        ] + distFlags, action: compare),
      CommandSpec(
        "health", family: .data, summary: "ask the nodes: keys fully replicated, under-replicated, unreachable",
        details: [
          "The client asks every node for the copies it should hold, all at once. A node that does",
          "not answer within the client's timeout (1s) is taken for down; a copy a node says it",
          "does not have is forgotten. Under-replicated keys have fewer answering copies than the",
          "replication factor, at least one; unreachable keys have none.",
        ],
        action: health),
      CommandSpec(
        "repair", family: .data, summary: "check the nodes, then copy under-replicated keys to answering nodes",
        action: repair),
      CommandSpec(
        "assign", family: .data, summary: "directory: point a key's row at another node",
        positionals: [keyWord, Positional("NODE", .node)], flags: [keyFlag], action: assign),
      CommandSpec(
        "clear", family: .data, summary: "delete the lab's keys from the nodes and forget the scheme", action: clear),
    ])

  static func key(_ inv: Invocation, _ t: Token) throws(ShellError) -> ShardKey {
    guard inv.has("--raw") else { return ShardKey(t.text) }
    guard let v = UInt64(t.text) else {
      throw ShellError("with --raw the key is a whole number from 0 to 2^64-1, not '\(t.text)'", column: t.column)
    }
    return ShardKey(raw: v)
  }

  static func size(_ inv: Invocation, _ flag: String) throws(ShellError) -> Int64? {
    guard let t = inv.flags[flag] else { return nil }
    guard let v = Units.size(t.text) ?? Int64(t.text) else {
      throw ShellError("\(flag) is a size like 64KB or 128MB, not '\(t.text)'", column: t.column)
    }
    return v
  }

  static func use(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let t = inv.positional[0]
    let kind: SchemeKind
    do {
      kind = try SchemeKind(parsing: t.text)
    } catch {
      throw ShellError(
        Messages.text(error) + Suggest.hint(for: t.text, in: SchemeKind.allCases.map(\.rawValue)), column: t.column)
    }
    var o = SchemeOptions()
    if let v = try inv.flagInt("--vnodes", range: 1...ShardingError.maxVirtualNodes) { o.virtualNodes = v }
    if let v = inv.flags["--seed"] {
      guard let seed = UInt64(v.text) else { throw ShellError("--seed is a whole number", column: v.column) }
      o.seed = seed
    }
    if let v = inv.flags["--splits"] {
      o.splits = v.text.split(separator: ",", omittingEmptySubsequences: false).map {
        inv.has("--raw") ? ShardKey(raw: UInt64($0) ?? 0) : ShardKey(String($0))
      }
    }
    if let v = try inv.flagInt("--max-range-keys", range: 1...10_000_000) { o.maxRangeKeys = v }
    if let v = try size(inv, "--block-size") { o.blockSize = UInt64(max(0, v)) }
    if let v = try size(inv, "--record-size") { o.recordSize = UInt64(max(0, v)) }
    if let v = try inv.flagInt("--table-size", range: 1...10_000_019) { o.tableSize = v }
    if let v = inv.flags["--load-factor"] {
      guard let c = Double(v.text) else { throw ShellError("--load-factor is a number like 1.25", column: v.column) }
      o.loadFactor = c
    }
    if let v = inv.flags["--maglev"] {
      for part in v.text.split(separator: ",") {
        let f = part.split(separator: ":").map(String.init)
        guard f.count == 3, let offset = Int(f[1]), let skip = Int(f[2]), let id = s.world.node(named: f[0])?.id else {
          throw ShellError(
            "--maglev takes NODE:OFFSET:SKIP,… with existing nodes, like n1:3:4,n2:0:2", column: v.column)
        }
        o.maglevPermutations[id] = MaglevPermutation(offset: offset, skip: skip)
      }
    }
    if let r = try inv.flagInt("--replicas", range: 1...1000) { o.replicationFactor = r }
    if inv.has("--zone-aware") {
      guard o.replicationFactor > 1 else {
        throw ShellError("--zone-aware goes with --replicas R (R ≥ 2)", column: inv.flags["--zone-aware"]?.column)
      }
      for n in s.world.allNodes { if let r = n.region { o.zones[n.id] = r } }
    }
    let nodes = try inv.flags["--nodes"].map { (t) throws(ShellError) in try NodeSet.resolve(t, in: s.world) } ?? []
    let valueSize = Int(try size(inv, "--value-size") ?? 1024)
    let lab = try attempt(inv.column) { () throws(ShardLabError) in
      // Without --nodes, the operator's choice: every node that is up now (the shell's view).
      let chosen = nodes.isEmpty ? s.world.allNodes.filter { $0.status == .up }.map(\.id) : nodes
      return try s.sharding.shardUse(kind, options: o, nodes: chosen, valueSize: valueSize)
    }
    return .shard(
      .using(
        label: lab.scheme.label, nodes: lab.scheme.nodes, metadata: lab.scheme.metadata, cost: lab.scheme.lookupCost))
  }

  /// The keys a load or compare asks for.
  static func keys(_ inv: Invocation, count: Int, seed: UInt64, defaultStart: UInt64) throws(ShellError) -> [ShardKey] {
    let form: ShardKeyForm = inv.has("--raw") ? .raw : .standard
    let pattern: ShardKeyPattern
    switch inv.flags["--dist"]?.text ?? distributions[0] {
    case "uniform": pattern = .uniform
    case "sequential":
      let start =
        try inv.flags["--start"].map { (t) throws(ShellError) -> UInt64 in
          guard let v = UInt64(t.text) else { throw ShellError("--start is a whole number", column: t.column) }
          return v
        } ?? defaultStart
      pattern = .sequential(start: start)
    case "zipf":
      let skew =
        try inv.flags["--skew"].map { (t) throws(ShellError) -> Double in
          guard let v = Double(t.text) else { throw ShellError("--skew is a number like 1.1", column: t.column) }
          return v
        } ?? 1.1
      pattern = .zipf(skew: skew, distinct: max(1, count))
    default:
      let t = inv.flags["--dist"]
      throw ShellError(
        "--dist is uniform, sequential or zipf\(Suggest.hint(for: t?.text ?? "", in: distributions))",
        column: t?.column)
    }
    do {
      return try ShardKeyGenerator.keys(pattern, count: count, seed: seed, form: form)
    } catch {
      throw ShellError(Messages.text(error), column: inv.column)
    }
  }

  static func load(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let n = try inv.integer(inv.positional[0], what: "the number of keys", range: 1...1_000_000)
    let lab = try attempt(inv.column) { () throws(ShardLabError) in try s.sharding.requireLab() }
    let seed =
      try inv.flags["--seed"].map { (t) throws(ShellError) -> UInt64 in
        guard let v = UInt64(t.text) else { throw ShellError("--seed is a whole number", column: t.column) }
        return v
      } ?? (s.world.seed &+ UInt64(lab.keys.count))
    let keys = try keys(inv, count: n, seed: seed, defaultStart: UInt64(lab.keys.count))
    let outcome = try attempt(inv.column) { () throws(ShardLabError) in try s.sharding.shardLoad(keys, cancel: s.cancel)
    }
    let range = n == 1 ? "\(keys[0])" : "\(keys[0]), \(keys[1]), … \(keys[n - 1])"
    let distinct = Set(keys).count
    let what = distinct == n ? "loaded \(n) key\(n == 1 ? "" : "s")" : "loaded \(n) writes of \(distinct) distinct keys"
    return .shard(.wrote(outcome, what: "\(what) (\(range))"))
  }

  static func put(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let k = try key(inv, inv.positional[0])
    let outcome = try attempt(inv.column) { () throws(ShardLabError) in try s.sharding.shardLoad([k], cancel: s.cancel)
    }
    let w = try attempt(inv.column) { () throws(ShardLabError) in try s.sharding.shardWhere(k) }
    return .shard(
      .wrote(outcome, what: "put \(k) on " + w.copies.map { s.world.name(of: $0.node) }.joined(separator: ", ")))
  }

  static func get(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let k = try key(inv, inv.positional[0])
    return .shard(
      .read(try attempt(inv.column) { () throws(ShardLabError) in try s.sharding.shardGet(k, cancel: s.cancel) }))
  }

  static func locate(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let k = try key(inv, inv.positional[0])
    return .shard(.located(try attempt(inv.column) { () throws(ShardLabError) in try s.sharding.shardWhere(k) }))
  }

  static func stats(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let lab = try attempt(inv.column) { () throws(ShardLabError) in try s.sharding.requireLab() }
    return .shard(
      .stats(
        label: lab.scheme.label, distribution: s.sharding.shardDistribution(), health: s.sharding.shardHealth(),
        metadata: lab.scheme.metadata))
  }

  static func change(_ inv: Invocation, _ s: ShellSession, add: Bool) throws(ShellError) -> CommandResult {
    let node = try NodeSet.single(inv.positional[0], in: s.world)
    let outcome = try attempt(inv.positional[0].column) { () throws(ShardLabError) in
      try s.sharding.shardChange(add ? .added(node) : .removed(node), cancel: s.cancel)
    }
    return .shard(.changed(outcome))
  }

  static func map(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let lab = try attempt(inv.column) { () throws(ShardLabError) in try s.sharding.requireLab() }
    return .shard(.map(scheme: lab.scheme, distribution: s.sharding.shardDistribution()))
  }

  static func compare(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let n = try inv.flagInt("--keys", range: 1...200_000) ?? 10_000
    let nodeCount = try inv.flagInt("--nodes", range: 1...100) ?? 10
    let keys = try keys(inv, count: n, seed: s.world.seed, defaultStart: 0)
    var o = SchemeOptions()
    if let v = try inv.flagInt("--vnodes", range: 1...ShardingError.maxVirtualNodes) { o.virtualNodes = v }
    let nodes = (1...nodeCount).map { NodeID($0) }
    do {
      let rows = try ShardAnalysis.compare(keys: keys, nodes: nodes, options: o, cancel: s.cancel)
      return .shard(.compared(rows, keys: n, nodes: nodeCount))
    } catch {
      throw ShellError(Messages.text(error), column: inv.column)
    }
  }

  static func health(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let check = try attempt(inv.column) { () throws(ShardLabError) in try s.sharding.shardCheck(cancel: s.cancel) }
    return .shard(.checked(check))
  }

  static func repair(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let (check, outcome) = try attempt(inv.column) { () throws(ShardLabError) in
      try s.sharding.shardRepair(cancel: s.cancel)
    }
    return .shard(.repaired(outcome, before: check, after: s.sharding.shardHealth()))
  }

  static func assign(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let k = try key(inv, inv.positional[0])
    let node = try NodeSet.single(inv.positional[1], in: s.world)
    let outcome = try attempt(inv.column) { () throws(ShardLabError) in
      try s.sharding.shardAssign(k, to: node, cancel: s.cancel)
    }
    return .shard(.wrote(outcome, what: "\(k) now on \(s.world.name(of: node))"))
  }

  static func clear(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let n = try attempt(inv.column) { () throws(ShardLabError) in try s.sharding.shardClear(cancel: s.cancel) }
    return .shard(.cleared(keys: n))
  }
}
