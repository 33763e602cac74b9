import DistLab
import DistLabNet

/// `spawn`, `kill`, `restart`, `pause`, `resume` and `nodes`.
enum NodeCommands {
  static let specs: [CommandSpec] = [
    CommandSpec(
      "spawn", family: .nodes,
      summary: "start new nodes, each on its own thread",
      details: [
        "Nodes are named n1, n2, … unless --name gives names. --role runs that role's program",
        "(the first role runs when none is given), and the role's name in the plural stands",
        "for all of its nodes in node sets ('kill workers'). --region places them.",
      ],
      example: ["spawn 3", "spawn --name db1,db2 --role standard --region eu-west"],
      positionals: [Positional("COUNT", .count, .optional)],
      flags: [
        FlagSpec("--name", .text, placeholder: "NAME,…", help: "names for the new nodes"),
        FlagSpec("--role", .role, placeholder: "ROLE", help: "the role the new nodes run"),
        FlagSpec("--region", .region, placeholder: "REGION", help: "the region they live in"),
      ],
      action: spawn,
      worldDetails: { world in
        ["Roles: " + world.roles.roles.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ") + ".", ""]
      }),
    CommandSpec(
      "connect", family: .nodes, summary: "join a node process started elsewhere (process mode)",
      details: [
        "In process mode every node is an OS process. 'distlab node --listen HOST:PORT --role ROLE'",
        "starts one by hand, on this machine or another; connect adds it to the world under its own",
        "name (or --name). kill and restart are then asked of that process, which drops its",
        "program or starts a fresh one and lives on; its disk stays where it runs.",
      ],
      positionals: [Positional("HOST:PORT", .text)],
      flags: [FlagSpec("--name", .text, placeholder: "NAME", help: "the name it goes by here")],
      action: connect),
    CommandSpec(
      "kill", family: .nodes,
      summary: "crash nodes: memory is lost, messages to them are dropped",
      details: [
        "A node's disk (where a role keeps what must survive a crash) outlives kill and restart;",
        "--wipe clears it too, as if the machine were replaced. --chance kills each node",
        "independently with that probability, drawn from the seed.",
      ],
      example: ["spawn 4", "kill n1 --wipe", "kill n2", "kill n3,n4 --chance 50%"],
      positionals: [Positional("NODES", .nodeSet)],
      flags: [
        FlagSpec("--chance", .ratio, placeholder: "RATIO", help: "kill each node with this probability"),
        FlagSpec("--wipe", help: "clear the nodes' disks too"),
      ],
      action: kill),
    change(
      "restart", summary: "start nodes again, empty (an up node is killed first)", verb: .restarted,
      example: ["spawn 2", "kill n2", "restart n2"]
    ) { (w, ids) throws(WorldError) in
      try w.restart(ids)
    },
    change(
      "pause", summary: "freeze nodes: alive, memory kept, silent until resumed", verb: .paused,
      example: ["spawn 3", "pause n3"]
    ) { (w, ids) throws(WorldError) in
      try w.pause(ids)
    },
    change(
      "resume", summary: "unfreeze paused nodes; what waited is handled as time moves on", verb: .resumed,
      example: ["spawn 3", "pause n3", "resume n3"]
    ) { (w, ids) throws(WorldError) in
      try w.resume(ids)
    },
    CommandSpec(
      "nodes", family: .nodes, summary: "list nodes with status, roles, region and counters",
      details: [
        "INC is the node's incarnation: 1 after spawn, one more at every restart. A restarted node",
        "is a new incarnation with empty memory. Each node reports its own numbers from where its",
        "program runs; a standard node's are messages received, calls executed and keys held.",
        "These columns are the world's truth. --view NODE shows instead what NODE itself believes",
        "of the others, as far as its role keeps a view (a monitor of 'detect start' does).",
      ],
      example: ["spawn 3", "nodes", "nodes n2"], positionals: [Positional("NODES", .nodeSet, .optional)],
      flags: [FlagSpec("--view", .node, placeholder: "NODE", help: "what NODE believes of the others, not the truth")],
      action: list),
  ]

  static func spawn(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
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
    if let role = roles.first, s.world.roles.role(named: role) == nil {
      let known = s.world.roles.names
      throw ShellError(
        "unknown role '\(role)'\(Suggest.hint(for: role, in: known)) (roles: \(known.joined(separator: ", ")))",
        column: inv.flags["--role"]?.column)
    }
    let made = try attempt(inv.column) { () throws(WorldError) in
      try s.world.spawn(count: count, names: names, roles: roles, region: inv.flags["--region"]?.text)
    }
    return .nodesChanged(.spawned, made)
  }

  static func connect(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let address = inv.positional[0]
    guard let (_, port) = NodeProcess.address(address.text), port > 0 else {
      throw ShellError(
        "an address is HOST:PORT, like 127.0.0.1:7001 (the one 'distlab node' printed), not '\(address.text)'",
        column: address.column)
    }
    let joined = try attempt(address.column) { () throws(WorldError) in
      try s.world.connect(address.text, name: inv.flags["--name"]?.text)
    }
    return .nodesChanged(.connected, [joined])
  }

  static func kill(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let ids = try NodeSet.resolve(inv.positional[0], in: s.world)
    let wipe = inv.has("--wipe")
    if let t = inv.flags["--chance"] {
      let p = try inv.ratio(t, what: "--chance")
      let killed = try attempt(inv.column) { () throws(WorldError) in try s.world.kill(ids, chance: p, wipe: wipe) }
      return .nodesChanged(wipe ? .wiped : .killed, killed)
    }
    let killed = try attempt(inv.positional[0].column) { () throws(WorldError) in try s.world.kill(ids, wipe: wipe) }
    return .nodesChanged(wipe ? .wiped : .killed, killed)
  }

  static func change(
    _ name: String, summary: String, verb: NodeLifecycle, example: [String],
    _ op: @escaping @Sendable (World, [NodeID]) throws(WorldError) -> [NodeInfo]
  ) -> CommandSpec {
    CommandSpec(
      name, family: .nodes, summary: summary, example: example, positionals: [Positional("NODES", .nodeSet)],
      action: { (inv, s) throws(ShellError) in
        let ids = try NodeSet.resolve(inv.positional[0], in: s.world)
        let changed = try attempt(inv.positional[0].column) { () throws(WorldError) in try op(s.world, ids) }
        return .nodesChanged(verb, changed)
      })
  }

  static func list(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    if let v = inv.flags["--view"] {
      if let t = inv.word(0) {
        throw ShellError("--view shows one node's own view: it takes no NODES", column: t.column)
      }
      let node = try NodeSet.single(v, in: s.world)
      for lab in Labs.all {
        if let view = try lab.nodeView?(s, node, inv.column) { return view }
      }
      throw ShellError(
        "\(s.world.name(of: node)) keeps no view of the others: a monitor does ('detect start')", column: v.column)
    }
    let ids =
      try inv.word(0).map { (t) throws(ShellError) in try NodeSet.resolve(t, in: s.world) }
      ?? s.world.allNodes.map(\.id)
    var rows: [NodeRow] = []
    for id in ids {
      guard let info = s.world.info(id) else { continue }
      let summary = try attempt(inv.column) { () throws(WorldError) in try s.world.summary(of: id) }
      rows.append(
        NodeRow(
          info: info, summary: summary, metrics: s.world.role(of: id)?.metrics ?? [],
          location: s.world.location(of: id)))
    }
    return .nodeTable(rows)
  }
}
