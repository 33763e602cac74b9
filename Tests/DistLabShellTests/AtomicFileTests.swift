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
    XCTAssertEqual(refusal("/dev/null"), "is a device or other special file, which is never replaced")
    let target = folder + "/target.txt"
    try "kept\n".write(toFile: target, atomically: false, encoding: .utf8)
    let link = folder + "/link.txt"
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
    XCTAssertEqual(refusal(link), "is a symbolic link, which is never replaced; name the file itself")
    XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), target)
    XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "kept\n")
    XCTAssertEqual(refusal(folder), "is a folder; name a file inside it")
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

  /// A long session keeps its commands but not unbounded output: past the limit only a
  /// script can be recorded from it, and says why.
  func testTheJournalOfOutputIsBounded() throws {
    let s = ShellSession()
    s.journalOutputLimit = 200
    for _ in 0..<5 { XCTAssertEqual(s.run("spawn 2").status, .ok) }
    XCTAssertEqual(s.run("nodes").status, .ok)
    XCTAssertTrue(s.journalOutputDropped)
    XCTAssertEqual(s.journal.map(\.output.count).reduce(0, +), 0, "no output is kept once over the limit")
    let refused = s.run("record \(folder)/t.transcript")
    XCTAssertEqual(refused.status, .error)
    XCTAssertTrue(refused.text.contains("record a script (FILE.distlab) instead"), refused.text)
    XCTAssertEqual(s.run("record \(folder)/t.distlab").status, .ok)
    XCTAssertEqual(s.finish()?.status, .ok)
    let script = try String(contentsOfFile: folder + "/t.distlab", encoding: .utf8)
    XCTAssertEqual(script.components(separatedBy: "spawn 2").count - 1, 5, "every command is still recorded")
  }

  func testRecordReplacesOnlyARegularFileAndOnlyWhenItStops() throws {
    let path = folder + "/run.distlab"
    try "old\n".write(toFile: path, atomically: false, encoding: .utf8)
    let s = ShellSession()
    XCTAssertEqual(s.run("spawn 2").status, .ok)
    XCTAssertEqual(s.run("record \(path)").status, .ok)
    XCTAssertEqual(s.run("send n1 n2 hi").status, .ok)
    XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old\n", "replaced only when it stops")
    XCTAssertEqual(s.finish()?.text, "saved \(path): 2 commands")
    XCTAssertTrue(try String(contentsOfFile: path, encoding: .utf8).hasSuffix("spawn 2\nsend n1 n2 hi\n"))
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["run.distlab"])
    let link = folder + "/link.distlab"
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
    let refused = s.run("record \(link)")
    XCTAssertEqual(refused.status, .error)
    XCTAssertTrue(
      refused.text.hasSuffix("is a symbolic link, which is never replaced; name the file itself"), refused.text)
    XCTAssertNil(s.finish(), "nothing was being recorded")
  }
}

/// The history file is read only when it is a regular file of a sane size.
final class HistoryFileLimitTests: XCTestCase {
  func testAnEndlessOrHugeHistoryFileIsNeitherReadNorAppendedTo() throws {
    XCTAssertFalse(PersistentHistory(path: "/dev/zero").fileUsable, "a device is not history")
    let huge = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: huge) }
    XCTAssertTrue(FileManager.default.createFile(atPath: huge, contents: nil))
    XCTAssertEqual(truncate(huge, 2 << 30), 0)
    XCTAssertFalse(PersistentHistory(path: huge).fileUsable, "a sparse 2 GB file is refused unread")
    let fresh = huge + "-fresh"
    defer { try? FileManager.default.removeItem(atPath: fresh) }
    XCTAssertTrue(PersistentHistory(path: fresh).fileUsable, "the control: a file yet to be made is used")
  }
}

extension AtomicFileTests {
  /// A disk that fills during a save (a file-size limit stands in for it): the save reports
  /// the failure, the old file is as it was, and no temporary file is left.
  func testAFullDiskIsReportedAndTheOldFileKept() throws {
    let path = folder + "/full.distlab"
    try "kept\n".write(toFile: path, atomically: false, encoding: .utf8)
    #if os(Linux)
      let resource = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
    #else
      let resource = RLIMIT_FSIZE
    #endif
    var saved = rlimit()
    getrlimit(resource, &saved)
    var small = saved
    small.rlim_cur = 4096
    signal(SIGXFSZ, SIG_IGN)
    setrlimit(resource, &small)
    var reason: String?
    do {
      try AtomicFile.write(String(repeating: "spawn 2\n", count: 10_000), to: path)
    } catch {
      reason = error.reason
    }
    setrlimit(resource, &saved)
    signal(SIGXFSZ, SIG_DFL)
    XCTAssertEqual(reason, "cannot be written (File too large); the old file is untouched")
    XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "kept\n")
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["full.distlab"])
  }
}
