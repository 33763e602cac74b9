import DistLab
import DistLabSharding
import XCTest

/// The one named hash (xxHash64) against published test vectors, and the key type built on it.
final class ShardingHashTests: XCTestCase {
  /// Prefixes of this string with their XXH64 digests for seed 0 and seed 0x1234567890abcdef, as
  /// published in the test suite of the bdn framework's XxHash64 (and re-checked with the Python
  /// `xxhash` package). The lengths cover every code path: under 4, 4–7, 8–31, exactly 32, and
  /// longer than one and two 32-byte stripes.
  static let base = "0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnop"
  static let prefixVectors: [(length: Int, seed0: UInt64, seeded: UInt64)] = [
    (0, 0xEF46_DB37_51D8_E999, 0xA2F5_C44D_0F46_C872),
    (1, 0x6334_5708_1244_AFEC, 0xF47E_BF7F_5CB6_795B),
    (3, 0x1C2D_CB4B_9024_D73D, 0x8516_F202_E563_CD06),
    (4, 0x4C33_072B_4564_7DCB, 0xE19F_FF02_27E3_B861),
    (5, 0x34CB_4C2E_E616_6F65, 0x915C_2F06_737A_7295),
    (7, 0x97EE_4FE4_A0FF_4DFA, 0x281F_EF0A_4738_7BF4),
    (8, 0xE4BA_22A4_9AD8_9D3F, 0x5981_B4A4_E0A0_7D38),
    (9, 0x43EC_C924_8BC0_7D20, 0xC2FC_8554_6018_0BA2),
    (12, 0x884E_66BB_5A00_411D, 0x9CC2_7B0D_B966_C216),
    (15, 0x7A85_916D_8CAC_500A, 0x021C_3690_FCE1_5B7D),
    (16, 0x6FF4_EB62_BCEC_6586, 0xC16A_47E0_B097_08C8),
    (17, 0x001E_E69E_11BF_98BF, 0x8CFE_3A25_99CF_A38F),
    (31, 0xC506_E230_1291_5790, 0xA2C0_EDDF_7498_3BFE),
    (32, 0x96EE_2FA9_35FD_D556, 0x1396_BC2A_0093_8B77),
    (33, 0xA5CD_C694_0C6F_DE9E, 0x65CD_9ED3_7DFF_8753),
    (40, 0x1C43_01B8_B7C5_C3F3, 0x10E1_5FD0_1F01_A9E7),
    (64, 0x3FE6_27FA_BDB3_0AEA, 0xD2FF_1B37_5057_1F15),
    (65, 0xEDDC_E6EC_01F7_E595, 0xB0AA_81BC_38DF_17B9),
  ]

  func testXXHash64MatchesPublishedPrefixVectors() {
    XCTAssertEqual(Self.base.utf8.count, 65)
    for v in Self.prefixVectors {
      let s = String(Self.base.prefix(v.length))
      XCTAssertEqual(XXHash64.hash(s), v.seed0, "xxh64(\"\(s)\")")
      XCTAssertEqual(XXHash64.hash(s, seed: 0x1234_5678_90AB_CDEF), v.seeded, "xxh64(\"\(s)\", seed)")
      XCTAssertEqual(XXHash64.hash(Array(s.utf8)), v.seed0, "byte-array form of \"\(s)\"")
    }
  }

  /// Vectors from other independent suites (nim-xxhash, ClickHouse, a C++ test with seeds), so the
  /// check does not rest on one source.
  func testXXHash64MatchesOtherPublishedVectors() {
    XCTAssertEqual(XXHash64.hash("a"), 15_154_266_338_359_012_955)
    XCTAssertEqual(XXHash64.hash("ab"), 7_347_350_983_217_793_633)
    XCTAssertEqual(XXHash64.hash("abc"), 0x44BC_2CF5_AD77_0999)
    XCTAssertEqual(XXHash64.hash("ABC"), 0xE66A_E735_4FCF_EE98)
    XCTAssertEqual(XXHash64.hash("xxhash"), 0x32DD_3895_2C4B_C720)
    XCTAssertEqual(XXHash64.hash("", seed: 668_718_853), 0x04E8_3058_2A31_A119)
    XCTAssertEqual(XXHash64.hash("a", seed: 191_961_062), 0x6E05_BA28_87C9_7977)
    XCTAssertEqual(XXHash64.hash("abcdefghijklmnopqrstuvwxyz12345"), 0x4676_0590_1B01_D6F6)
    XCTAssertEqual(XXHash64.hash("abcdefghijklmnopqrstuvwxyz12345", seed: 877_380_273), 0x37B5_62EC_5715_E132)
    XCTAssertEqual(XXHash64.hash("abcdefghijklmnopqrstuvwxyz123456"), 0x0022_EE3B_5A18_531B)
    XCTAssertEqual(XXHash64.hash("abcdefghijklmnopqrstuvwxyz1234567"), 0x23BB_D16D_2935_3C5F)
    XCTAssertEqual(XXHash64.hash("测试"), 0x403D_6683_7E9B_C61F, "strings hash as UTF-8")
  }

  func testIntegerFormIsTheHashOfItsLittleEndianBytes() {
    var rng = SeededRandom(seed: 3)
    for _ in 0..<1_000 {
      let v = rng.next()
      let seed = rng.next()
      let bytes = (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) }
      XCTAssertEqual(XXHash64.hash(v, seed: seed), XXHash64.hash(bytes, seed: seed))
    }
    // ClickHouse: xxHash64(toUInt64(0)) equals xxHash64 of eight zero bytes.
    XCTAssertEqual(XXHash64.hash(UInt64(0)), XXHash64.hash([UInt8](repeating: 0, count: 8)))
  }

  func testStringKeysHashWithXXHash64AndRawKeysAreTheirOwnHash() {
    XCTAssertEqual(ShardKey("user:1").hash, 0xD9C7_C460_9E60_80F3)
    XCTAssertEqual(ShardKey("user:1").hash, XXHash64.hash("user:1"))
    XCTAssertEqual(ShardKey(raw: 1).hash, 1)
    XCTAssertEqual(ShardKey(raw: .max).hash, .max)
    let literal: ShardKey = "user:1"
    XCTAssertEqual(literal, ShardKey("user:1"))
    XCTAssertNotEqual(ShardKey("1"), ShardKey(raw: 1), "a string key and a raw key are never the same key")
    XCTAssertEqual(ShardKey(raw: 42).description, "42")
    XCTAssertEqual(ShardKey("k").description, "k")
    XCTAssertTrue(ShardKey(raw: 42).isRaw)
    XCTAssertFalse(ShardKey("42").isRaw)
  }

  func testKeysCompareRawByValueThenStringsByUTF8Bytes() {
    XCTAssertLessThan(ShardKey(raw: 2), ShardKey(raw: 10))
    XCTAssertLessThan(ShardKey(raw: .max), ShardKey(""), "every raw key sorts before every string key")
    XCTAssertLessThan(ShardKey("key-00000009"), ShardKey("key-00000010"))
    XCTAssertLessThan(ShardKey("B"), ShardKey("a"), "byte order, not a locale's")
    XCTAssertLessThan(ShardKey("ab"), ShardKey("abc"))
    XCTAssertFalse(ShardKey("abc") < ShardKey("abc"))
    XCTAssertLessThan(ShardKey("abcdefgh1"), ShardKey("abcdefgh2"), "past the first eight bytes")
    XCTAssertLessThan(ShardKey("abcdefgh"), ShardKey("abcdefgh\u{0}"), "a shorter key first")
    XCTAssertLessThan(ShardKey("ab"), ShardKey("ab\u{0}"))
    XCTAssertNotEqual(ShardKey("ab"), ShardKey("ab\u{0}"))
    XCTAssertLessThan(ShardKey("ab\u{0}"), ShardKey("ab\u{1}"))
    XCTAssertLessThan(ShardKey(""), ShardKey("\u{0}"))
    XCTAssertLessThan(ShardKey("0123456789abcdef"), ShardKey("0123456789abcdef\u{0}"), "16 equal bytes, then length")
    XCTAssertLessThan(ShardKey("0123456789abcdefX"), ShardKey("0123456789abcdefY"), "past the first sixteen bytes")
    XCTAssertEqual(ShardKey("0123456789abcdefXYZ"), ShardKey("0123456789abcdef" + "XYZ"))
    XCTAssertNotEqual(ShardKey("0123456789abcdefXY"), ShardKey("0123456789abcdefXYZ"))
    var rng = SeededRandom(seed: 5)
    let alphabet: [Character] = ["a", "b", "\u{0}", "é", "z"]
    let strings = (0..<400).map { _ in String((0..<Int(rng.next() % 24)).map { _ in alphabet[Int(rng.next() % 5)] }) }
    let byBytes = strings.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    XCTAssertEqual(strings.map { ShardKey($0) }.sorted().map(\.description), byBytes)
    // Canonically equivalent but different bytes: different keys, different hashes.
    let composed = ShardKey("\u{E9}")
    let decomposed = ShardKey("e\u{301}")
    XCTAssertNotEqual(composed, decomposed)
    XCTAssertNotEqual(composed.hash, decomposed.hash)
    XCTAssertTrue(decomposed < composed, "0x65 0xCC 0x81 < 0xC3 0xA9")
    XCTAssertEqual(Set([composed, decomposed, ShardKey("\u{E9}")]).count, 2)
  }
}
