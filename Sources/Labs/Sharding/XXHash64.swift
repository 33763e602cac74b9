import DistLab

/// xxHash64 (Yann Collet, https://github.com/Cyan4973/xxHash, XXH64 in the reference `xxhash.h`):
/// the one named 64-bit hash every sharding scheme uses.
///
/// Chosen because it is fast on short keys, has good avalanche behaviour, takes a seed (so a ring
/// can be redrawn from a different seed), and is available everywhere a student may want to check a
/// number: `python3 -c "import xxhash; print(xxhash.xxh64(b'user:1').intdigest())"` gives the same
/// value as `XXHash64.hash("user:1")`. Strings are hashed as their UTF-8 bytes with seed 0; integers
/// as their 8 little-endian bytes.
public enum XXHash64 {
  @usableFromInline static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
  @usableFromInline static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
  @usableFromInline static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
  @usableFromInline static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
  @usableFromInline static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

  /// The hash of a string's UTF-8 bytes.
  public static func hash(_ string: String, seed: UInt64 = 0) -> UInt64 {
    if let h = string.utf8.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0), seed: seed) }) {
      return h
    }
    return hash(Array(string.utf8), seed: seed)
  }

  /// The hash of a byte array.
  public static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
    bytes.withUnsafeBytes { hash($0, seed: seed) }
  }

  /// The hash of a 64-bit value taken as its 8 little-endian bytes (the same as hashing those bytes).
  @inlinable
  public static func hash(_ value: UInt64, seed: UInt64 = 0) -> UInt64 {
    var h = seed &+ prime5 &+ 8
    h ^= round(0, value)
    h = rotate(h, 27) &* prime1 &+ prime4
    return avalanche(h)
  }

  /// The hash of raw bytes.
  public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
    let length = bytes.count
    var offset = 0
    var h: UInt64
    if length >= 32 {
      var v1 = seed &+ prime1 &+ prime2
      var v2 = seed &+ prime2
      var v3 = seed
      var v4 = seed &- prime1
      while offset + 32 <= length {
        v1 = round(v1, read64(bytes, offset))
        v2 = round(v2, read64(bytes, offset + 8))
        v3 = round(v3, read64(bytes, offset + 16))
        v4 = round(v4, read64(bytes, offset + 24))
        offset += 32
      }
      h = rotate(v1, 1) &+ rotate(v2, 7) &+ rotate(v3, 12) &+ rotate(v4, 18)
      h = merge(h, v1)
      h = merge(h, v2)
      h = merge(h, v3)
      h = merge(h, v4)
    } else {
      h = seed &+ prime5
    }
    h &+= UInt64(length)
    while offset + 8 <= length {
      h ^= round(0, read64(bytes, offset))
      h = rotate(h, 27) &* prime1 &+ prime4
      offset += 8
    }
    if offset + 4 <= length {
      let word = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
      h ^= UInt64(word) &* prime1
      h = rotate(h, 23) &* prime2 &+ prime3
      offset += 4
    }
    while offset < length {
      h ^= UInt64(bytes[offset]) &* prime5
      h = rotate(h, 11) &* prime1
      offset += 1
    }
    return avalanche(h)
  }

  @inline(__always)
  private static func read64(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
    UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
  }

  @inlinable @inline(__always)
  static func rotate(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

  @inlinable @inline(__always)
  static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
    rotate(acc &+ input &* prime2, 31) &* prime1
  }

  @inline(__always)
  private static func merge(_ acc: UInt64, _ value: UInt64) -> UInt64 {
    (acc ^ round(0, value)) &* prime1 &+ prime4
  }

  @inlinable @inline(__always)
  static func avalanche(_ hash: UInt64) -> UInt64 {
    var h = hash
    h ^= h >> 33
    h &*= prime2
    h ^= h >> 29
    h &*= prime3
    h ^= h >> 32
    return h
  }
}
