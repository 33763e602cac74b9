/// FNV-1a, 64 bits: a small, stable hash of text, the same on every machine and every run
/// (Swift's own `Hasher` is seeded per process), for choices that must follow from a name.
public enum FNV1a {
  public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325

  public static func hash(_ s: String, basis: UInt64 = offsetBasis) -> UInt64 {
    var h = basis
    for b in s.utf8 {
      h ^= UInt64(b)
      h = h &* 0x100_0000_01b3
    }
    return h
  }
}
