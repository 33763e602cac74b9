import DistLab
import XCTest

@testable import DistLabShell

/// Nothing a user types reaches the terminal as a control: every hostile string, through
/// every command that shows user text, comes out escaped.
final class HostileTextTests: XCTestCase {
  static let hostile = [
    "\u{1B}[2J", "\u{1B}]0;title\u{07}", "bell\u{07}", "del\u{7F}", "csi\u{9B}31m", "\u{202E}evil", "iso\u{2066}x",
    "line\u{2028}sep", "cr\rhere", "nul\u{0}",
  ]

  static func quoted(_ s: String) -> String { "\"" + TextEscape.escaped(s, quotes: true) + "\"" }

  func assertClean(_ text: String, _ line: String, file: StaticString = #filePath, line n: UInt = #line) {
    let bad = text.unicodeScalars.filter { TextEscape.isHostile($0) && $0 != "\n" }
    XCTAssertTrue(bad.isEmpty, "\(line) → \(text.debugDescription)", file: file, line: n)
  }

  func testEveryCommandShowingUserTextEscapesIt() {
    for h in Self.hostile {
      let q = Self.quoted(h)
      let s = ShellSession()
      s.lessonDirectory = repositoryRoot.appendingPathComponent("Lessons").path
      let lines = [
        "spawn 3", "shard use modn", "kv put n1 \(q) \(q)", "kv get n1 \(q)", "shard where \(q)", "shard put \(q) \(q)",
        "shard get \(q)", "rpc n1 echo \(q)", "send n1 n2 \(q)", "expect \(q) == 1", "expect nodes == \(q)",
        "lesson start \(q)", "help \(q)", "\(q)", "net partition \(q)", "spawn 1 --name \(q)", "trace", "kill \(q)",
      ]
      for line in lines { assertClean(s.run(line).text, line) }
    }
  }

  func testTheGradeReportsStayParseableAndClean() {
    for h in Self.hostile {
      let r = GradeResult(
        lesson: "01", lessonTitle: h, exercise: "e", title: h, status: .failed, points: 0, maxPoints: 1, message: h,
        checks: [], seed: 1, hint: h, solution: h, seconds: 0.5)
      let tap = GradeReports.tap([r])
      for l in tap.split(separator: "\n") { assertClean(String(l), "tap") }
      assertClean(TextEscape.terminal(GradeReports.table([r]), keepingColour: false), "table")
    }
  }

  func testColourKeepsOnlyTheShellsOwnSequences() {
    let styled = Style(colour: true).error("x") + " \u{1B}[2J \u{1B}]0;t\u{07}"
    let shown = TextEscape.terminal(styled, keepingColour: true)
    XCTAssertTrue(shown.hasPrefix("\u{1B}[31mx\u{1B}[0m"), shown.debugDescription)
    XCTAssertTrue(shown.hasSuffix(" \\u{1b}[2J \\u{1b}]0;t\\u{7}"), shown.debugDescription)
  }
}
