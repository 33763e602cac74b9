import DistLab

/// `spawn`, `kill`, `restart`, `pause`, `resume` and `nodes`.
enum NodeCommands {
  static let specs: [CommandSpec] = [
    CommandSpec(
      "spawn", family: .nodes, usage: "spawn [COUNT] [--name NAME,…] [--role ROLE] [--region REGION]",
      summary: "start new nodes, each on its own thread",
      details: [
        "Nodes are named n1, n2, … unless --name gives names. --role labels them, so that a",
        "role such as 'workers' can stand for all of them in node sets. --region places them.",
      ],
      example: ["spawn 3", "spawn --name db1,db2 --role db --region eu-west"],
      positionals: [.count],
      flags: [
        FlagSpec("--name", .text, placeholder: "NAME,…", help: "names for the new nodes"),
        FlagSpec("--role", .text, placeholder: "ROLE", help: "a role label for the new nodes"),
        FlagSpec("--region", .region, placeholder: "REGION", help: "the region they live in"),
      ],
      action: spawn),
    CommandSpec(
      "kill", family: .nodes, usage: "kill NODES [--chance RATIO]",
      summary: "crash nodes: memory is lost, messages to them are dropped",
      details: ["--chance kills each node independently with that probability, drawn from the seed."],
      example: ["kill n2", "kill all --chance 5%"], positionals: [.nodeSet],
      flags: [FlagSpec("--chance", .ratio, placeholder: "RATIO", help: "kill each node with this probability")],
      action: kill),
    change(
      "restart", summary: "start nodes again, empty (an up node is killed first)", verb: .restarted,
      example: ["restart n2"]
    ) { (w, ids) throws(WorldError) in
      try w.restart(ids)
    },
    change(
      "pause", summary: "freeze nodes: alive, memory kept, silent until resumed", verb: .paused, example: ["pause n3"]
    ) { (w, ids) throws(WorldError) in
      try w.pause(ids)
    },
    change(
      "resume", summary: "unfreeze paused nodes; what waited is handled as time moves on", verb: .resumed,
      example: ["resume n3"]
    ) { (w, ids) throws(WorldError) in
      try w.resume(ids)
    },
    CommandSpec(
      "nodes", family: .nodes, usage: "nodes [NODES]", summary: "list nodes with status, roles, region and counters",
      details: ["Each node reports its own counters from its own thread: messages received, calls executed, keys."],
      example: ["nodes", "nodes n2"], positionals: [.nodeSet], action: list),
  ]

  static func spawn(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    try inv.expectCount(0...1, usage: "spawn [COUNT] [--name NAME,…] [--role ROLE] [--region REGION]")
    let names =
      inv.flags["--name"].map { $0.text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
    var count = names.isEmpty ? 1 : names.count
    if let t = inv.word(0) {
      count = try inv.integer(t, what: "the number of nodes", range: 1...100_000)
      if !names.isEmpty && count != names.count {
        throw ShellError("\(count) nodes but \(names.count) names", column: t.column)
      }
    }
    let roles = inv.flags["--role"].map { [$0.text] } ?? []
    if let role = roles.first, !World.isValidName(role) {
      throw ShellError("'\(role)' is not a usable role name", column: inv.flags["--role"]?.column)
    }
    let made = try attempt(inv.column) { () throws(WorldError) in
      try s.world.spawn(count: count, names: names, roles: roles, region: inv.flags["--region"]?.text)
    }
    return .nodesChanged(.spawned, made)
  }

  static func kill(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    try inv.expectCount(1...1, usage: "kill NODES [--chance RATIO]")
    let ids = try NodeSet.resolve(inv.positional[0], in: s.world)
    if let t = inv.flags["--chance"] {
      let p = try inv.ratio(t, what: "--chance")
      let killed = try attempt(inv.column) { () throws(WorldError) in try s.world.kill(ids, chance: p) }
      return .nodesChanged(.killed, killed)
    }
    let killed = try attempt(inv.positional[0].column) { () throws(WorldError) in try s.world.kill(ids) }
    return .nodesChanged(.killed, killed)
  }

  static func change(
    _ name: String, summary: String, verb: NodeLifecycle, example: [String],
    _ op: @escaping @Sendable (World, [NodeID]) throws(WorldError) -> [NodeInfo]
  ) -> CommandSpec {
    CommandSpec(
      name, family: .nodes, usage: "\(name) NODES", summary: summary, example: example, positionals: [.nodeSet],
      action: { (inv, s) throws(ShellError) in
        try inv.expectCount(1...1, usage: "\(name) NODES")
        let ids = try NodeSet.resolve(inv.positional[0], in: s.world)
        let changed = try attempt(inv.positional[0].column) { () throws(WorldError) in try op(s.world, ids) }
        return .nodesChanged(verb, changed)
      })
  }

  static func list(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    try inv.expectCount(0...1, usage: "nodes [NODES]")
    let ids =
      try inv.word(0).map { (t) throws(ShellError) in try NodeSet.resolve(t, in: s.world) }
      ?? s.world.allNodes.map(\.id)
    var rows: [NodeRow] = []
    for id in ids {
      guard let info = s.world.info(id) else { continue }
      let summary = try attempt(inv.column) { () throws(WorldError) in try s.world.summary(of: id) }
      rows.append(NodeRow(info: info, summary: summary))
    }
    return .nodeTable(rows)
  }
}
