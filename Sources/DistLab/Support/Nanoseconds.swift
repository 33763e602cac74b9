/// A span or point of time in nanoseconds: virtual time in sim mode, wall time since the
/// world started in live mode. Points are measured from the start of the world.
public struct Nanoseconds: Hashable, Comparable, Sendable, CustomStringConvertible {
  public var value: Int64

  public init(_ value: Int64) { self.value = value }

  public static let zero = Nanoseconds(0)
  /// The world's horizon: its clock never passes 100 years. Durations, deadlines and events
  /// beyond it are refused or never happen, so no sum of times can overflow.
  public static let horizon = Nanoseconds(100 * 365 * 86_400 * 1_000_000_000)
  public static func microseconds(_ us: Double) -> Nanoseconds { Nanoseconds(Int64((us * 1e3).rounded())) }
  public static func milliseconds(_ ms: Double) -> Nanoseconds { Nanoseconds(Int64((ms * 1e6).rounded())) }
  public static func seconds(_ s: Double) -> Nanoseconds { Nanoseconds(Int64((s * 1e9).rounded())) }

  public static func < (a: Nanoseconds, b: Nanoseconds) -> Bool { a.value < b.value }
  /// Saturating: a sum past Int64's range stays at its end rather than wrapping around.
  public static func + (a: Nanoseconds, b: Nanoseconds) -> Nanoseconds {
    let (sum, overflow) = a.value.addingReportingOverflow(b.value)
    return Nanoseconds(overflow ? (b.value > 0 ? .max : .min) : sum)
  }
  /// Saturating, like `+`.
  public static func - (a: Nanoseconds, b: Nanoseconds) -> Nanoseconds {
    let (difference, overflow) = a.value.subtractingReportingOverflow(b.value)
    return Nanoseconds(overflow ? (b.value < 0 ? .max : .min) : difference)
  }
  /// Saturating: `n` spans of this length, at most Int64's range.
  public func times(_ n: Int) -> Nanoseconds {
    let (product, overflow) = value.multipliedReportingOverflow(by: Int64(n))
    return Nanoseconds(overflow ? ((value < 0) != (n < 0) ? .min : .max) : product)
  }
  /// Past the world's horizon: a time the world never reaches.
  public var isPastHorizon: Bool { self > Self.horizon }
  public static func += (a: inout Nanoseconds, b: Nanoseconds) { a = a + b }

  public var seconds: Double { Double(value) / 1e9 }
  public var milliseconds: Double { Double(value) / 1e6 }

  /// Compact human form with a unit, exact for whole units: `0s`, `250ms`, `1.5s`, `12.3µs`.
  public var description: String {
    let v = value
    if v == 0 { return "0s" }
    let sign = v < 0 ? "-" : ""
    let a = v.magnitude
    let units: [(UInt64, String)] = [(60_000_000_000, "m"), (1_000_000_000, "s"), (1_000_000, "ms"), (1_000, "µs")]
    for (scale, name) in units where a >= scale {
      if a % scale == 0 { return "\(sign)\(a / scale)\(name)" }
      if name == "m" { continue }
      return sign + Self.decimal(a, scale: scale) + name
    }
    return "\(sign)\(a)ns"
  }

  /// `a / scale` with up to three decimals, trailing zeros removed.
  private static func decimal(_ a: UInt64, scale: UInt64) -> String {
    let whole = a / scale
    var frac = ((a % scale) * 1000 + scale / 2) / scale
    var w = whole
    if frac >= 1000 {
      w += 1
      frac -= 1000
    }
    if frac == 0 { return "\(w)" }
    var digits = String(frac)
    while digits.count < 3 { digits = "0" + digits }
    while digits.hasSuffix("0") { digits.removeLast() }
    return "\(w).\(digits)"
  }

  /// A clock reading `12.345s`, rounded to the nearest millisecond, as the prompt shows it.
  public var clockReading: String {
    let ms = (value + 500_000) / 1_000_000
    let s = ms / 1000
    let rem = ms % 1000
    let r = rem < 10 ? "00\(rem)" : rem < 100 ? "0\(rem)" : "\(rem)"
    return "\(s).\(r)s"
  }
}
