import Foundation
import XCTest

@testable import DistLabShell

/// Saving replaces only regular files, and a failed save leaves the old file as it was.
final class AtomicFileTests: XCTestCase {
  var folder = ""

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  }

  override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

  func refusal(_ path: String) -> String? {
    do {
      try AtomicFile.write("new\n", to: path)
      return nil
    } catch {
      return error.reason
    }
  }

  func testARegularFileIsReplacedWholeWithItsMode() throws {
    let path = folder + "/f.txt"
    try "old\n".write(toFile: path, atomically: false, encoding: .utf8)
    chmod(path, 0o600)
    XCTAssertNil(refusal(path))
    XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "new\n")
    XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int, 0o600)
    let litter = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0 != "f.txt" }
    XCTAssertEqual(litter, [], "no temporary file is left")
  }

  func testSpecialFilesAndSymlinksAreNeverReplaced() throws {
    XCTAssertEqual(refusal("/dev/null"), "is not a regular file: only a regular file is replaced")
    let target = folder + "/target.txt"
    try "kept\n".write(toFile: target, atomically: false, encoding: .utf8)
    let link = folder + "/link.txt"
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
    XCTAssertEqual(refusal(link), "is not a regular file: only a regular file is replaced")
    XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), target)
    XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "kept\n")
    XCTAssertNotNil(refusal(folder), "a folder is not replaced")
  }

  func testAReadOnlyFileIsNotOverwritten() throws {
    let path = folder + "/ro.txt"
    try "kept\n".write(toFile: path, atomically: false, encoding: .utf8)
    chmod(path, 0o444)
    XCTAssertEqual(refusal(path), "is read-only")
    XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "kept\n")
  }

  func testAFailedWriteLeavesNothingBehind() throws {
    XCTAssertNotNil(refusal(folder + "/no-such-folder/f.txt"))
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
  }
}
