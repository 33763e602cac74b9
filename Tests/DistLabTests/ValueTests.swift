import DistLab
import XCTest

/// Values as the shell prints them: written so that the shell would read them back.
final class ValueTests: XCTestCase {
  func testScalarsPrintPlainly() {
    XCTAssertEqual(Value.null.description, "null")
    XCTAssertEqual(Value.bool(true).description, "true")
    XCTAssertEqual(Value.bool(false).description, "false")
    XCTAssertEqual(Value.int(42).description, "42")
    XCTAssertEqual(Value.int(-7).description, "-7")
    XCTAssertEqual(Value.int(.min).description, "-9223372036854775808")
  }

  func testWholeDoublesKeepADecimalPointSoTheyStayDoubles() {
    XCTAssertEqual(Value.double(2).description, "2.0")
    XCTAssertEqual(Value.double(-3).description, "-3.0")
    XCTAssertEqual(Value.double(2.5).description, "2.5")
    XCTAssertNotEqual(Value.double(2).description, Value.int(2).description)
  }

  func testStringsAreQuotedOnlyWhenTheyWouldReadBackAsSomethingElse() {
    XCTAssertEqual(Value.string("hello").description, "hello")
    XCTAssertEqual(Value.string("kv.put").description, "kv.put")
    XCTAssertEqual(Value.string("héllo").description, "héllo")
    // These would read back as another type, or not as one word.
    XCTAssertEqual(Value.string("").description, "\"\"")
    XCTAssertEqual(Value.string("hello world").description, "\"hello world\"")
    XCTAssertEqual(Value.string("42").description, "\"42\"")
    XCTAssertEqual(Value.string("2.5").description, "\"2.5\"")
    XCTAssertEqual(Value.string("true").description, "\"true\"")
    XCTAssertEqual(Value.string("null").description, "\"null\"")
  }

  func testQuotedStringsEscapeQuotesBackslashesAndControlCharacters() {
    XCTAssertEqual(Value.string("say \"hi\"").description, #""say \"hi\"""#)
    XCTAssertEqual(Value.string("a\\b").description, #""a\\b""#)
    XCTAssertEqual(Value.string("line\nnext\ttab").description, #""line\nnext\ttab""#)
  }

  func testBytesAndListsPrint() {
    XCTAssertEqual(Value.bytes([0x00, 0xab, 0xff]).description, "0x00abff")
    XCTAssertEqual(Value.list([]).description, "[]")
    XCTAssertEqual(
      Value.list([.int(1), .string("a b"), .list([.null])]).description, "[1, \"a b\", [null]]")
  }

  func testTypeNamesTagsAndAccessors() {
    let all: [Value] = [.null, .bool(true), .int(1), .double(1), .string("s"), .bytes([1]), .list([])]
    XCTAssertEqual(all.map(\.typeName), ["null", "bool", "int", "double", "string", "bytes", "list"])
    XCTAssertEqual(Set(all.map(\.tag)).count, all.count, "every kind has its own tag")
    XCTAssertEqual(Value.int(5).intValue, 5)
    XCTAssertNil(Value.double(5).intValue)
    XCTAssertEqual(Value.string("x").stringValue, "x")
    XCTAssertNil(Value.int(1).stringValue)
  }

  func testHexSpelling() {
    XCTAssertEqual(Hex.byte(0), "00")
    XCTAssertEqual(Hex.byte(0xaf), "af")
    XCTAssertEqual(Hex.spaced([1, 0x10, 0xff]), "01 10 ff")
    XCTAssertEqual(Hex.spaced([]), "")
  }
}
