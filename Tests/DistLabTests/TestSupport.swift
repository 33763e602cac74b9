import DistLab
import XCTest

/// Helpers shared by the DistLab tests: making worlds, naming nodes, rendering traces.

func makeWorld(
  seed: UInt64 = 1, mode: WorldMode = .sim, nodes: Int = 0, handOff: SimHandOff = .byCost,
  program: (@Sendable () -> NodeProgram)? = nil
) throws -> World {
  var config = WorldConfig()
  config.seed = seed
  config.mode = mode
  config.simHandOff = handOff
  let world = program.map { World(config: config, program: $0) } ?? World(config: config)
  if nodes > 0 { _ = try world.spawn(count: nodes) }
  return world
}

extension World {
  /// The id of the node called `name`; fails the test when there is none.
  func id(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> NodeID {
    guard let info = node(named: name) else {
      XCTFail("no node named \(name)", file: file, line: line)
      return NodeID(-1)
    }
    return info.id
  }

  /// Everything a refused command must leave as it was.
  var snapshot: WorldSnapshot {
    WorldSnapshot(
      nodes: allNodes, network: network, traceTotal: trace.totalRecorded, now: now,
      pending: pendingEvents, maxNodes: config.maxNodes)
  }

  /// Trace events of one kind, oldest first.
  func events(_ kind: TraceEvent.Kind) -> [TraceEvent] {
    trace.ordered.filter { $0.kind == kind }
  }
}

struct WorldSnapshot: Equatable {
  var nodes: [NodeInfo]
  var network: NetworkConfig
  var traceTotal: Int
  var now: Nanoseconds
  var pending: Int
  var maxNodes: Int
}

/// Runs `body`, which must be refused with a `WorldError`, and returns the refusal.
@discardableResult
func assertRefused<T>(
  _ body: @autoclosure () throws -> T, _ message: String = "",
  file: StaticString = #filePath, line: UInt = #line
) -> WorldError? {
  do {
    _ = try body()
    XCTFail("expected a refusal, but it succeeded. \(message)", file: file, line: line)
    return nil
  } catch let error as WorldError {
    return error
  } catch {
    XCTFail("expected a WorldError, got \(error). \(message)", file: file, line: line)
    return nil
  }
}

/// Every field of a trace event, so two traces compare field by field.
func render(_ e: TraceEvent) -> String {
  var parts = ["\(e.time.value)", e.kind.rawValue, "node=\(e.node.number)"]
  parts.append("peer=\(e.peer.map { String($0.number) } ?? "-")")
  parts.append("msg=\(e.messageID.map(String.init) ?? "-")")
  parts.append("lat=\(e.latency.map { String($0.value) } ?? "-")")
  parts.append("bytes=\(e.bytes.map { Hex.spaced($0) } ?? "-")")
  parts.append("detail=\(e.detail)")
  return parts.joined(separator: " ")
}

func render(_ trace: TraceLog) -> [String] { trace.ordered.map(render) }

/// Decodes bytes the test itself produced or received from the world.
func decoded(_ bytes: [UInt8]?, file: StaticString = #filePath, line: UInt = #line) -> Frame? {
  guard let bytes else {
    XCTFail("no bytes", file: file, line: line)
    return nil
  }
  do {
    return try FrameCodec.decode(bytes)
  } catch {
    XCTFail("undecodable: \(error)", file: file, line: line)
    return nil
  }
}

/// The method of the request a trace event carries, if it carries one.
func requestMethod(_ e: TraceEvent) -> String? {
  guard let bytes = e.bytes, let f = try? FrameCodec.decode(bytes), f.kind == .request else { return nil }
  return f.method
}

/// Fails with the first line where two runs' logs differ.
func assertSameLines(_ a: [String], _ b: [String], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
  guard a != b else { return }
  let i = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
  XCTFail(
    "\(what): \(a.count) vs \(b.count) lines, first difference at line \(i):\n  \(i < a.count ? a[i] : "<end>")\n  \(i < b.count ? b[i] : "<end>")",
    file: file, line: line)
}

/// The standard role's numbers, read by name as `nodes` and `expect` read them.
extension NodeSummary {
  var received: Int { Int(metric("received") ?? -1) }
  var executed: Int { Int(metric("executed") ?? -1) }
  var kv: [String: Value] { data }
}
extension NodeSummary {
  var keys: Int { Int(metric("keys") ?? -1) }
}
