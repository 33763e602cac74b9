import DistLab
import XCTest

@testable import DistLabShell

/// Display width follows East Asian Width, so tables and diagrams stay aligned whatever
/// script a node's name is written in.
final class TextWidthTests: XCTestCase {
  func testWidthsOfEachKindOfCharacter() {
    XCTAssertEqual(TextWidth.of("n1"), 2)
    XCTAssertEqual(TextWidth.of("节点"), 4, "CJK ideographs are wide")
    XCTAssertEqual(TextWidth.of("ｎ１"), 4, "fullwidth forms are wide")
    XCTAssertEqual(TextWidth.of("Zu\u{308}rich"), 6, "a combining mark takes no column")
    XCTAssertEqual(TextWidth.of("Zürich"), 6)
    XCTAssertEqual(TextWidth.of("한국"), 4, "Hangul syllables are wide")
    XCTAssertEqual(TextWidth.of("✓ →"), 3, "the symbols the views use are narrow")
    XCTAssertEqual(TextWidth.of("🙂"), 2, "emoji take two columns")
    XCTAssertEqual(TextWidth.of("\u{1b}[1mbold\u{1b}[0m"), 4, "escapes take none")
  }

  /// Every column starts at the same display column on every line.
  func assertAligned(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
    let lines = text.split(separator: "\n").map(String.init)
    guard let header = lines.first else { return XCTFail("no table", file: file, line: line) }
    let starts = columnStarts(header)
    for l in lines.dropFirst() {
      for s in starts where s > 0 {
        let prefix = prefixOfWidth(l, s)
        XCTAssertTrue(
          prefix.hasSuffix("  ") || prefix.hasSuffix(" "), "'\(l)' breaks the column at \(s)", file: file, line: line)
      }
    }
  }

  func columnStarts(_ header: String) -> [Int] {
    var starts: [Int] = []
    var col = 0
    var previous: Character = " "
    for c in header {
      if c != " " && previous == " " { starts.append(col) }
      col += TextWidth.of(String(c))
      previous = c
    }
    return starts
  }

  func prefixOfWidth(_ s: String, _ w: Int) -> String {
    var out = ""
    for c in s {
      if TextWidth.of(out) >= w { break }
      out.append(c)
    }
    return out
  }

  func testANodeWithAChineseNameDoesNotShiftTheNodesTable() {
    let s = ShellSession()
    runOK(s, ["spawn --name 节点,n2,长名字的节点"])
    let table = runOK(s, ["nodes"])
    assertAligned(table)
    let widths = Set(table.split(separator: "\n").map { TextWidth.of(String($0).trimmingTrailingSpace) })
    XCTAssertEqual(widths.count, 1, "every row as wide as the header: \(table)")
  }

  func testTheSequenceDiagramCentresAChineseNameOverItsLifeline() {
    let s = ShellSession()
    runOK(s, ["spawn --name 节点,n2", "send 节点 n2 hello"])
    let diagram = runOK(s, ["trace"])
    let lines = diagram.split(separator: "\n").map(String.init)
    guard let header = lines.first(where: { $0.contains("节点") }),
      let arrow = lines.first(where: { $0.contains("hello") })
    else { return XCTFail(diagram) }
    // The name (4 columns) is centred on the lifeline the arrow leaves from: its start is
    // one column left of it, as a 2-column name's would be none.
    guard let name = header.range(of: "节点"), let start = arrow.firstIndex(of: "├") else { return XCTFail(diagram) }
    let nameStart = TextWidth.of(String(header[..<name.lowerBound]))
    let lifeline = TextWidth.of(String(arrow[..<start]))
    XCTAssertEqual(nameStart, lifeline - 1, "\n\(diagram)")
  }
}

extension TextWidthTests {
  /// With more lanes than an 80-column terminal holds, the trace lists its events instead.
  func testAWideTraceBecomesAListOnANarrowTerminal() {
    let s = ShellSession(style: Style(colour: false, columns: 80))
    runOK(s, ["spawn 10", "send all n1 x"])
    let out = runOK(s, ["trace --last 12"])
    XCTAssertTrue(out.hasPrefix("(10 lanes do not fit 80 columns: one event a line; --nodes picks lanes)"), out)
    for line in out.split(separator: "\n") { XCTAssertLessThanOrEqual(TextWidth.of(String(line)), 80, String(line)) }
    let few = runOK(s, ["trace --last 4 --nodes n1,n2"])
    XCTAssertTrue(few.contains("│"), "a diagram that fits is still drawn: \(few)")
  }
}

extension TextWidthTests {
  /// The distance matrix of many regions becomes a list of pairs on a narrow terminal.
  func testTheRegionMatrixBecomesAListOnANarrowTerminal() {
    let s = ShellSession(style: Style(colour: false, columns: 80))
    runOK(s, ["spawn 6"])
    for (n, r) in zip(1...6, ["us-east", "eu-west", "ap-northeast", "sa-east", "au-southeast", "us-west"]) {
      runOK(s, ["net place n\(n) \(r)"])
    }
    let out = runOK(s, ["net regions"])
    XCTAssertTrue(out.contains("  eu-west ↔ us-east: 5466km, 27.328ms"), out)
    for line in out.split(separator: "\n") { XCTAssertLessThanOrEqual(TextWidth.of(String(line)), 80, String(line)) }
  }
}

extension TextWidthTests {
  /// With no terminal the diagram may grow wide, but never into a picture of many megabytes:
  /// 100 lanes over thousands of events become a list, whose size grows only with the events.
  func testAHugeTraceWithoutATerminalBecomesAListOfBoundedSize() {
    let s = ShellSession()
    runOK(s, ["spawn 100", "send all all x"])
    let out = runOK(s, ["trace --last 9900"])
    XCTAssertTrue(
      out.hasPrefix("(100 lanes over 9900 events are too large to draw: one event a line; --nodes picks lanes)"),
      String(out.prefix(200)))
    XCTAssertLessThan(out.utf8.count, 9900 * 60, "about one short line an event")
    XCTAssertTrue(runOK(s, ["trace --last 5 --nodes n1,n2"]).contains("│"), "a small diagram is still drawn")
  }
}

extension TextWidthTests {
  /// With many roles' numbers, `nodes` puts each node's numbers on lines under it rather than
  /// in columns past the terminal's edge.
  func testTheNodesTableOfManyRolesFitsEightyColumns() {
    let s = ShellSession(style: Style(colour: false, columns: 80))
    runOK(s, ["pubsub start", "task start --workers 1"])
    let out = runOK(s, ["nodes"])
    for line in out.split(separator: "\n") { XCTAssertLessThanOrEqual(TextWidth.of(String(line)), 80, String(line)) }
    XCTAssertTrue(out.contains("\nps       up      pubsub      -         1\n  received"), out)
    XCTAssertTrue(out.contains("queued 0 · unacked 0"), out)
  }
}
