/// A key to place on a node: a string, hashed once with ``XXHash64`` (UTF-8, seed 0), or a raw
/// 64-bit integer used as its own hash value (the `--raw` mode, for checking a scheme against a
/// published reference implementation, e.g. jump hash on key 1 with 100 buckets).
///
/// Keys compare in one total order that range partitioning uses: raw keys by value, then string
/// keys by their UTF-8 bytes (so `key-00000009` < `key-00000010`, and no locale is involved).
public struct ShardKey: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
  /// What the key is.
  public enum Value: Hashable, Sendable {
    case string(String)
    case raw(UInt64)
  }

  public let value: Value
  /// The 64-bit value every hash-based scheme works from.
  public let hash: UInt64

  /// A string key, hashed with xxHash64 (seed 0) over its UTF-8 bytes.
  public init(_ string: String) {
    value = .string(string)
    hash = XXHash64.hash(string)
  }

  /// A raw integer key whose hash value is the integer itself.
  public init(raw: UInt64) {
    value = .raw(raw)
    hash = raw
  }

  public init(stringLiteral value: String) { self.init(value) }

  public var isRaw: Bool {
    if case .raw = value { return true }
    return false
  }

  /// The string as given, or the raw integer in decimal.
  public var description: String {
    switch value {
    case .string(let s): return s
    case .raw(let v): return String(v)
    }
  }

  public static func == (a: ShardKey, b: ShardKey) -> Bool {
    guard a.hash == b.hash else { return false }
    switch (a.value, b.value) {
    case (.raw(let x), .raw(let y)): return x == y
    case (.string(let x), .string(let y)): return compareUTF8(x, y) == 0
    default: return false
    }
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(hash)
  }

  public static func < (a: ShardKey, b: ShardKey) -> Bool {
    switch (a.value, b.value) {
    case (.raw(let x), .raw(let y)): return x < y
    case (.raw, .string): return true
    case (.string, .raw): return false
    case (.string(let x), .string(let y)): return compareUTF8(x, y) < 0
    }
  }

  /// Byte-wise comparison of two strings' UTF-8 (negative, zero, positive). Swift's own `==` and `<`
  /// on strings follow Unicode canonical equivalence, which would make two keys with different
  /// bytes (and so different hashes) equal.
  static func compareUTF8(_ a: String, _ b: String) -> Int {
    let fast = a.utf8.withContiguousStorageIfAvailable { pa in
      b.utf8.withContiguousStorageIfAvailable { pb in compareBytes(pa, pb) }
    }
    if let result = fast ?? nil { return result }
    return Array(a.utf8).withUnsafeBufferPointer { pa in
      Array(b.utf8).withUnsafeBufferPointer { pb in compareBytes(pa, pb) }
    }
  }

  @inline(__always)
  private static func compareBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
    let n = Swift.min(a.count, b.count)
    var i = 0
    while i < n {
      let x = a[i]
      let y = b[i]
      if x != y { return x < y ? -1 : 1 }
      i += 1
    }
    return a.count - b.count
  }
}
