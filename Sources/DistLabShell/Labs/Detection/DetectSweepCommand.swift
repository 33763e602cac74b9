import DistLab
import DistLabDetection

/// `detect sweep`: reading its words into a plan and running it.
extension DetectCommands {
  static func sweep(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    guard let parameter = DetectionSweep.Parameter(rawValue: inv.positional[0].text) else {
      throw ShellError(
        "sweep timeout or threshold, not '\(inv.positional[0].text)'", column: inv.positional[0].column)
    }
    let (from, to) = (inv.positional[1], inv.positional[2])
    let low: Double
    let high: Double
    switch parameter {
    case .timeout:
      low = try inv.duration(from, what: "FROM").milliseconds
      high = try inv.duration(to, what: "TO").milliseconds
    case .indirect:
      low = Double(try inv.integer(from, what: "FROM", range: 0...10))
      high = Double(try inv.integer(to, what: "TO", range: 0...10))
    case .threshold:
      guard let a = Double(from.text), a.isFinite, a > 0 else {
        throw ShellError("a φ threshold is above 0, like 8, not '\(from.text)'", column: from.column)
      }
      guard let b = Double(to.text), b.isFinite, b > 0 else {
        throw ShellError("a φ threshold is above 0, like 8, not '\(to.text)'", column: to.column)
      }
      (low, high) = (a, b)
    }
    guard low > 0 || parameter == .indirect, low <= high else {
      throw ShellError("FROM is above 0 and at most TO", column: from.column)
    }
    var steps = try inv.flagInt("--steps", range: 1...50) ?? 8
    if parameter == .indirect { steps = Int(high - low) + 1 }
    let seeds = try inv.flagInt("--seeds", range: 1...200) ?? 10
    let nodes = try inv.flagInt("--nodes", range: 3...20) ?? 4
    let loss = try inv.flags["--loss"].map { (t) throws(ShellError) in try inv.ratio(t, what: "--loss") } ?? 0
    let pause = try inv.flagDuration("--pause")
    if let pause, pause > .seconds(10) {
      throw ShellError("--pause is at most 10s (the run kills a node at 20s)", column: inv.flags["--pause"]?.column)
    }
    let interval = try interval(inv)
    if parameter == .indirect, interval <= .milliseconds(500) {
      throw ShellError("probes need an --interval longer than their 500ms timeout", column: inv.column)
    }
    let values = (0..<steps).map { i in steps == 1 ? low : low + (high - low) * Double(i) / Double(steps - 1) }
    var plan = DetectionSweep.Plan(
      parameter: parameter, values: values, seeds: seeds, nodes: nodes, interval: interval,
      jitter: try inv.flagDuration("--jitter"), loss: loss, pause: pause)
    if let allowance = try inv.flagDuration("--pause-allowance") { plan.acceptablePause = allowance }
    let points = try attempt(inv.column) { () throws(WorldError) in
      try DetectionSweep(plan).run(roles: s.world.roles, cancel: s.cancel)
    }
    return .detect(.sweep(plan, points))
  }
}
