import DistLab

/// `trace` and `stats`: looking at what happened.
enum ObserveCommands {
  static let specs: [CommandSpec] = [
    CommandSpec(
      "trace", family: .observe,
      summary: "a sequence diagram of recent events: a column per node, arrows for messages",
      details: [
        "Drops are marked ✗ with the reason. --list prints one event per line instead.",
        "In process mode each node reports on its own clock: the shell orders events by its",
        "estimate of when they happened and marks ≈ an event that may have come before the one",
        "above it (their clocks' error is larger than the gap, and neither caused the other).",
        "--causal orders them by the Lamport clock every frame carries instead: cause before",
        "effect, exactly, with each event's Lamport time (L12) in the margin.",
      ],
      example: ["spawn 2", "send n1 n2 hello", "trace", "trace --last 50 --nodes n1,n2", "trace --list"],
      flags: [
        FlagSpec("--last", .count, placeholder: "N", help: "how many events (default 30)"),
        FlagSpec("--nodes", .nodeSet, placeholder: "NODES", help: "only events between these nodes"),
        FlagSpec("--list", help: "one event per line"),
        FlagSpec("--causal", help: "process mode: in Lamport order, cause before effect"),
      ],
      action: trace),
    CommandSpec(
      "stats", family: .observe,
      summary: "messages sent, delivered, dropped, duplicated; latency percentiles",
      example: ["stats", "stats reset", "stats --roles"], positionals: [.choice(["reset"], .optional)],
      flags: [FlagSpec("--roles", help: "also each role's numbers, summed over its up nodes")], action: stats),
  ]

  static func trace(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    // A send is drawn by its delivery or drop; only messages still in flight show their send.
    let last = try inv.flagInt("--last", range: 1...100_000) ?? 30
    let filter = try inv.flags["--nodes"].map { (t) throws(ShellError) in
      Set(try NodeSet.resolve(t, in: s.world, allowClient: true))
    }
    let log = s.world.trace
    let count = log.events.count
    var at: (Int) -> TraceEvent = { log[age: $0] }
    let causalOrder = inv.has("--causal")
    if causalOrder && s.world.mode != .process {
      throw ShellError(
        "--causal needs Lamport clocks, which only process mode's nodes keep ('mode process')",
        column: inv.flags["--causal"]?.column ?? inv.column)
    }
    var all: [TraceEvent] = []
    var order: [Int] = []
    if s.world.mode != .sim {
      // Live nodes record from their own threads, and node processes upload theirs in batches,
      // so neighbouring events can land out of order.
      all = log.ordered
      order =
        causalOrder
        ? CausalOrder.lamportOrder(all) : all.indices.sorted { (all[$0].time, $0) < (all[$1].time, $1) }
      at = { all[order[$0]] }
    }
    // One pass from the newest back, copying only what is shown: a long trace costs a count,
    // not a copy, and Ctrl-C or a time limit stops it.
    var newestFirst: [TraceEvent] = []
    var places: [Int] = []
    var settled = Set<Int>()
    var kept = 0
    for k in stride(from: count - 1, through: 0, by: -1) {
      if k & 4095 == 0, s.cancel() { throw ShellError("trace interrupted; nothing shown", column: inv.column) }
      let e = at(k)
      if let filter, !(filter.contains(e.node) && (e.peer.map { filter.contains($0) } ?? true)) { continue }
      if e.kind == .deliver || e.kind == .drop, let id = e.messageID { settled.insert(id) }
      guard e.kind != .duplicate, !(e.kind == .send && settled.contains(e.messageID ?? -1)) else { continue }
      kept += 1
      if newestFirst.count < last {
        newestFirst.append(e)
        places.append(k)
      }
    }
    let shown = Array(newestFirst.reversed())
    var gutters: [String]?
    if s.world.mode == .process {
      let shownPlaces = places.reversed().map { order[$0] }
      if causalOrder {
        gutters = shown.map { "L\($0.clock ?? 0)" }
      } else {
        let causal = CausalOrder(all)
        gutters = shown.indices.map { i in
          let uncertain = i > 0 && causal.uncertain(all, shownPlaces[i - 1], shownPlaces[i])
          return (uncertain ? "≈" : "") + shown[i].time.clockReading
        }
      }
    }
    let omitted = kept - shown.count + (log.totalRecorded - count)
    var names: [NodeID: String] = [.client: "cli"]
    for n in s.world.allNodes { names[n.id] = n.name }
    var used = Set<NodeID>()
    for e in shown {
      used.insert(e.node)
      if let p = e.peer { used.insert(p) }
    }
    let columns = used.sorted()
    return .trace(
      TraceView(
        events: shown, columns: columns, names: names, omitted: omitted, asList: inv.has("--list"), gutters: gutters))
  }

  static func stats(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    if let t = inv.word(0) {
      guard t.text == "reset" else {
        throw ShellError("unknown word '\(t.text)'; did you mean 'stats reset'?", column: t.column)
      }
      s.world.clearStats()
      return .setting(name: "statistics", value: "reset to zero")
    }
    var view = StatsView(stats: s.world.trace.stats, elapsed: s.world.now)
    if inv.has("--roles") { view.roles = try roleTotals(s, column: inv.column) }
    return .stats(view)
  }

  /// Each role's metrics summed over its up nodes, asked of the nodes themselves.
  static func roleTotals(_ s: ShellSession, column: Int) throws(ShellError) -> [RoleTotals] {
    var totals: [RoleTotals] = []
    for role in s.world.roles.roles {
      let ids = s.world.allNodes.filter { $0.status == .up && s.world.role(of: $0.id)?.name == role.name }.map(\.id)
      guard !ids.isEmpty else { continue }
      var sums = role.metrics.map { ($0, 0.0) }
      for id in ids {
        let summary = try attempt(column) { () throws(WorldError) in try s.world.summary(of: id) }
        for k in sums.indices { sums[k].1 += summary?.metric(sums[k].0) ?? 0 }
      }
      totals.append(RoleTotals(role: role.name, nodes: ids.count, metrics: sums))
    }
    return totals
  }
}
