import DistLab
import Foundation
import XCTest

@testable import DistLabShell

/// Small promises kept the same way everywhere: how a percentage is written, where a file's
/// markers must close, what `exit` stops, which limits a setting and its flag accept.
final class ConsistencyTests: XCTestCase {
  func testPercentagesNeverShowATrailingPointOrAFalseWholeNumber() {
    XCTAssertEqual(Percent.format(0.99999), "99.999%")
    XCTAssertEqual(Percent.format(0.999_999_999), ">99.9999%")
    XCTAssertEqual(Percent.format(1e-9), "<0.0001%")
    XCTAssertEqual(Percent.format(0.125), "12.5%")
    XCTAssertEqual(Percent.format(0.1), "10%")
    XCTAssertEqual(Percent.format(1), "100%")
  }

  func testAnAnyOrderBlockWithoutItsEndIsAnErrorInATranscript() {
    let lines = ["distlab> spawn 2", "{any order}", "spawned n1, n2"]
    XCTAssertThrowsError(try Transcript.parse(lines, file: "t.transcript")) {
      XCTAssertEqual(($0 as? FileProblem)?.reason, "line 2: {any order} without {end}")
    }
  }

  func testReplayStopsAtExitAsTheShellDoes() throws {
    let lines = ["distlab> spawn 1", "spawned n1", "distlab> exit", "distlab> spawn 1", "spawned n2"]
    let result = TranscriptReplayer.replay(try Transcript.parse(lines, file: "t"), file: "t")
    XCTAssertFalse(result.passed, "commands after exit do not run")
    XCTAssertEqual(result.commands, 2)
  }

  func testAnEmptyFileIsAnEmptyScriptAndAnEndlessOneIsRefusedUnread() throws {
    XCTAssertEqual(try ScriptFile.lines("/dev/null"), [])
    XCTAssertThrowsError(try ScriptFile.lines("/dev/zero")) {
      XCTAssertEqual(($0 as? FileProblem)?.reason, "is larger than 16 MB")
    }
  }

  func testTheNodeCapAcceptsTheSameRangeAsItsFlag() {
    let s = ShellSession()
    XCTAssertEqual(s.run("set max-nodes \(WorldConfig.maxNodesRange.upperBound)").status, .ok)
    let over = s.run("set max-nodes \(WorldConfig.maxNodesRange.upperBound + 1)")
    XCTAssertEqual(over.status, .error)
    XCTAssertTrue(over.text.hasSuffix("the node cap is between 1 and 100000"), over.text)
    XCTAssertEqual(s.run("set trace-limit 10000000").status, .error, "a trace that long would not fit in memory")
  }

  func testVirtualNodesAreRefusedWhereTheSchemeWouldRefuseThem() {
    let s = ShellSession()
    XCTAssertEqual(s.run("spawn 3").status, .ok)
    let over = s.run("shard use ring --vnodes 10001")
    XCTAssertEqual(over.status, .error)
    XCTAssertTrue(over.text.contains("--vnodes must be between 1 and 10000"), over.text)
    XCTAssertEqual(s.run("shard use ring --vnodes 10000").status, .ok)
  }

  func testADurationPastTheHorizonSaysSo() {
    let s = ShellSession()
    XCTAssertEqual(s.run("spawn 1").status, .ok)
    let refused = s.run("rpc n1 ping --timeout 1000000h")
    XCTAssertTrue(refused.text.hasSuffix("--timeout runs past the world's horizon, 100 years (876000h)"), refused.text)
  }
}

/// The executable as a user runs it.
final class CommandLineTests: XCTestCase {
  /// The built `distlab`, beside the test bundle (which the test runner was given).
  static var builtExecutable: URL {
    let bundle = CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? Bundle.main.bundlePath
    return URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent("distlab")
  }
  var executable: URL { Self.builtExecutable }

  func exitStatus(_ arguments: [String]) throws -> Int32 { try Self.exitStatus(arguments) }

  /// How the built `distlab` exits when run with `arguments`, its output discarded.
  static func exitStatus(_ arguments: [String]) throws -> Int32 {
    let p = Process()
    p.executableURL = builtExecutable
    p.arguments = arguments
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
  }

  /// The README promises 2 for errors; a mistake on the command line is one.
  func testCommandLineMistakesExitTwo() throws {
    try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: executable.path), "no built distlab")
    XCTAssertEqual(try exitStatus(["run", "--bogus", "x.distlab"]), 2)
    XCTAssertEqual(try exitStatus(["run"]), 2)
    XCTAssertEqual(try exitStatus(["run", "--max-nodes", "100001", "/dev/null"]), 2)
    XCTAssertEqual(try exitStatus(["run", "/dev/null"]), 0, "the control: an empty script runs")
    XCTAssertEqual(try exitStatus(["--help"]), 0)
  }
}
