import DistLab

/// How a node of the failure-detection lab watches the others. `heartbeat` mode: every node
/// sends every other a heartbeat each `interval` and judges each peer by the arrivals, with a
/// fixed timeout or with φ accrual. `probe` mode (SWIM's probing): every node asks every other
/// for an acknowledgement each `interval`, and when one does not come within `probeTimeout`,
/// asks `indirect` other nodes to ask for it (SWIM's ping-req).
public struct DetectorSettings: Hashable, Sendable {
  public enum Kind: Hashable, Sendable {
    /// Suspect a peer silent for longer than this.
    case timeout(Nanoseconds)
    /// Suspect a peer when φ passes this threshold (Akka's and Cassandra's default: 8).
    case phi(threshold: Double)
  }

  public var members: [NodeID]
  public var interval: Nanoseconds
  public var kind: Kind
  /// φ accrual: a pause this long beyond the mean is taken as normal (Akka's
  /// `acceptable-heartbeat-pause`, 3 s by default).
  public var acceptablePause = Nanoseconds.seconds(3)
  /// φ accrual: the least standard deviation assumed (Akka's `min-std-deviation`, 100 ms).
  public var minStdDeviation = Nanoseconds.milliseconds(100)
  /// φ accrual: inter-arrival times kept (Akka's `max-sample-size`, 1000).
  public var maxSamples = 1000
  /// Probe mode: nodes asked to probe for a peer that did not answer; nil: heartbeat mode.
  public var indirect: Int?
  /// Probe mode: how long a direct probe waits (HashiCorp memberlist's `ProbeTimeout`, 500 ms).
  public var probeTimeout = Nanoseconds.milliseconds(500)

  public init(members: [NodeID], interval: Nanoseconds, kind: Kind) {
    self.members = members
    self.interval = interval
    self.kind = kind
  }

  /// How often a node looks at its peers in heartbeat mode: twice an interval.
  public var checkEvery: Nanoseconds { Nanoseconds(max(1_000_000, interval.value / 2)) }

  var value: Value {
    var pairs: [MapEntry] = [
      MapEntry(.string("members"), .list(members.map { .int(Int64($0.number)) })),
      MapEntry(.string("interval"), .int(interval.value)),
      MapEntry(.string("pause"), .int(acceptablePause.value)),
      MapEntry(.string("min_std"), .int(minStdDeviation.value)),
      MapEntry(.string("samples"), .int(Int64(maxSamples))),
      MapEntry(.string("probe_timeout"), .int(probeTimeout.value)),
    ]
    switch kind {
    case .timeout(let t): pairs.append(MapEntry(.string("timeout"), .int(t.value)))
    case .phi(let threshold): pairs.append(MapEntry(.string("phi"), .double(threshold)))
    }
    if let indirect { pairs.append(MapEntry(.string("indirect"), .int(Int64(indirect)))) }
    return .map(pairs)
  }

  init?(_ v: Value) {
    guard let i = v["interval"]?.intValue, i > 0 else { return nil }
    let kind: Kind
    if let t = v["timeout"]?.intValue, t > 0 {
      kind = .timeout(Nanoseconds(t))
    } else if case .double(let phi)? = v["phi"], phi > 0 {
      kind = .phi(threshold: phi)
    } else {
      return nil
    }
    self.init(
      members: (v["members"]?.listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } },
      interval: Nanoseconds(i), kind: kind)
    acceptablePause = Nanoseconds(max(0, v["pause"]?.intValue ?? acceptablePause.value))
    minStdDeviation = Nanoseconds(max(1, v["min_std"]?.intValue ?? minStdDeviation.value))
    maxSamples = Int(max(2, v["samples"]?.intValue ?? 1000))
    probeTimeout = Nanoseconds(max(1, v["probe_timeout"]?.intValue ?? probeTimeout.value))
    indirect = v["indirect"]?.intValue.map { Int($0) }
  }
}
