import DistLab

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
  /// Raw keys: the value, then 0. String keys: UTF-8 bytes 0–7 and 8–15, big-endian and
  /// zero-padded, so that comparing keys of up to 16 bytes (every generated key) takes integer
  /// comparisons only.
  private let order0: UInt64
  private let order1: UInt64

  /// A string key, hashed with xxHash64 (seed 0) over its UTF-8 bytes.
  public init(_ string: String) {
    value = .string(string)
    hash = XXHash64.hash(string)
    var words: (UInt64, UInt64) = (0, 0)
    var i = 0
    for byte in string.utf8.prefix(16) {
      let shift = UInt64(56 - 8 * (i & 7))
      if i < 8 { words.0 |= UInt64(byte) << shift } else { words.1 |= UInt64(byte) << shift }
      i += 1
    }
    order0 = words.0
    order1 = words.1
  }

  /// A raw integer key whose hash value is the integer itself.
  public init(raw: UInt64) {
    value = .raw(raw)
    hash = raw
    order0 = raw
    order1 = 0
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
    a.hash == b.hash && a.order0 == b.order0 && a.order1 == b.order1 && compareTail(a, b) == 0
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(hash)
  }

  public static func < (a: ShardKey, b: ShardKey) -> Bool {
    let aRaw = a.isRaw
    if aRaw != b.isRaw { return aRaw }
    if a.order0 != b.order0 { return a.order0 < b.order0 }
    if a.order1 != b.order1 { return a.order1 < b.order1 }
    return compareTail(a, b) < 0
  }

  /// The comparison of two keys of one kind whose first 16 bytes (or raw values) are equal.
  private static func compareTail(_ a: ShardKey, _ b: ShardKey) -> Int {
    switch (a.value, b.value) {
    case (.raw, .raw):
      return 0
    case (.string(let x), .string(let y)):
      let (m, n) = (x.utf8.count, y.utf8.count)
      if m <= 16 && n <= 16 { return m - n }
      return compareUTF8(x, y)
    case (.raw, .string):
      return -1
    case (.string, .raw):
      return 1
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
