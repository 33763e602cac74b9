import Foundation
import XCTest

@testable import DistLabShell

/// The progress file never loses a student's work: crafted values are brought into range, a
/// damaged file is kept beside, two shells saving at once both keep their completions, and a
/// save killed half-way leaves no litter.
final class ProgressFileTests: XCTestCase {
  let lessons = repositoryRoot.appendingPathComponent("Lessons").path
  var folder = ""
  var path: String { folder + "/progress.json" }

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("progress-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  }

  override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

  func session() -> ShellSession {
    let s = ShellSession()
    s.lessonDirectory = lessons
    s.progressPath = path
    return s
  }

  func write(_ text: String) throws { try text.write(toFile: path, atomically: false, encoding: .utf8) }

  /// Opens lesson 01 at its first exercise, `reorder` (three hints).
  func openReorder(_ s: ShellSession) {
    XCTAssertEqual(s.run("lesson start 01").status, .ok)
    var steps = 0
    while !s.run("lesson show").text.contains("exercise reorder"), steps < 20 {
      _ = s.run("lesson next")
      steps += 1
    }
  }

  func testCraftedHintCountsAreBroughtIntoRange() throws {
    for shown in ["-5", "9223372036854775807"] {
      try write(
        #"{"current": "01", "lessons": {"01": {"section": -3, "completed": [], "hintsShown": {"reorder": "#
          + shown + "}}}}")
      let s = session()
      openReorder(s)
      let status = s.run("lesson status").text
      XCTAssertFalse(status.contains("-5/"), status)
      let hint = s.run("lesson hint")
      XCTAssertEqual(hint.status, .ok, hint.text)
      XCTAssertTrue(hint.text.hasPrefix("Hint "), hint.text)
    }
  }

  func testADamagedFileIsKeptBesideAndSaidOnce() throws {
    try write("{ not json")
    let s = session()
    let first = s.run("lesson list").text
    XCTAssertTrue(first.hasPrefix("note: progress file \(path) was damaged: kept as \(path).corrupt-1"), first)
    XCTAssertFalse(s.run("lesson list").text.contains("damaged"), "said once")
    XCTAssertEqual(try String(contentsOfFile: path + ".corrupt-1", encoding: .utf8), "{ not json")
    openReorder(s)
    XCTAssertTrue(FileManager.default.fileExists(atPath: path), "a fresh file is saved")
  }

  /// A progress path that is a link or a read-only file is read but never renamed or
  /// replaced: the shell says so once and keeps progress for the session.
  func testALinkOrReadOnlyProgressFileIsNeverReplaced() throws {
    let target = folder + "/real.json"
    try #"{"current": "01", "lessons": {}}"#.write(toFile: target, atomically: false, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
    let s = session()
    let first = s.run("lesson list")
    XCTAssertTrue(
      first.text.hasPrefix(
        "note: progress file \(path) is a symbolic link, which is never replaced; name the file itself"),
      first.text)
    openReorder(s)
    XCTAssertEqual(s.run("lesson hint").status, .ok, "lesson commands go on without saving")
    XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: path), target)
    XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), #"{"current": "01", "lessons": {}}"#)
    XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".corrupt-1"))
  }

  func testTwoShellsSavingKeepBothCompletions() throws {
    let a = session()
    let b = session()
    openReorder(a)
    openReorder(b)
    _ = b.run("lesson hint")
    for line in ["spawn 2", "net latency uniform 10ms 9ms", "send n1 n2 a b c d e f"] {
      XCTAssertEqual(a.run(line).status, .ok)
    }
    XCTAssertTrue(a.run("lesson check").text.contains("every check holds"))
    _ = b.run("lesson hint")
    let saved = LessonProgress.load(path).progress
    XCTAssertEqual(saved.lessons["01"]?.completed, ["reorder"], "b's later save kept a's completion")
    XCTAssertEqual(saved.lessons["01"]?.hintsShown["reorder"], 2)
  }

  func testTemporaryFilesOfAKilledSaveAreSweptOnLoad() throws {
    // A process id that is not running: a save killed part-way left this behind.
    let stale = folder + "/.progress.json.tmp-999999999-1"
    try "{".write(toFile: stale, atomically: false, encoding: .utf8)
    let mine = folder + "/.progress.json.tmp-\(getpid())-1"
    try "{".write(toFile: mine, atomically: false, encoding: .utf8)
    _ = session().run("lesson list")
    XCTAssertFalse(FileManager.default.fileExists(atPath: stale))
    XCTAssertTrue(FileManager.default.fileExists(atPath: mine), "a running process's file is left alone")
  }
}
