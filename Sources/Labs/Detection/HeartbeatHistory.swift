import DistLab
import Foundation

/// The inter-arrival times of one peer's heartbeats, the newest `capacity`, with their running
/// sums so that the mean and the standard deviation cost nothing to read; and φ as Akka
/// computes it.
public struct HeartbeatHistory: Hashable, Sendable {
  public let capacity: Int
  private var samples: [Double] = []
  private var next = 0
  private var sum = 0.0
  private var squares = 0.0

  public init(capacity: Int) { self.capacity = max(2, capacity) }

  /// Akka's start: two samples a standard deviation either side of the first estimate (the
  /// interval), the deviation being a quarter of it, so φ means something from the start.
  public init(capacity: Int, firstEstimate: Nanoseconds) {
    self.init(capacity: capacity)
    let ms = firstEstimate.milliseconds
    add(ms - ms / 4)
    add(ms + ms / 4)
  }

  public mutating func add(_ intervalMillis: Double) {
    if samples.count < capacity {
      samples.append(intervalMillis)
    } else {
      let old = samples[next]
      sum -= old
      squares -= old * old
      samples[next] = intervalMillis
      next = (next + 1) % capacity
    }
    sum += intervalMillis
    squares += intervalMillis * intervalMillis
  }

  public var count: Int { samples.count }
  public var mean: Double { samples.isEmpty ? 0 : sum / Double(samples.count) }
  public var standardDeviation: Double {
    guard samples.count > 1 else { return 0 }
    return (max(0, squares / Double(samples.count) - mean * mean)).squareRoot()
  }

  /// φ for a silence of `sinceMillis`: −log10 of the probability that a heartbeat comes later
  /// still, under a normal distribution of mean (the mean plus the acceptable pause) and the
  /// standard deviation (at least `minStdMillis`), with the logistic approximation of the
  /// normal distribution Akka's `PhiAccrualFailureDetector` uses.
  public func phi(sinceMillis: Double, acceptablePauseMillis: Double, minStdMillis: Double) -> Double {
    Self.phi(sinceMillis, mean: mean + acceptablePauseMillis, deviation: max(standardDeviation, minStdMillis))
  }

  public static func phi(_ t: Double, mean: Double, deviation: Double) -> Double {
    let y = (t - mean) / deviation
    let e = exp(-y * (1.5976 + 0.070566 * y * y))
    let phi = t > mean ? -log10(e / (1 + e)) : -log10(1 - 1 / (1 + e))
    // A silence long enough makes the probability 0 in floating point: φ is then "very large".
    return phi.isFinite ? min(phi, 10_000) : 10_000
  }
}
