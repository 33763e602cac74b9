import Foundation

/// How long a message takes on a link, drawn per message from a seeded stream.
public enum LatencyModel: Hashable, Sendable, CustomStringConvertible {
  case fixed(Nanoseconds)
  /// Uniform between `mean - spread` and `mean + spread` (never below zero).
  case uniform(mean: Nanoseconds, spread: Nanoseconds)
  /// Normal with standard deviation `spread`, cut off below at `max(0, mean - 3·spread)`.
  case normal(mean: Nanoseconds, spread: Nanoseconds)
  /// Exponential with the given mean: mostly fast, with a long tail.
  case exponential(mean: Nanoseconds)

  public static let `default` = LatencyModel.fixed(.milliseconds(1))

  /// The smallest delay this model can produce; the simulator's look-ahead.
  public var lowerBound: Nanoseconds {
    switch self {
    case .fixed(let v): return max(.zero, v)
    case .uniform(let m, let s): return max(.zero, m - s)
    case .normal(let m, let s):
      return max(.zero, m - Nanoseconds(s.value.multipliedReportingOverflow(by: 3).partialValue))
    case .exponential: return .zero
    }
  }

  public var mean: Nanoseconds {
    switch self {
    case .fixed(let v): v
    case .uniform(let m, _), .normal(let m, _), .exponential(let m): m
    }
  }

  @inline(__always)
  public func draw(_ rng: inout SeededRandom) -> Nanoseconds {
    switch self {
    case .fixed(let v):
      return v
    case .uniform(let m, let s):
      let lo = max(0, m.value &- s.value)
      let hi = m.value.addingReportingOverflow(s.value).overflow ? Int64.max / 2 : m.value + s.value
      if hi <= lo { return Nanoseconds(lo) }
      return Nanoseconds(lo + Int64(rng.unit() * Double(hi - lo + 1)).clamped(to: 0...(hi - lo)))
    case .normal(let m, let s):
      let u1 = max(rng.unit(), 1e-300)
      let u2 = rng.unit()
      let z = (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
      let v = Double(m.value) + z * Double(s.value)
      return Nanoseconds(Int64(max(Double(lowerBound.value), min(v, 9e15))))
    case .exponential(let m):
      let u = max(rng.unit(), 1e-300)
      return Nanoseconds(Int64(min(-Foundation.log(u) * Double(m.value), 9e15)))
    }
  }

  public var description: String {
    switch self {
    case .fixed(let v): "fixed \(v)"
    case .uniform(let m, let s): "uniform \(m) ±\(s)"
    case .normal(let m, let s): "normal \(m) ±\(s)"
    case .exponential(let m): "exponential \(m)"
    }
  }
}

extension Comparable {
  func clamped(to r: ClosedRange<Self>) -> Self { min(max(self, r.lowerBound), r.upperBound) }
}
