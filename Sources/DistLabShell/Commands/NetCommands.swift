import DistLab

/// `net`: show and change latency, loss, duplication, partitions, cuts and regions.
enum NetCommands {
  /// The latency shapes as typed, in the order help shows them.
  static let shapes = ["fixed", "uniform", "normal", "exp"]

  static let between = FlagSpec(
    "--between", .nodeSet, placeholder: "A,B", help: "only the link between these two nodes")

  static let spec = CommandSpec(
    "net", family: .network,
    summary: "show or change the network",
    example: [
      "spawn 3", "net latency uniform 10ms 5ms", "net loss 10%", "net partition n1,n2 | n3", "net heal", "net",
    ],
    subcommands: [
      CommandSpec("show", family: .network, summary: "the network's settings", action: show),
      CommandSpec(
        "latency", family: .network, summary: "how long messages take",
        details: [
          "fixed D: always D. uniform MEAN SPREAD: evenly between MEAN-SPREAD and MEAN+SPREAD.",
          "normal MEAN SPREAD: bell curve with standard deviation SPREAD. exp MEAN: mostly fast,",
          "with a long tail. Nodes in regions also wait for light: distance / 200,000 km/s.",
        ],
        example: ["spawn 3", "net latency 5ms", "net latency normal 20ms 5ms", "net latency 80ms --between n1,n3"],
        positionals: [
          .choice(shapes, .optional), Positional("MEAN", .duration),
          Positional("SPREAD", .duration, .optional),
        ], flags: [between], action: latency),
      CommandSpec(
        "loss", family: .network, summary: "the chance a message is lost",
        example: ["spawn 2", "net loss 10%", "net loss 0.5 --between n1,n2"],
        positionals: [Positional("RATIO", .ratio)],
        flags: [between], action: loss
      ),
      CommandSpec(
        "dup", family: .network, summary: "the chance a message arrives twice",
        example: ["net dup 20%"], positionals: [Positional("RATIO", .ratio)], action: dup),
      CommandSpec(
        "partition", family: .network, summary: "split nodes into groups that cannot reach each other",
        details: ["Nodes not named keep talking to everyone. 'cli' (the shell) can be put in a group."],
        example: ["spawn 4", "net partition n1,n2 | n3,n4"],
        positionals: [Positional("NODES | NODES", .nodeSet, .many)],
        action: partition),
      CommandSpec(
        "cut", family: .network, summary: "cut one direction of a link",
        example: ["spawn 2", "net cut n1 n2"], positionals: [Positional("FROM", .node), Positional("TO", .node)],
        action: cut),
      CommandSpec("heal", family: .network, summary: "remove every partition and cut", action: heal),
      CommandSpec(
        "regions", family: .network, summary: "list regions and their distances", action: show),
      CommandSpec(
        "region", family: .network, summary: "define a region on the globe",
        example: ["net region lab 48.85 2.35"],
        positionals: [Positional("NAME", .text), Positional("LATITUDE", .number), Positional("LONGITUDE", .number)],
        action: region),
      CommandSpec(
        "distance", family: .network, summary: "fix the distance between two regions",
        example: ["net distance us-east eu-west 6000km"],
        positionals: [Positional("REGION", .region), Positional("REGION", .region), Positional("KM", .number)],
        action: distance),
      CommandSpec(
        "place", family: .network, summary: "move nodes to a region",
        example: ["spawn 3", "net place n1 us-east", "net place n2,n3 eu-west"],
        positionals: [Positional("NODES", .nodeSet), Positional("REGION", .region)], action: place),
      CommandSpec(
        "reset", family: .network, summary: "back to 1ms fixed latency, no loss, no faults",
        action: reset),
    ],
    action: show)

  static func show(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    var names: [NodeID: String] = [.client: "cli"]
    for n in s.world.allNodes { names[n.id] = n.name }
    return .network(NetworkView(config: s.world.network, names: names, regionsOnly: inv.subcommand == "regions"))
  }

  static func link(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> Link? {
    guard let t = inv.flags["--between"] else { return nil }
    let ids = try NodeSet.resolve(t, in: s.world, allowClient: true)
    guard ids.count == 2 else {
      throw ShellError("--between names exactly two nodes, like n1,n2 (or cli,n2)", column: t.column)
    }
    return Link(ids[0], ids[1])
  }

  static func latency(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let usage = spec.subcommand("latency")?.usage ?? "net latency"
    let first = inv.positional[0]
    var words = inv.positional
    var shape = "fixed"
    if Units.duration(first.text) == nil {
      guard shapes.contains(first.text) else {
        throw ShellError(
          "unknown latency shape '\(first.text)'\(Suggest.hint(for: first.text, in: shapes)) (\(shapes.joined(separator: ", ")))",
          column: first.column)
      }
      shape = first.text
      words.removeFirst()
    }
    let needs = shape == "uniform" || shape == "normal" ? 2 : 1
    guard words.count == needs else {
      throw ShellError(
        "'\(shape)' takes \(needs == 2 ? "a mean and a spread" : "one duration"): \(usage)",
        column: (words.last ?? first).column)
    }
    let mean = try inv.duration(words[0], what: "the latency")
    let spread = needs == 2 ? try inv.duration(words[1], what: "the spread") : .zero
    let model: LatencyModel =
      switch shape {
      case "uniform": .uniform(mean: mean, spread: spread)
      case "normal": .normal(mean: mean, spread: spread)
      case "exp": .exponential(mean: mean)
      default: .fixed(mean)
      }
    let l = try link(inv, s)
    try attempt(inv.column) { () throws(WorldError) in try s.world.setLatency(model, link: l) }
    return .networkChanged("latency \(scope(l, s)) is now \(model)")
  }

  static func scope(_ l: Link?, _ s: ShellSession) -> String {
    guard let l else { return "everywhere" }
    return "between \(s.world.name(of: l.a)) and \(s.world.name(of: l.b))"
  }

  static func loss(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let p = try inv.ratio(inv.positional[0], what: "the loss")
    let l = try link(inv, s)
    try attempt(inv.column) { () throws(WorldError) in try s.world.setLoss(p, link: l) }
    return .networkChanged("loss \(scope(l, s)) is now \(Percent.format(p))")
  }

  static func dup(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let p = try inv.ratio(inv.positional[0], what: "the duplication")
    try attempt(inv.column) { () throws(WorldError) in try s.world.setDuplication(p) }
    return .networkChanged("duplication is now \(Percent.format(p))")
  }

  static func partition(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    var groups: [[NodeID]] = [[]]
    for t in inv.positional {
      let parts = t.text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
      for (i, part) in parts.enumerated() {
        if i > 0 { groups.append([]) }
        if part.isEmpty { continue }
        let ids = try NodeSet.resolve(Token(part, column: t.column), in: s.world, allowClient: true)
        groups[groups.count - 1] += ids
      }
    }
    guard groups.count >= 2 else {
      throw ShellError(
        "separate the groups with '|': net partition n1,n2 | n3", column: inv.positional.first?.column ?? inv.column)
    }
    try attempt(inv.column) { () throws(WorldError) in try s.world.partition(groups) }
    let text = groups.map { g in g.map { s.world.name(of: $0) }.joined(separator: ",") }.joined(separator: " | ")
    return .networkChanged("partitioned: \(text)")
  }

  static func cut(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let a = try NodeSet.single(inv.positional[0], in: s.world, allowClient: true)
    let b = try NodeSet.single(inv.positional[1], in: s.world, allowClient: true)
    try attempt(inv.column) { () throws(WorldError) in try s.world.cut(from: a, to: b) }
    return .networkChanged("cut \(s.world.name(of: a)) → \(s.world.name(of: b)) (the other direction still works)")
  }

  static func heal(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let n = s.world.heal()
    return .networkChanged(
      n == 0 ? "nothing to heal" : "healed \(n) fault\(n == 1 ? "" : "s"): every node reaches every node")
  }

  static func region(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    guard let lat = Double(inv.positional[1].text), let lon = Double(inv.positional[2].text) else {
      throw ShellError("latitude and longitude are decimal degrees, like 48.85 2.35", column: inv.positional[1].column)
    }
    try attempt(inv.column) { () throws(WorldError) in
      try s.world.defineRegion(inv.positional[0].text, latitude: lat, longitude: lon)
    }
    return .networkChanged("region \(inv.positional[0].text) at \(lat), \(lon)")
  }

  static func distance(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    guard let km = Units.kilometres(inv.positional[2].text) else {
      throw ShellError("a distance is in kilometres, like 6000km", column: inv.positional[2].column)
    }
    let a = inv.positional[0].text
    let b = inv.positional[1].text
    try attempt(inv.column) { () throws(WorldError) in try s.world.setDistance(a, b, km: km) }
    return .networkChanged(
      "\(a) ↔ \(b) is \(Int(km.rounded())) km: light in fibre needs at least \(Region.lightFloor(km: km)) one way")
  }

  static func place(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let ids = try NodeSet.resolve(inv.positional[0], in: s.world)
    let region = inv.positional[1]
    do {
      try s.world.place(ids, in: region.text)
    } catch {
      throw error.shell(region.column)
    }
    return .networkChanged("\(ids.map { s.world.name(of: $0) }.joined(separator: ", ")) now in \(region.text)")
  }

  static func reset(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    s.world.resetNetwork()
    return .networkChanged("network reset: latency fixed 1ms, no loss, no duplication, no faults")
  }
}

/// Ratios as percentages: `10%`, `0.5%`.
/// A probability as a percentage, exact to four decimals, never shown as a whole 0% or 100%
/// it is not: `10%`, `12.5%`, `99.999%`, `<0.0001%`.
enum Percent {
  static func format(_ p: Double) -> String {
    let v = p * 100
    if v == v.rounded() { return "\(Int(v))%" }
    var s = String(format: "%.4f", v)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    if s == "0" { return "<0.0001%" }
    if s == "100" { return ">99.9999%" }
    return s + "%"
  }
}
