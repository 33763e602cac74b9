import DistLab
import XCTest

/// The store inside every standard node.
final class KeyValueStoreTests: XCTestCase {
  func testPutReturnsWhatItReplaced() {
    var kv = KeyValueStore()
    XCTAssertNil(kv.put("a", .int(1)))
    XCTAssertEqual(kv.put("a", .string("two")), .int(1))
    XCTAssertEqual(kv.get("a"), .string("two"))
    XCTAssertNil(kv.get("missing"))
    XCTAssertEqual(kv.count, 1)
  }

  func testDeleteSaysWhetherTheKeyWasThere() {
    var kv = KeyValueStore()
    kv.put("a", .null)
    XCTAssertTrue(kv.delete("a"))
    XCTAssertFalse(kv.delete("a"))
    XCTAssertEqual(kv.count, 0)
  }

  func testIncrementCountsAMissingKeyAsZero() {
    var kv = KeyValueStore()
    XCTAssertEqual(try kv.increment("c", by: 5).get(), 5)
    XCTAssertEqual(try kv.increment("c", by: -7).get(), -2)
    XCTAssertEqual(kv.get("c"), .int(-2))
  }

  func testIncrementRefusesOverflowAndLeavesTheValue() {
    var kv = KeyValueStore()
    kv.put("c", .int(.max))
    XCTAssertThrowsError(try kv.increment("c", by: 1).get())
    XCTAssertEqual(kv.get("c"), .int(.max))
  }

  func testIncrementRefusesANonInteger() {
    var kv = KeyValueStore()
    kv.put("s", .string("x"))
    XCTAssertThrowsError(try kv.increment("s", by: 1).get()) { error in
      XCTAssertTrue((error as? MethodError)?.message.contains("string") ?? false, "\(error)")
    }
    XCTAssertEqual(kv.get("s"), .string("x"))
  }
}
