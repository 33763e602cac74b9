import DistLab

/// What a command did, as typed data: renderers turn it into text and `expect` reads it.
public enum CommandResult: Sendable {
  case nothing
  case nodesChanged(NodeChange, [NodeInfo])
  case nodeTable([NodeRow])
  case sent(SendOutcome)
  case called(CallOutcome, verbose: Bool)
  case kv(KVOutcome)
  case network(NetworkView)
  case networkChanged(String)
  case advanced(AdvanceOutcome)
  case clock(Nanoseconds, pending: Int)
  case seed(UInt64, changed: Bool)
  case mode(WorldMode, changed: Bool)
  case setting(name: String, value: String)
  case trace(TraceView)
  case stats(StatsView)
  case expectation(ExpectationOutcome)
  case help(HelpView)
  case sourced(path: String, commands: Int, failedExpectations: Int, output: String)
  case recording(RecordingChange)
  case reset
  case exit
}

/// Which change `nodesChanged` reports.
public enum NodeChange: String, Sendable {
  case spawned, killed, restarted, paused, resumed
}

/// One row of `nodes`.
public struct NodeRow: Sendable {
  public var info: NodeInfo
  public var summary: NodeSummary?
}

/// A key/value operation and the call that carried it.
public struct KVOutcome: Sendable {
  public enum Operation: String, Sendable {
    case get, put, delete, incr, keys
  }
  public var operation: Operation
  public var key: String?
  public var call: CallOutcome
}

/// The network as `net` shows it.
public struct NetworkView: Sendable {
  public var config: NetworkConfig
  public var names: [NodeID: String]
}

/// Recent events for `trace`, with the nodes to draw as columns.
public struct TraceView: Sendable {
  public var events: [TraceEvent]
  public var columns: [NodeID]
  public var names: [NodeID: String]
  /// Events that happened but were not shown (older than the window, or beyond the limit).
  public var omitted: Int
  public var asList: Bool
}

/// Traffic totals for `stats`.
public struct StatsView: Sendable {
  public var stats: TrafficStats
  public var elapsed: Nanoseconds
}

/// Whether an expectation held, and if not what was found.
public struct ExpectationOutcome: Sendable {
  public var text: String
  public var held: Bool
  public var found: String
}

/// `help` or `help CMD`.
public enum HelpView: Sendable {
  case overview([CommandSpec])
  case command(CommandSpec)
}

/// Starting or stopping a recording.
public enum RecordingChange: Sendable {
  case started(path: String, kind: RecordingKind, replayed: Int)
  case stopped(path: String, commands: Int)
}

/// A recording is a script (input only) or a transcript (input and output).
public enum RecordingKind: String, Sendable {
  case script, transcript
}
