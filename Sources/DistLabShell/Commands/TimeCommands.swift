import DistLab

/// `advance`, `time`, `seed`, `mode`, `set` and `reset`: the clock and the world as a whole.
enum TimeCommands {
  static let settings: [String] = ["max-nodes", "trace-limit"]

  static let specs: [CommandSpec] = [
    CommandSpec(
      "advance", family: .time, summary: "let time pass; everything due by then happens",
      details: ["In sim mode time stands still between commands; advance moves it. Ctrl-C stops early."],
      example: ["advance 500ms", "advance 2s"], positionals: [Positional("DURATION", .duration)], action: advance),
    CommandSpec(
      "time", family: .time, summary: "the current time and how many events wait",
      example: ["time"],
      action: { (inv, s) throws(ShellError) in
        return .clock(s.world.now, pending: s.world.pendingEvents)
      }),
    CommandSpec(
      "seed", family: .time, summary: "show the seed, or set it and start the world over",
      details: ["One seed fixes every random draw in sim mode: the same seed and commands give the same output."],
      example: ["seed 42"], positionals: [Positional("N", .number, .optional)], action: seed),
    CommandSpec(
      "mode", family: .time, summary: "show the mode, or switch and start the world over",
      details: [
        "sim: a virtual clock; the seed fixes everything. live: the wall clock; nodes run freely",
        "and output differs from run to run. process: the wall clock, and every node an OS process",
        "of its own ('distlab node') on this machine, joined by real TCP; kill is a real SIGKILL.",
      ],
      example: ["mode live", "mode sim"], positionals: [.choice(WorldMode.allCases.map(\.rawValue), .optional)],
      action: mode),
    CommandSpec(
      "set", family: .time, summary: "change a limit of the world",
      details: [
        "max-nodes: spawning beyond it is refused (default \(WorldConfig().maxNodes), at most",
        "\(WorldConfig.maxNodesRange.upperBound)). trace-limit: events kept (default \(WorldConfig().traceLimit),",
        "\(WorldConfig.traceLimitRange.lowerBound) to \(WorldConfig.traceLimitRange.upperBound)).",
      ],
      example: ["set max-nodes 2000"], positionals: [.choice(settings), Positional("N", .number)], action: set),
    CommandSpec(
      "reset", family: .time, summary: "start over: no nodes, time zero, default network (seed kept)",
      example: ["reset"],
      action: { (inv, s) throws(ShellError) in
        s.world.reset()
        s.labs.releaseStale()
        return .reset
      }),
  ]

  static func advance(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let d = try inv.duration(inv.positional[0], what: "the time to advance")
    guard d <= .seconds(86_400) else {
      throw ShellError("advance at most 24h at a time", column: inv.positional[0].column)
    }
    let outcome = try attempt(inv.column) { () throws(WorldError) in try s.world.advance(by: d, cancel: s.cancel) }
    return .advanced(outcome)
  }

  static func seed(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    guard let t = inv.word(0) else { return .seed(s.world.seed, changed: false) }
    guard let v = UInt64(t.text) else {
      throw ShellError("a seed is a whole number from 0 to 2^64-1, not '\(t.text)'", column: t.column)
    }
    s.world.reseed(v)
    return .seed(v, changed: true)
  }

  static func mode(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    guard let t = inv.word(0) else { return .mode(s.world.mode, changed: false) }
    let modes = WorldMode.allCases.map(\.rawValue)
    guard let m = WorldMode(rawValue: t.text) else {
      throw ShellError(
        "unknown mode '\(t.text)'\(Suggest.hint(for: t.text, in: modes)) (\(modes.joined(separator: ", ")))",
        column: t.column)
    }
    if m == .process && s.sandbox != nil {
      throw ShellError("process mode starts OS processes, which a graded solution may not", column: t.column)
    }
    try attempt(t.column) { () throws(WorldError) in try s.world.switchMode(m) }
    return .mode(m, changed: true)
  }

  static func set(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let name = inv.positional[0]
    let value = try inv.integer(inv.positional[1], what: name.text, range: Int.min...Int.max)
    switch name.text {
    case "max-nodes":
      try attempt(inv.positional[1].column) { () throws(WorldError) in try s.world.setMaxNodes(value) }
    case "trace-limit":
      try attempt(inv.positional[1].column) { () throws(WorldError) in try s.world.setTraceLimit(value) }
    default:
      throw ShellError(
        "unknown setting '\(name.text)'\(Suggest.hint(for: name.text, in: settings)) (\(settings.joined(separator: ", ")))",
        column: name.column)
    }
    return .setting(name: name.text, value: String(value))
  }
}
