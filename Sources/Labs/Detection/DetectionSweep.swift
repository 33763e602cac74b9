import DistLab

/// The trade-off curve of a detector: for each value of its setting (a timeout, a φ threshold,
/// or how many nodes probe indirectly), many runs on seeds 1…N of the same scenario — nodes watching each other for
/// 20 s, one of them paused for a while (if asked) at 10 s, the last killed at 20 s, on a
/// network with jitter and loss — measuring how long the kill took to detect and how many
/// suspicions fell on nodes that were alive.
public struct DetectionSweep: Sendable {
  public enum Parameter: String, Sendable, CaseIterable {
    /// A fixed timeout, in milliseconds, on heartbeats.
    case timeout
    /// A φ threshold on heartbeats.
    case threshold
    /// How many nodes probe indirectly for a peer that did not answer (probe mode, SWIM).
    case indirect
  }

  public struct Plan: Sendable {
    public var parameter: Parameter
    /// Timeouts in milliseconds, or φ thresholds.
    public var values: [Double]
    public var seeds: Int
    public var nodes: Int
    public var interval: Nanoseconds
    /// The spread of every link's latency around 10 ms (normal); nil: the world's default.
    public var jitter: Nanoseconds?
    public var loss: Double
    /// How long the second node is paused at 10 s; nil: no pause.
    public var pause: Nanoseconds?
    /// φ: the pause beyond the mean taken as normal (Akka's acceptable-heartbeat-pause).
    public var acceptablePause = Nanoseconds.seconds(3)

    public init(
      parameter: Parameter, values: [Double], seeds: Int, nodes: Int, interval: Nanoseconds, jitter: Nanoseconds?,
      loss: Double, pause: Nanoseconds?
    ) {
      self.parameter = parameter
      self.values = values
      self.seeds = seeds
      self.nodes = nodes
      self.interval = interval
      self.jitter = jitter
      self.loss = loss
      self.pause = pause
    }
  }

  /// One setting's figures over every seed.
  public struct Point: Sendable, Equatable {
    public var value: Double
    /// The mean time from the kill to an observer's suspicion; nil when no observer suspected.
    public var detection: Nanoseconds?
    /// Suspicions of live nodes, per run.
    public var mistakes: Double
    /// Observers that never suspected the killed node, over every run.
    public var missed: Int
  }

  public let plan: Plan
  public init(_ plan: Plan) { self.plan = plan }

  /// Runs every setting on every seed; stops early (returning what it has) when `cancel` says so.
  public func run(roles: RoleCatalog, cancel: () -> Bool) throws(WorldError) -> [Point] {
    var points: [Point] = []
    for value in plan.values {
      var detections: [Int64] = []
      var mistakes = 0
      var missed = 0
      for seed in 1...max(1, plan.seeds) {
        if cancel() { return points }
        let ledger = try once(value: value, seed: UInt64(seed), roles: roles)
        for k in ledger.kills {
          detections += k.detections.map(\.after.value)
          missed += plan.nodes - 1 - k.detections.count
        }
        mistakes += ledger.mistakes.count
      }
      points.append(
        Point(
          value: value,
          detection: detections.isEmpty ? nil : Nanoseconds(detections.reduce(0, +) / Int64(detections.count)),
          mistakes: Double(mistakes) / Double(max(1, plan.seeds)), missed: missed))
    }
    return points
  }

  func once(value: Double, seed: UInt64, roles: RoleCatalog) throws(WorldError) -> DetectionLedger {
    var config = WorldConfig()
    config.seed = seed
    let world = World(config: config, roles: roles)
    if let jitter = plan.jitter { try world.setLatency(.normal(mean: .milliseconds(10), spread: jitter)) }
    if plan.loss > 0 { try world.setLoss(plan.loss) }
    var settings: DetectorSettings
    switch plan.parameter {
    case .timeout:
      settings = DetectorSettings(members: [], interval: plan.interval, kind: .timeout(.milliseconds(value)))
    case .threshold: settings = DetectorSettings(members: [], interval: plan.interval, kind: .phi(threshold: value))
    case .indirect:
      settings = DetectorSettings(members: [], interval: plan.interval, kind: .timeout(plan.interval))
      settings.indirect = Int(value)
    }
    settings.acceptablePause = plan.acceptablePause
    let client = DetectionClient(world: world)
    let nodes = try client.start(count: plan.nodes, settings: settings).map(\.id)
    _ = try world.advance(by: .seconds(10))
    if let pause = plan.pause, nodes.count > 2 {
      _ = try world.pause([nodes[1]])
      _ = try world.advance(by: pause)
      _ = try world.resume([nodes[1]])
      _ = try world.advance(by: .seconds(10) - min(pause, .seconds(10)))
    } else {
      _ = try world.advance(by: .seconds(10))
    }
    _ = try world.kill([nodes[nodes.count - 1]])
    _ = try world.advance(by: .seconds(20))
    return client.ledger
  }
}
