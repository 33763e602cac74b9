import DistLab

/// Reading the values the command language knows: durations, sizes, ratios, numbers.
public enum Units {
  static let durationUnits: [(String, Double)] = [
    ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
  ]

  /// `250ms`, `2s`, `1.5m`, `10us`; a bare `0` is zero. Nil when not a duration, or when
  /// longer than the world's horizon (`durationPastHorizon` tells which).
  public static func duration(_ text: String) -> Nanoseconds? {
    guard let ns = nanoseconds(text), ns <= Double(Nanoseconds.horizon.value) else { return nil }
    return Nanoseconds(Int64(ns.rounded()))
  }

  /// A well-formed duration longer than the world's horizon.
  public static func durationPastHorizon(_ text: String) -> Bool {
    guard let ns = nanoseconds(text) else { return false }
    return ns > Double(Nanoseconds.horizon.value)
  }

  private static func nanoseconds(_ text: String) -> Double? {
    if text == "0" { return 0 }
    for (suffix, scale) in durationUnits.sorted(by: { $0.0.count > $1.0.count }) where text.hasSuffix(suffix) {
      let number = String(text.dropLast(suffix.count))
      guard let v = Double(number), v.isFinite, v >= 0, number.first?.isNumber == true else { return nil }
      return v * scale
    }
    return nil
  }

  /// `0.1` or `10%`, between 0 and 1. Nil when not a ratio.
  public static func ratio(_ text: String) -> Double? {
    if text.hasSuffix("%") {
      guard let v = Double(text.dropLast()), v.isFinite, text.first?.isNumber == true else { return nil }
      return v / 100
    }
    guard let v = Double(text), v.isFinite, text.first?.isNumber == true || text.first == "." else { return nil }
    return v
  }

  /// `64KB`, `128MB`, `1GB`, `512B` (powers of 1024). Nil when not a size.
  public static func size(_ text: String) -> Int64? {
    let units: [(String, Int64)] = [("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30), ("TB", 1 << 40), ("B", 1)]
    for (suffix, scale) in units where text.uppercased().hasSuffix(suffix) {
      guard let v = Double(text.dropLast(suffix.count)), v.isFinite, v >= 0 else { return nil }
      let bytes = v * Double(scale)
      guard bytes < 9.2e18 else { return nil }
      return Int64(bytes)
    }
    return nil
  }

  /// `5000km` or `5000`. Nil otherwise.
  public static func kilometres(_ text: String) -> Double? {
    let t = text.hasSuffix("km") ? String(text.dropLast(2)) : text
    guard let v = Double(t), v.isFinite else { return nil }
    return v
  }

  /// A literal typed as an RPC argument: integers, `true`/`false`, `null`, decimals, a
  /// duration (sent as integer nanoseconds), otherwise text. Quoted words are always text.
  public static func value(_ token: Token) -> Value {
    if token.quoted { return .string(token.text) }
    let t = token.text
    if let i = Int64(t) { return .int(i) }
    switch t {
    case "true": return .bool(true)
    case "false": return .bool(false)
    case "null": return .null
    default: break
    }
    if let d = Double(t), d.isFinite, t.contains(".") { return .double(d) }
    if let ns = duration(t) { return .int(ns.value) }
    return .string(t)
  }
}
