import DistLab

/// The failure-detection lab's client: it starts the watching nodes, asks one for its view,
/// and reads the detectors' record from the trace.
public final class DetectionClient {
  public let world: World
  let generation: Int
  public private(set) var nodes: [NodeID] = []
  public private(set) var settings: DetectorSettings?
  /// Monitors that never confirmed their settings (every attempt was lost).
  public private(set) var unconfigured: [NodeID] = []

  public static let role = Role(
    "monitor", summary: "watches the other monitors: heartbeats or probes, a timeout or φ accrual",
    services: { [DetectorService()] })

  public required init(world: World) {
    self.world = world
    generation = world.generation
  }

  public var isStale: Bool { world.generation != generation }

  /// Spawns `count` nodes `m1`, `m2`, … and has each watch all the others.
  public func start(count: Int, settings template: DetectorSettings) throws(WorldError) -> [NodeInfo] {
    let made = try world.spawn(count: count, names: (1...count).map { "m\($0)" }, roles: ["monitor"])
    nodes = made.map(\.id)
    var s = template
    s.members = nodes
    settings = s
    // Configuring is idempotent, so on a lossy network it is simply asked again.
    let outcomes = try world.callAll(
      nodes.map { CallRequest(to: $0, method: "fd.configure", args: [s.value]) },
      options: CallOptions(timeout: .milliseconds(200), retries: 20))
    unconfigured = zip(nodes, outcomes).filter { if case .value = $1.result { false } else { true } }.map(\.0)
    return made
  }

  /// One node's view of the others, as it answers `fd.view`; nil when it does not answer.
  public func view(of node: NodeID) throws(WorldError) -> [PeerView]? {
    let outcome = try world.call(to: node, method: "fd.view", args: [], options: CallOptions())
    guard case .value(let v) = outcome.result, let rows = v.first?.listValue else { return nil }
    return rows.compactMap(PeerView.init)
  }

  public var ledger: DetectionLedger { DetectionLedger(world.trace) }
}

/// How one node sees one peer.
public struct PeerView: Sendable, Equatable {
  public var peer: NodeID
  public var suspected: Bool
  public var silence: Nanoseconds
  /// φ now, for a φ-accrual detector.
  public var phi: Double?
  public var samples: Int

  init?(_ v: Value) {
    guard let l = v.listValue, l.count == 5, let n = l[0].intValue, let ms = l[2].intValue, let phi = l[3].intValue,
      let samples = l[4].intValue
    else { return nil }
    peer = NodeID(Int(n))
    suspected = l[1] == .bool(true)
    silence = Nanoseconds(ms)
    self.phi = phi < 0 ? nil : Double(phi) / 100
    self.samples = Int(samples)
  }
}
