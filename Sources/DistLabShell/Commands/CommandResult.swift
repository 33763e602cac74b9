import DistLab
import DistLabSharding

/// What a command did, as typed data: renderers turn it into text and `expect` reads it.
public enum CommandResult: Sendable {
  case nothing
  case nodesChanged(NodeLifecycle, [NodeInfo])
  case nodeTable([NodeRow])
  case sent(SendOutcome)
  /// A call, with the method's declaration when the node's role declares it (for --verbose).
  /// `suggestion`: the node's method closest to one it does not serve ("did you mean").
  case called(CallOutcome, verbose: Bool, declared: MethodSpec?, suggestion: String? = nil)
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
  case lesson(LessonResult)
  case shard(ShardResult)
  case task(TaskResult)
  case celery(CeleryShellResult)
  case historyCheck(HistoryCheck)
  case store(StoreResult)
  case pubsub(PubSubResult)
  case detect(DetectResult)
  case consensus(ConsensusResult)
  case service(ServiceResult)
  case hdfs(HDFSResult)
  case reset
  case exit
}

extension CommandResult {
  /// Whether this is a call's or a send's result, which `expect` reads afterwards.
  var isCallOrSend: Bool {
    switch self {
    case .called, .kv, .sent: true
    default: false
    }
  }
}

/// Which change `nodesChanged` reports.
public enum NodeLifecycle: String, Sendable {
  case spawned, connected, killed, wiped, restarted, paused, resumed
}

/// One row of `nodes`.
public struct NodeRow: Sendable {
  public var info: NodeInfo
  public var summary: NodeSummary?
  /// The numbers its role reports, in order: the table's columns.
  public var metrics: [String]
  /// Where it runs, in process mode.
  public var location: NodeLocation? = nil
}

/// A key/value operation and the call that carried it.
public struct KVOutcome: Sendable {
  public enum Operation: String, Sendable {
    case get, put, delete, incr, keys
  }
  public var operation: Operation
  public var key: String?
  public var call: CallOutcome
  /// Show the request's and reply's bytes, as `rpc --verbose` does.
  public var verbose = false
}

/// The network as `net` shows it.
public struct NetworkView: Sendable {
  public var config: NetworkConfig
  public var names: [NodeID: String]
  /// `net regions`: the list of regions rather than the whole network.
  public var regionsOnly = false
}

/// Recent events for `trace`, with the nodes to draw as columns.
public struct TraceView: Sendable {
  public var events: [TraceEvent]
  public var columns: [NodeID]
  public var names: [NodeID: String]
  /// Events that happened but were not shown (older than the window, or beyond the limit).
  public var omitted: Int
  public var asList: Bool
  /// What each event's margin shows instead of its time: process mode marks an uncertain order
  /// (`≈0.102s`) or gives Lamport times (`L12`). Nil for plain times.
  public var gutters: [String]? = nil
}

/// Traffic totals for `stats`.
public struct StatsView: Sendable {
  public var stats: TrafficStats
  public var elapsed: Nanoseconds
  /// With `--roles`: each role's numbers, summed over its nodes that are up.
  public var roles: [RoleTotals] = []
}

/// What the up nodes of one role report, added up.
public struct RoleTotals: Sendable {
  public var role: String
  public var nodes: Int
  public var metrics: [(String, Double)]
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

/// What a `lesson` command shows.
public enum LessonResult: Sendable {
  case list([LessonRow], problems: [String])
  case section(LessonSectionView)
  case hint(exercise: String, text: String, rung: Int, of: Int)
  case check(exercise: String, results: [CheckResult], hidden: Int)
  /// `prepared`: earlier commands of the lesson run first to set the world to the lesson's state.
  case ran(input: String, output: String, matched: Bool, expected: [String], step: Int, of: Int, prepared: Int)
  case reset(lesson: String, seed: UInt64)
  case status(lesson: String, title: String, section: Int, sections: Int, exercises: [ExerciseStatus])
}

/// A lesson in `lesson list`.
public struct LessonRow: Sendable {
  public var id: String
  public var title: String
  public var time: String
  public var exercises: Int
  public var completed: Int
  public var current: Bool
}

/// A section as `lesson start/next/prev/show` shows it.
public struct LessonSectionView: Sendable {
  public var lessonID: String
  public var lessonTitle: String
  /// Shown when the lesson opens.
  public var objectives: [String]
  public var time: String
  public var index: Int
  public var count: Int
  public var section: LessonSection
  public var hintsShown: Int
  public var completed: Bool
  public var seed: UInt64?
}

/// One check's outcome.
public struct CheckResult: Sendable {
  public var check: Check
  public var held: Bool
  public var found: String
  /// The check could not be evaluated yet (it reads a result that does not exist).
  public var unanswerable: Bool
}

/// An exercise in `lesson status`.
public struct ExerciseStatus: Sendable {
  public var id: String
  public var title: String
  public var points: Int
  public var done: Bool
  public var hintsShown: Int
  public var hints: Int
}
