import DistLab

/// SLA figures from a load: latency percentiles of the answered requests, availability (the
/// share answered successfully within the deadline), throughput, and failures by cause.
public struct SLAReport: Sendable, Equatable {
  public var requests: Int
  /// How many requests ended each way, indexed by `RequestOutcome.rawValue`.
  public var outcomes: [Int]
  /// The successfully answered requests' latencies, sorted.
  public var latencies: [Nanoseconds]
  public var duration: Nanoseconds
  public var deadline: Nanoseconds

  init(_ rows: [(latency: Int64, outcome: RequestOutcome)], duration: Nanoseconds, deadline: Nanoseconds) {
    requests = rows.count
    outcomes = Array(repeating: 0, count: RequestOutcome.allCases.count)
    for r in rows { outcomes[r.outcome.rawValue] += 1 }
    latencies = rows.filter { $0.outcome == .ok }.map { Nanoseconds($0.latency) }.sorted()
    self.duration = duration
    self.deadline = deadline
  }

  public func count(_ o: RequestOutcome) -> Int { outcomes[o.rawValue] }
  public var ok: Int { count(.ok) }
  public var timeouts: Int { count(.timeout) }
  /// Requests a gateway turned away: bad token, not allowed, throttled, over quota.
  public var refused: Int { RequestOutcome.allCases.filter(\.isRefusal).reduce(0) { $0 + count($1) } }

  /// The latency at or below which `p` of the answered requests fall (nearest rank).
  public func percentile(_ p: Double) -> Nanoseconds? {
    guard !latencies.isEmpty else { return nil }
    let rank = Int((p * Double(latencies.count)).rounded(.up))
    return latencies[max(0, min(latencies.count - 1, rank - 1))]
  }

  public var mean: Nanoseconds? {
    latencies.isEmpty ? nil : Nanoseconds(latencies.reduce(Int64(0)) { $0 + $1.value } / Int64(latencies.count))
  }

  public var availability: Double { requests == 0 ? 1 : Double(ok) / Double(requests) }
  public var throughput: Double { duration.value > 0 ? Double(ok) / duration.seconds : 0 }
}

/// A whole load's figures: all its requests together, and each stream's (a tenant's) alone.
public struct LoadReport: Sendable, Equatable {
  public var plan: LoadPlan
  public var overall: SLAReport
  public var streams: [SLAReport]

  /// The figures of the stream sent on behalf of `tenant`, if there was one.
  public func tenant(_ name: String) -> SLAReport? {
    plan.streams.firstIndex { $0.tenant == name }.map { streams[$0] }
  }
}
