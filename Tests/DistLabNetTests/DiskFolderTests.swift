import DistLab
import DistLabNet
import Foundation
import XCTest

/// A node process's disk folder: what was written is there at the next start, a key deleted
/// stays deleted, each start is one more incarnation, and a write cut short by a kill ends the
/// replay without losing what came before it.
final class DiskFolderTests: XCTestCase {
  func folder() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("disk-\(UUID().uuidString)").path
    addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
  }

  func testWritesSurviveAndEachStartIsAnIncarnation() throws {
    let path = try folder()
    do {
      let d = try DiskFolder(path: path)
      XCTAssertEqual(d.incarnation, 1)
      d.disk["a"] = .int(1)
      d.disk["b"] = .list([.string("x"), .bool(true)])
      d.disk["a"] = .int(2)
      d.disk["c"] = .null
      d.disk["c"] = nil
    }
    let again = try DiskFolder(path: path)
    XCTAssertEqual(again.incarnation, 2)
    XCTAssertEqual(again.disk.keys, ["a", "b"])
    XCTAssertEqual(again.disk["a"], .int(2))
    XCTAssertEqual(again.disk["b"], .list([.string("x"), .bool(true)]))
    XCTAssertEqual(try DiskFolder(path: path).incarnation, 3)
  }

  func testAWriteCutShortEndsTheReplayAndKeepsWhatCameBefore() throws {
    let path = try folder()
    do {
      let d = try DiskFolder(path: path)
      d.disk["kept"] = .string("yes")
    }
    let journal = FileHandle(forWritingAtPath: path + "/journal")!
    journal.seekToEndOfFile()
    journal.write(Data([0, 0, 0, 40, 1, 0, 0]))
    try journal.close()
    let again = try DiskFolder(path: path)
    XCTAssertEqual(again.disk.keys, ["kept"])
    again.disk["more"] = .int(1)
    XCTAssertEqual(try DiskFolder(path: path).disk.keys, ["kept", "more"], "the cut-off tail was dropped, not kept")
  }
}
