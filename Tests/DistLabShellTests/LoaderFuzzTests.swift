import DistLab
import Foundation
import XCTest

@testable import DistLabShell

/// The loaders and the evaluator take random and mutated input without a crash and in
/// bounded time: expectations, lessons, progress files and history files.
final class LoaderFuzzTests: XCTestCase {
  var folder = ""

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  }

  override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

  /// `text` with a few bytes replaced, inserted, deleted or a line repeated.
  static func mutate(_ text: String, _ rng: inout SeededRandom) -> String {
    var bytes = Array(text.utf8)
    let alphabet = Array("{}[]\":,-0123456789\n\r\t \\#<>!=`*|.\u{7f}".utf8) + [0xEF, 0xBB, 0xBF, 0xC3, 0xFF]
    for _ in 0...Int(rng.next() % 6) where !bytes.isEmpty {
      let at = Int(rng.next() % UInt64(bytes.count))
      switch rng.next() % 4 {
      case 0: bytes[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
      case 1: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
      case 2: bytes.remove(at: at)
      default:
        let end = min(bytes.count, at + Int(rng.next() % 200))
        bytes.insert(contentsOf: bytes[at..<end], at: at)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  func testExpectationsFromRandomWords() {
    var rng = SeededRandom(seed: 7, stream: 1)
    let s = ShellSession()
    _ = s.run("spawn 3")
    _ = s.run("rpc n1 add 1 2")
    let words = [
      "value", "error", "rtt", "nodes", "nodes.up", "stats.sent", "n1.kv.x", "==", "!=", "<", ">=", "and", "or", "1",
      "-1", "1ms", "99999999999999999999", "\"x\"", "nan", "true", "null", "(", ")", "n9.kv", "..", "1e308",
    ]
    let started = Date()
    for _ in 0..<3000 {
      let n = Int(rng.next() % 12)
      let line = "expect " + (0..<n).map { _ in words[Int(rng.next() % UInt64(words.count))] }.joined(separator: " ")
      let o = s.run(line)
      XCTAssertFalse(o.text.contains("\n") && o.status == .error, line)
    }
    XCTAssertLessThan(Date().timeIntervalSince(started), 20)
  }

  func testMutatedLessons() throws {
    let source = try String(
      contentsOfFile: repositoryRoot.appendingPathComponent("Lessons/02-rpc.md").path, encoding: .utf8)
    var rng = SeededRandom(seed: 8, stream: 1)
    let started = Date()
    for i in 0..<300 {
      let path = folder + "/l\(i).md"
      try Self.mutate(source, &rng).write(toFile: path, atomically: false, encoding: .utf8)
      do {
        let lesson = try LessonParser.load(path)
        XCTAssertFalse(lesson.id.isEmpty)
      } catch {
        XCTAssertTrue(error.reason.hasPrefix(path), error.reason)
        XCTAssertFalse(error.reason.contains("\n"), error.reason)
      }
    }
    XCTAssertLessThan(Date().timeIntervalSince(started), 20)
  }

  func testMutatedProgressFiles() throws {
    let good = """
      {"current": "01", "lessons": {"01": {"section": 2, "completed": ["reorder"], "hintsShown": {"reorder": 2}},
      "02": {"section": 0, "completed": [], "hintsShown": {}}}}
      """
    var rng = SeededRandom(seed: 9, stream: 1)
    let path = folder + "/progress.json"
    for _ in 0..<500 {
      try? FileManager.default.removeItem(atPath: path)
      try Self.mutate(good, &rng).write(toFile: path, atomically: false, encoding: .utf8)
      let p = LessonProgress.load(path).progress
      for entry in p.lessons.values {
        XCTAssertGreaterThanOrEqual(entry.section, 0)
        XCTAssertTrue(entry.hintsShown.values.allSatisfy { (0...LessonProgress.maxHints).contains($0) })
      }
    }
    let aside = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".corrupt-") }
    XCTAssertFalse(aside.isEmpty, "some mutations were damage, and were kept")
  }

  func testMutatedHistoryFiles() throws {
    let good = "_HiStOrY_V2_\nspawn\\0403\nrpc\\040n1\\040ping\n"
    var rng = SeededRandom(seed: 10, stream: 1)
    let path = folder + "/history"
    for _ in 0..<300 {
      try Self.mutate(good, &rng).write(toFile: path, atomically: false, encoding: .utf8)
      let h = PersistentHistory(path: path)
      h.add("spawn 1")
    }
  }
}
