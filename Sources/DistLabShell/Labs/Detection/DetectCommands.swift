import DistLab
import DistLabDetection

/// `detect …`: failure detectors watching each other — heartbeats with a timeout or φ accrual,
/// or SWIM-style probes — their views, their record against the truth, and their trade-off.
enum DetectCommands {
  static let spec = CommandSpec(
    "detect", family: .observe,
    summary: "failure detectors: heartbeats with a timeout or φ accrual, or probes; views and trade-offs",
    details: [
      "Monitors m1, m2, … each send the others a heartbeat every --interval and judge each peer on its own:",
      "silent for longer than --timeout, or φ above --phi (Akka's φ accrual, threshold 8 by default). With",
      "--probe K they ask instead, and ask K others to ask when a peer does not answer (SWIM's ping-req).",
      "A node sees only what reaches it: paused, slow or cut off looks like dead. 'detect report' compares",
      "the suspicions with the world's truth.",
    ],
    example: ["detect start --nodes 4 --timeout 3s", "advance 5s", "kill m4", "advance 5s", "detect report"],
    subcommands: [
      CommandSpec(
        "start", family: .observe, summary: "spawn monitors m1, m2, … that watch each other",
        example: ["detect start --nodes 4 --phi 8"],
        flags: [
          FlagSpec("--nodes", .count, placeholder: "N", help: "how many monitors (default 4)"),
          FlagSpec("--interval", .duration, placeholder: "D", help: "heartbeat or probe interval (default 1s)"),
          FlagSpec("--timeout", .duration, placeholder: "D", help: "suspect a peer silent for longer than D"),
          FlagSpec("--phi", .number, placeholder: "T", help: "suspect a peer when φ passes T (the default, 8)"),
          FlagSpec(
            "--pause-allowance", .duration, placeholder: "D",
            help: "φ: a pause this long beyond the mean counts as normal (Akka: 3s)"),
          FlagSpec("--probe", .count, placeholder: "K", help: "probe instead, with K indirect probes (0: none)"),
        ],
        action: start),
      CommandSpec(
        "view", family: .observe, summary: "what one monitor believes about the others, and why",
        example: ["detect start", "advance 3s", "detect view m1"], positionals: [Positional("NODE", .node)],
        action: view),
      CommandSpec(
        "report", family: .observe,
        summary: "the suspicions against the world's truth: time to detect each kill, false suspicions",
        example: ["detect start", "advance 3s", "kill m4", "advance 6s", "detect report"], action: report),
      CommandSpec(
        "sweep", family: .observe,
        summary: "the trade-off: detection time and false suspicions as a setting moves, over many seeds",
        details: [
          "For each value from FROM to TO: on seeds 1…--seeds, monitors watch each other for 20s (the second",
          "paused for --pause at 10s, if given), then the last is killed and watched for 20s more. timeout",
          "sweeps a fixed timeout, threshold a φ threshold; indirect sweeps how many nodes probe for a peer",
          "that did not answer (probe mode, every integer from FROM to TO).",
        ],
        example: ["detect sweep timeout 1s 4s --steps 4 --seeds 3 --pause 2s", "detect sweep indirect 0 3 --loss 10%"],
        positionals: [
          Positional("timeout|threshold|indirect", .choice(DetectionSweep.Parameter.allCases.map(\.rawValue))),
          Positional("FROM", .text), Positional("TO", .text),
        ],
        flags: [
          FlagSpec("--steps", .count, placeholder: "N", help: "values from FROM to TO (default 8)"),
          FlagSpec("--seeds", .count, placeholder: "N", help: "runs per value (default 10)"),
          FlagSpec("--nodes", .count, placeholder: "N", help: "monitors per run (default 4)"),
          FlagSpec("--interval", .duration, placeholder: "D", help: "heartbeat interval (default 1s)"),
          FlagSpec("--jitter", .duration, placeholder: "D", help: "latency spread around 10ms on every link"),
          FlagSpec("--loss", .ratio, placeholder: "P", help: "message loss on every link"),
          FlagSpec("--pause", .duration, placeholder: "D", help: "pause the second monitor this long at 10s"),
          FlagSpec(
            "--pause-allowance", .duration, placeholder: "D", help: "φ: a pause this long counts as normal (3s)"),
        ],
        action: sweep),
    ])

  static func started(_ s: ShellSession, _ column: Int) throws(ShellError) -> DetectionClient {
    guard s.detection.settings != nil else {
      throw ShellError("no monitors yet: 'detect start' starts them", column: column)
    }
    return s.detection
  }

  static func interval(_ inv: Invocation) throws(ShellError) -> Nanoseconds {
    let interval = try inv.flagDuration("--interval") ?? .seconds(1)
    guard interval >= .milliseconds(10), interval <= .seconds(60) else {
      throw ShellError("--interval is between 10ms and 60s", column: inv.flags["--interval"]?.column)
    }
    return interval
  }

  static func start(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    guard s.detection.settings == nil else {
      throw ShellError("the monitors already run; 'reset' starts over", column: inv.column)
    }
    let count = try inv.flagInt("--nodes", range: 2...50) ?? 4
    let every = try interval(inv)
    if inv.has("--timeout") && inv.has("--phi") {
      throw ShellError("a detector has a --timeout or a --phi threshold, not both", column: inv.flags["--phi"]?.column)
    }
    var kind = DetectorSettings.Kind.phi(threshold: 8)
    if let t = try inv.flagDuration("--timeout") {
      guard t > .zero else { throw ShellError("--timeout is more than 0", column: inv.flags["--timeout"]?.column) }
      kind = .timeout(t)
    }
    if let p = inv.flags["--phi"] {
      guard let threshold = Double(p.text), threshold.isFinite, threshold > 0 else {
        throw ShellError("--phi is a threshold above 0, like 8, not '\(p.text)'", column: p.column)
      }
      kind = .phi(threshold: threshold)
    }
    var settings = DetectorSettings(members: [], interval: every, kind: kind)
    if let allowance = try inv.flagDuration("--pause-allowance") { settings.acceptablePause = allowance }
    if let k = try inv.flagInt("--probe", range: 0...10) {
      guard case .timeout = kind, !inv.has("--phi") else {
        throw ShellError(
          "--probe suspects after a silent round: it takes no --phi", column: inv.flags["--probe"]?.column)
      }
      guard every > settings.probeTimeout else {
        throw ShellError("--probe needs an --interval longer than its 500ms probe timeout", column: inv.column)
      }
      settings.indirect = k
    }
    let made = try attempt(inv.column) { () throws(WorldError) in
      try s.detection.start(count: count, settings: settings)
    }
    return .detect(.started(made, s.detection.settings ?? settings, unconfigured: s.detection.unconfigured))
  }

  static func view(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let lab = try started(s, inv.column)
    let node = try NodeSet.single(inv.positional[0], in: s.world)
    guard lab.nodes.contains(node) else {
      throw ShellError("'\(inv.positional[0].text)' is not a monitor", column: inv.positional[0].column)
    }
    let peers = try attempt(inv.column) { () throws(WorldError) in try lab.view(of: node) }
    return .detect(.view(node, peers))
  }

  /// A monitor's view for `nodes --view`; nil for a node that is not a monitor.
  static func nodeView(_ s: ShellSession, _ node: NodeID, _ column: Int) throws(ShellError) -> CommandResult? {
    guard s.detection.settings != nil, s.detection.nodes.contains(node) else { return nil }
    let peers = try attempt(column) { () throws(WorldError) in try s.detection.view(of: node) }
    return .detect(.view(node, peers))
  }

  static func report(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let lab = try started(s, inv.column)
    return .detect(.report(lab.ledger))
  }
}

/// What a `detect` command did.
public enum DetectResult: Sendable {
  /// The monitors, their settings, and those that never confirmed them.
  case started([NodeInfo], DetectorSettings, unconfigured: [NodeID])
  /// One monitor's view; nil when it did not answer.
  case view(NodeID, [PeerView]?)
  case report(DetectionLedger)
  case sweep(DetectionSweep.Plan, [DetectionSweep.Point])
}
