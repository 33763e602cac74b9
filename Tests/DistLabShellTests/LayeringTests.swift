import Foundation
import XCTest

/// The arrows of docs/architecture.md, checked on the sources: the world knows no lab and no
/// shell and prints nothing; renderers never hold the live world; nodes are found by
/// address, never by array position.
final class LayeringTests: XCTestCase {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  /// Every Swift file under `folder`, with its text.
  func sources(_ folder: String) throws -> [(String, String)] {
    let base = Self.root.appendingPathComponent(folder).path
    let files = FileManager.default.enumerator(atPath: base)?.compactMap { $0 as? String } ?? []
    return try files.filter { $0.hasSuffix(".swift") }.sorted().map { name in
      (folder + "/" + name, try String(contentsOfFile: base + "/" + name, encoding: .utf8))
    }
  }

  /// Lines that are code, not comments.
  func code(_ text: String) -> [String] {
    text.split(separator: "\n").map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
  }

  func testTheWorldKnowsNoLabNoShellAndPrintsNothing() throws {
    let world = try sources("Sources/DistLab")
    XCTAssertGreaterThan(world.count, 30)
    for (file, text) in world {
      for line in code(text) {
        XCTAssertFalse(
          line.contains("import DistLabShell") || line.contains("import DistLabSharding"), "\(file): \(line)")
        XCTAssertFalse(line.range(of: #"\bShard"#, options: .regularExpression) != nil, "\(file): \(line)")
        XCTAssertFalse(line.range(of: #"\bprint\("#, options: .regularExpression) != nil, "\(file): \(line)")
      }
    }
  }

  func testLabsDependOnTheWorldOnly() throws {
    for (file, text) in try sources("Sources/Labs") {
      for line in code(text) where line.hasPrefix("import ") {
        XCTAssertTrue(["import DistLab", "import Foundation"].contains(line), "\(file): \(line)")
      }
    }
  }

  /// No lab code reads whether a node is up on a simulated client's behalf: a lab's client
  /// learns it as a real one would, by a timeout or an answer.
  func testLabsNeverReadANodesStatusOrIncarnation() throws {
    for (file, text) in try sources("Sources/Labs") {
      for line in code(text) {
        XCTAssertNil(line.range(of: #"\.(status|incarnation)\b"#, options: .regularExpression), "\(file): \(line)")
      }
    }
  }

  func testRenderersNeverHoldTheLiveWorld() throws {
    let renderers =
      try sources("Sources/DistLabShell/Render")
      + sources("Sources/DistLabShell/Labs").filter { $0.0.hasSuffix("Renderer.swift") }
    XCTAssertGreaterThan(renderers.count, 8)
    for (file, text) in renderers {
      for line in code(text) {
        XCTAssertNil(line.range(of: #"\bWorld\b"#, options: .regularExpression), "\(file): \(line)")
      }
    }
  }

  func testNodesAreFoundByAddressNotByPosition() throws {
    for (file, text) in try sources("Sources/DistLab") + sources("Sources/Labs") {
      for line in code(text) {
        XCTAssertNil(line.range(of: #"\.(index|number) - 1\b"#, options: .regularExpression), "\(file): \(line)")
      }
    }
  }
}
