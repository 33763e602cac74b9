import DistLab
import Foundation

/// How a generated key set is drawn.
public enum ShardKeyPattern: Hashable, Sendable {
  /// Distinct ids drawn uniformly at random (strings: from 0..<10^8; raw: from all 64-bit values).
  case uniform
  /// `start`, `start + 1`, … in order: new rows of an auto-increment id, a timestamp, a log.
  case sequential(start: UInt64)
  /// Ids 1...`distinct` drawn with probability proportional to 1 / rank^`skew`, with repeats: a
  /// few hot keys take most of the traffic (id 1 is the hottest).
  case zipf(skew: Double, distinct: Int)
}

/// Whether generated keys are strings (`prefix-00000042`, hashed) or raw integers (used as their
/// own hash).
public enum ShardKeyForm: Hashable, Sendable {
  case string(prefix: String)
  case raw

  public static let standard = ShardKeyForm.string(prefix: "key")
}

/// Seeded key sets for the sharding lab: the same pattern, count, seed and form always give the
/// same keys in the same order.
public enum ShardKeyGenerator {
  /// Digits string ids are padded to, so that string order matches numeric order below 10^8.
  public static let idWidth = 8
  static let stringIDSpace: UInt64 = 100_000_000

  public static func keys(
    _ pattern: ShardKeyPattern, count: Int, seed: UInt64 = 0, form: ShardKeyForm = .standard
  ) throws(ShardingError) -> [ShardKey] {
    guard (0...ShardingError.maxKeyCount).contains(count) else { throw .invalidKeyCount(count) }
    switch pattern {
    case .uniform:
      return uniform(count: count, seed: seed, form: form)
    case .sequential(let start):
      return (0..<UInt64(count)).map { key(id: start &+ $0, form: form) }
    case .zipf(let skew, let distinct):
      guard skew.isFinite, skew >= 0 else { throw .invalidZipfSkew(skew) }
      guard (1...ShardingError.maxKeyCount).contains(distinct) else { throw .invalidDistinctKeys(distinct) }
      return zipf(count: count, skew: skew, distinct: distinct, seed: seed, form: form)
    }
  }

  /// The key for `id`: `prefix-` and the id padded to ``idWidth`` digits, or the raw id.
  public static func key(id: UInt64, form: ShardKeyForm) -> ShardKey {
    switch form {
    case .raw:
      return ShardKey(raw: id)
    case .string(let prefix):
      var digits = String(id)
      if digits.utf8.count < idWidth {
        digits = String(repeating: "0", count: idWidth - digits.utf8.count) + digits
      }
      return ShardKey(prefix.isEmpty ? digits : prefix + "-" + digits)
    }
  }

  private static func uniform(count: Int, seed: UInt64, form: ShardKeyForm) -> [ShardKey] {
    var keys: [ShardKey] = []
    keys.reserveCapacity(count)
    switch form {
    case .raw:
      // SplitMix64: distinct states through a bijective mix give distinct values.
      var state = seed ^ 0x5EED_5EED_5EED_5EED
      for _ in 0..<count {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        keys.append(ShardKey(raw: z ^ (z >> 31)))
      }
    case .string:
      var rng = SeededRandom(seed: seed, stream: 0x5AD0)
      var seen = Set<UInt64>(minimumCapacity: count)
      while keys.count < count {
        let id = rng.next().multipliedFullWidth(by: stringIDSpace).high
        if seen.insert(id).inserted { keys.append(key(id: id, form: form)) }
      }
    }
    return keys
  }

  private static func zipf(count: Int, skew: Double, distinct: Int, seed: UInt64, form: ShardKeyForm) -> [ShardKey] {
    var cumulative: [Double] = []
    cumulative.reserveCapacity(distinct)
    var sum = 0.0
    for rank in 1...distinct {
      sum += 1 / Foundation.pow(Double(rank), skew)
      cumulative.append(sum)
    }
    var rng = SeededRandom(seed: seed, stream: 0x21BF)
    var keys: [ShardKey] = []
    keys.reserveCapacity(count)
    for _ in 0..<count {
      let u = rng.unit() * sum
      var lo = 0
      var hi = distinct - 1
      while lo < hi {
        let mid = (lo + hi) >> 1
        if cumulative[mid] <= u { lo = mid + 1 } else { hi = mid }
      }
      keys.append(key(id: UInt64(lo + 1), form: form))
    }
    return keys
  }
}
