import DistLab
import Foundation
import XCTest

@testable import DistLabShell

/// A session with nodes n1..n4 (n3 and n4 with role db), ready for commands.
func preparedSession(seed: UInt64 = 1, maxNodes: Int = 50) -> ShellSession {
  var config = WorldConfig()
  config.seed = seed
  config.maxNodes = maxNodes
  let s = ShellSession(config: config, roles: testRoles)
  _ = s.run("spawn 2")
  _ = s.run("spawn 2 --role db")
  return s
}

/// The built-in roles and `db`, a second role made of the standard services.
let testRoles = RoleCatalog.builtIn.adding(
  Role("db", summary: "a standard node by another name", services: { [CoreService(), KeyValueService()] }))

/// Runs lines and returns their joined output; fails the test on an error.
@discardableResult
func runOK(_ s: ShellSession, _ lines: [String], file: StaticString = #filePath, line: UInt = #line) -> String {
  var out: [String] = []
  for l in lines {
    let o = s.run(l)
    XCTAssertNotEqual(o.status, .error, "'\(l)' failed: \(o.text)", file: file, line: line)
    out.append(o.text)
  }
  return out.joined(separator: "\n")
}

/// Runs a line that must be refused with one line of error containing `text`.
func refused(_ s: ShellSession, _ line: String, _ text: String, file: StaticString = #filePath, line l: UInt = #line) {
  let out = s.run(line)
  XCTAssertEqual(out.status, .error, line, file: file, line: l)
  XCTAssertTrue(out.text.contains(text), "\(line): \(out.text)", file: file, line: l)
  XCTAssertEqual(out.text.split(separator: "\n").count, 1, "one line: \(out.text)", file: file, line: l)
}

/// Everything about the world a command could change, for checking that a rejected command
/// changed nothing.
struct WorldFingerprint: Equatable {
  var nodes: [String]
  var now: Nanoseconds
  var network: NetworkConfig
  var traced: Int
  var pending: Int
  var seed: UInt64
  var mode: WorldMode
  var maxNodes: Int

  init(_ w: World) {
    nodes = w.allNodes.map {
      "\($0.id.number) \($0.name) \($0.status) \($0.roles) \($0.region ?? "-") \($0.incarnation)"
    }
    now = w.now
    network = w.network
    traced = w.trace.totalRecorded
    pending = w.pendingEvents
    seed = w.seed
    mode = w.mode
    maxNodes = w.config.maxNodes
  }
}

/// The repository's root folder, for reaching Lessons/ and Transcripts/.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()
