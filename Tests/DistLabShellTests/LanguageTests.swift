import DistLab
import XCTest

@testable import DistLabShell

final class LexerTests: XCTestCase {
  /// A line of tens of thousands of predictions is refused, not evaluated into a stack
  /// overflow; the longest line allowed still works.
  func testAnExpectLineJoinsABoundedNumberOfPredictions() {
    let s = ShellSession()
    let huge = "expect nodes.up == 0" + String(repeating: " and nodes.up == 0", count: 60_000)
    let refused = s.run(huge)
    XCTAssertEqual(refused.status, .error)
    XCTAssertTrue(
      refused.text.contains("an expect line joins at most 64 predictions"), String(refused.text.prefix(200)))
    let longest = "expect nodes.up == 0" + String(repeating: " or nodes.up == 0", count: 63)
    XCTAssertEqual(s.run(longest).status, .ok)
  }

  func testWordsQuotesAndComments() throws {
    let t = try Lexer.tokenize(#"send n1 n2 "hello world" plain # a comment"#)
    XCTAssertEqual(t.map(\.text), ["send", "n1", "n2", "hello world", "plain"])
    XCTAssertEqual(t.map(\.column), [1, 6, 9, 12, 26])
    XCTAssertEqual(t[3].quoted, true)
    XCTAssertFalse(t[4].quoted)
  }

  func testEscapesInQuotes() throws {
    let t = try Lexer.tokenize(#"echo "a\"b\\c\nd""#)
    XCTAssertEqual(t[1].text, "a\"b\\c\nd")
  }

  /// What the shell prints for a text with control characters reads back as the same text.
  func testQuotedValuesReadBackWithControlCharacters() throws {
    let text = "a\u{1b}[31mred\ttab\r\"q\" \\ é"
    let printed = Value.string(text).description
    XCTAssertFalse(printed.unicodeScalars.contains { $0.value < 0x20 }, printed)
    XCTAssertEqual(try Lexer.tokenize("x " + printed)[1].text, text)
    XCTAssertThrowsError(try Lexer.tokenize(#"x "\u{zz}""#))
  }

  func testQuotedFlagIsNotAFlag() throws {
    let t = try Lexer.tokenize(#"rpc n1 echo "--verbose""#)
    XCTAssertFalse(t[3].isFlag)
  }

  func testErrorsPointAtTheColumn() {
    XCTAssertThrowsError(try Lexer.tokenize(#"send n1 n2 "open"#)) { e in
      XCTAssertEqual((e as? ShellError)?.column, 12)
    }
    XCTAssertThrowsError(try Lexer.tokenize(#"send n1 n2 "a"b"#)) { e in
      XCTAssertEqual((e as? ShellError)?.column, 15)
    }
    XCTAssertThrowsError(try Lexer.tokenize(#"x "\q""#))
    XCTAssertThrowsError(try Lexer.tokenize(#"ab"c"#))
  }
}

final class UnitsTests: XCTestCase {
  func testDurations() {
    XCTAssertEqual(Units.duration("250ms"), .milliseconds(250))
    XCTAssertEqual(Units.duration("2s"), .seconds(2))
    XCTAssertEqual(Units.duration("1m"), .seconds(60))
    XCTAssertEqual(Units.duration("1.5s"), .milliseconds(1500))
    XCTAssertEqual(Units.duration("10us"), .microseconds(10))
    XCTAssertEqual(Units.duration("10µs"), .microseconds(10))
    XCTAssertEqual(Units.duration("7ns"), Nanoseconds(7))
    XCTAssertEqual(Units.duration("0"), .zero)
    for bad in ["", "ms", "-1s", "5", "1e400s", "abc", "1x", "nans", "infs", ".5s"] {
      XCTAssertNil(Units.duration(bad), bad)
    }
  }

  func testRatiosAndSizes() {
    XCTAssertEqual(Units.ratio("10%"), 0.1)
    XCTAssertEqual(Units.ratio("0.25"), 0.25)
    XCTAssertNil(Units.ratio("ten"))
    XCTAssertEqual(Units.size("64KB"), 65536)
    XCTAssertEqual(Units.size("128MB"), 128 << 20)
    XCTAssertNil(Units.size("lots"))
  }

  func testValuesTypedAsArguments() {
    XCTAssertEqual(Units.value(Token("42", column: 1)), .int(42))
    XCTAssertEqual(Units.value(Token("42", column: 1, quoted: true)), .string("42"))
    XCTAssertEqual(Units.value(Token("true", column: 1)), .bool(true))
    XCTAssertEqual(Units.value(Token("null", column: 1)), .null)
    XCTAssertEqual(Units.value(Token("2.5", column: 1)), .double(2.5))
    XCTAssertEqual(Units.value(Token("500ms", column: 1)), .int(500_000_000))
    XCTAssertEqual(Units.value(Token("blue", column: 1)), .string("blue"))
  }
}

final class NodeSetTests: XCTestCase {
  func testForms() throws {
    let s = preparedSession()
    let w = s.world
    func names(_ text: String) throws -> [String] {
      try NodeSet.resolve(Token(text, column: 1), in: w).map { w.name(of: $0) }
    }
    XCTAssertEqual(try names("n1"), ["n1"])
    XCTAssertEqual(try names("n3,n1,n3"), ["n3", "n1"])
    XCTAssertEqual(try names("n2..n4"), ["n2", "n3", "n4"])
    XCTAssertEqual(try names("all"), ["n1", "n2", "n3", "n4"])
    XCTAssertEqual(try names("db"), ["n3", "n4"])
    XCTAssertEqual(try names("dbs"), ["n3", "n4"])
    XCTAssertEqual(try NodeSet.resolve(Token("cli", column: 1), in: w, allowClient: true), [.client])
  }

  func testErrorsSuggestAndList() {
    let s = preparedSession()
    XCTAssertThrowsError(try NodeSet.resolve(Token("n9", column: 5), in: s.world)) { e in
      let e = e as? ShellError
      XCTAssertEqual(e?.message, "unknown node 'n9' (nodes: n1..n4)", "another number is not a typo")
      XCTAssertEqual(e?.column, 5)
    }
    XCTAssertThrowsError(try NodeSet.resolve(Token("m3", column: 1), in: s.world)) { e in
      XCTAssertEqual((e as? ShellError)?.message, "unknown node 'm3' (did you mean 'n3'?) (nodes: n1..n4)")
    }
    XCTAssertThrowsError(try NodeSet.resolve(Token("n4..n2", column: 1), in: s.world))
    XCTAssertThrowsError(try NodeSet.resolve(Token("n1..n9", column: 1), in: s.world))
    XCTAssertThrowsError(try NodeSet.resolve(Token("n1,,n2", column: 1), in: s.world))
    XCTAssertThrowsError(try NodeSet.resolve(Token("cli", column: 1), in: s.world))
  }

  func testCompactNames() {
    XCTAssertEqual(NodeSet.compact(["n1", "n2", "n3", "db", "n7"]), "n1..n3, db, n7")
    XCTAssertEqual(NodeSet.compact(["n1", "n2"]), "n1, n2")
  }
}

final class ExpectationTests: XCTestCase {
  func testHoldsAndFails() {
    let s = preparedSession()
    runOK(s, ["rpc n2 add 10 20"])
    XCTAssertEqual(s.run("expect value == 30").status, .ok)
    let failed = s.run("expect value == 31")
    XCTAssertEqual(failed.status, .expectationFailed)
    XCTAssertEqual(failed.text, "✗ expected value == 31, found value = 30")
    XCTAssertEqual(s.run("expect value == 30 and error == none and rtt <= 2ms").status, .ok)
    XCTAssertEqual(s.run("expect value == 1 or attempts == 1").status, .ok)
    XCTAssertEqual(s.run("expect value == 1 or attempts == 2").status, .expectationFailed)
  }

  func testReadsTheWorld() {
    let s = preparedSession()
    runOK(s, ["kill n2", "kv put n1 k 5", "advance 1s"])
    XCTAssertEqual(s.run("expect n2.status == down and nodes.up == 3 and n1.kv.k == 5").status, .ok)
    XCTAssertEqual(s.run("expect time >= 1s and stats.sent == 2").status, .ok)
  }

  func testMalformedExpectationsAreErrors() {
    let s = preparedSession()
    for bad in [
      "expect", "expect value", "expect value ==", "expect value=30", "expect value ~ 3", "expect bogus == 1",
      "expect value == 1 xor value == 2", "expect n1.nothing == 1", "expect value == 30",
    ] {
      let o = s.run(bad)
      XCTAssertEqual(o.status, .error, bad)
      XCTAssertFalse(o.text.contains("\n"), bad)
    }
  }
}
