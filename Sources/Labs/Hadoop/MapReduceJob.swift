import DistLab

/// What the JobTracker's speculation rule reads of a map or a reduce task.
protocol RunningTask {
  var state: MapReduceJob.TaskState { get }
  var tracker: NodeID? { get }
  var backup: NodeID? { get }
  var started: Nanoseconds { get }
  var progress: Double { get }
}

extension MapReduceJob.MapTask: RunningTask {}
extension MapReduceJob.ReduceTask: RunningTask {}

/// A MapReduce job as the JobTracker keeps it (Hadoop 1's JobInProgress): one map task per
/// input block, placed near its block's replicas when it can be; `reducers` reduce tasks, each
/// taking its share of every map's output; and the job's counters.
public struct MapReduceJob: Sendable, Equatable {
  public enum TaskState: String, Sendable { case pending, running, done }
  /// Where a map ran, relative to its block: Hadoop's DATA_LOCAL_MAPS, RACK_LOCAL_MAPS, or neither.
  public enum Locality: String, Sendable { case data, rack, off }

  public struct MapTask: Sendable, Equatable {
    public var block: Int64
    public var size: Int64
    public var hosts: [NodeID]
    public var state = TaskState.pending
    public var tracker: NodeID?
    public var locality: Locality?
    /// Failed attempts so far; at `mapred.map.max.attempts` (4) the job fails.
    public var failures = 0
    /// A speculative attempt's TaskTracker, while both run.
    public var backup: NodeID?
    var started = Nanoseconds.zero
    /// The last progress its attempt reported, 0 to 1.
    var progress = 0.0
    /// The file's next blocks (up to `followingBlocks`) and their holders: this split's last
    /// line may run into them.
    var following: [Int64] = []
    var followingHosts: [[NodeID]] = []
    /// Whether the split starts its file (else it skips its first, partial line).
    var first = true
    /// Bytes of output its finished attempt holds, for every reducer together.
    var outputBytes: Int64 = 0
    /// The record counters its finished attempt added to the job's: [input, output, combined].
    var counted: [Int64] = []
    /// Reducers' reports that its finished output could not be fetched.
    var fetchFailures = 0
  }

  /// One attempt at a task, for the timeline: where and when it ran and how it ended.
  public struct Attempt: Sendable, Equatable {
    public enum Kind: String, Sendable { case map, reduce }
    /// Killed: the other attempt of a speculative pair finished first. Lost: its TaskTracker was.
    public enum Outcome: String, Sendable { case running, succeeded, failed, killed, lost }
    public var kind: Kind
    public var task: Int
    public var tracker: NodeID
    public var start: Nanoseconds
    public var end: Nanoseconds?
    public var outcome = Outcome.running
    /// A backup launched for a straggler.
    public var speculative = false
    /// For a reduce: when it had every map's share and its shuffle ended.
    public var shuffled: Nanoseconds?

    var value: Value {
      .list([
        .string(kind.rawValue), .int(Int64(task)), .int(Int64(tracker.number)), .int(start.value),
        .int(end?.value ?? -1), .string(outcome.rawValue), .bool(speculative), .int(shuffled?.value ?? -1),
      ])
    }

    init(kind: Kind, task: Int, tracker: NodeID, start: Nanoseconds, speculative: Bool = false) {
      (self.kind, self.task, self.tracker, self.start, self.speculative) = (kind, task, tracker, start, speculative)
    }

    init?(_ v: Value) {
      guard let l = v.listValue, l.count == 8, let k = l[0].stringValue.flatMap(Kind.init(rawValue:)),
        let t = l[1].intValue, let n = l[2].intValue, let st = l[3].intValue, let e = l[4].intValue,
        let o = l[5].stringValue.flatMap(Outcome.init(rawValue:)), let sh = l[7].intValue
      else { return nil }
      self.init(
        kind: k, task: Int(t), tracker: NodeID(Int(n)), start: Nanoseconds(st), speculative: l[6] == .bool(true))
      end = e < 0 ? nil : Nanoseconds(e)
      outcome = o
      shuffled = sh < 0 ? nil : Nanoseconds(sh)
    }
  }

  /// Hadoop's Map-Reduce Framework record counters, for a job over text.
  public struct Records: Sendable, Equatable {
    public var mapInput: Int64 = 0
    public var mapOutput: Int64 = 0
    public var combineOutput: Int64 = 0
    public var reduceInputGroups: Int64 = 0
    public var reduceOutput: Int64 = 0

    var value: Value { .list([mapInput, mapOutput, combineOutput, reduceInputGroups, reduceOutput].map { .int($0) }) }

    init() {}

    init?(_ v: Value) {
      guard let l = v.listValue?.compactMap(\.intValue), l.count == 5 else { return nil }
      (mapInput, mapOutput, combineOutput, reduceInputGroups, reduceOutput) = (l[0], l[1], l[2], l[3], l[4])
    }
  }

  public struct ReduceTask: Sendable, Equatable {
    public var state = TaskState.pending
    public var tracker: NodeID?
    public var failures = 0
    /// A speculative attempt's TaskTracker, while both run.
    public var backup: NodeID?
    /// The attempt the JobTracker let commit its output.
    var committer: NodeID?
    var started = Nanoseconds.zero
    var progress = 0.0
  }

  /// How many of the file's next blocks a map is told of, to finish its last line in.
  static let followingBlocks = 8

  /// `mapred.map.max.attempts` and `mapred.reduce.max.attempts`: 4.
  public static let maxAttempts = 4

  public var id: String
  public var input: [String]
  public var output: String
  /// What the job runs.
  public var program: JobProgram
  /// Map output bytes per input byte, for a job of sizes.
  public var ratio: Double { if case .sized(let r) = program { r } else { 0 } }
  public var maps: [MapTask]
  public var reduces: [ReduceTask]
  public var submitted: Nanoseconds
  public var finished: Nanoseconds?
  /// True when a task failed `maxAttempts` times and the job with it.
  public var jobFailed = false
  public var dataLocal = 0
  public var rackLocal = 0
  public var launchedMaps = 0
  public var launchedReduces = 0
  /// Attempts killed because their TaskTracker was lost (they do not count as failures).
  public var killed = 0
  /// Attempts that failed (a block nobody could serve, an output that could not be written).
  public var failed = 0
  /// `mapred.map.tasks.speculative.execution`: true by default.
  public var speculative = true
  /// Backup attempts launched for stragglers.
  public var backups = 0
  public var shuffled: Int64 = 0
  public var written: Int64 = 0
  public var records = Records()
  /// Every attempt, in the order they were launched.
  public var attempts: [Attempt] = []
  /// Run by the LocalJobRunner in standalone mode, in the client: no trackers, no timeline.
  public var local = false

  public var mapsDone: Int { maps.filter { $0.state == .done }.count }
  public var reducesDone: Int { reduces.filter { $0.state == .done }.count }
  /// Finished with every reduce's part written.
  public var complete: Bool { finished != nil && !jobFailed }
  /// Bytes of map output each reducer takes from each map (for a job over text, the average share).
  func partition(_ m: MapTask) -> Int64 {
    guard program.readsText else { return Int64((Double(m.size) * ratio / Double(max(1, reduces.count))).rounded()) }
    return (m.outputBytes + Int64(reduces.count) - 1) / Int64(max(1, reduces.count))
  }

  var value: Value {
    .list([
      .string(id), .list(input.map { .string($0) }), .string(output), .int(submitted.value),
      .int(finished?.value ?? -1), .int(Int64(dataLocal)), .int(Int64(rackLocal)), .int(Int64(launchedMaps)),
      .int(Int64(launchedReduces)), .int(Int64(killed)), .int(shuffled), .int(written),
      .list(
        maps.map {
          .list([
            .int($0.block), .int($0.size), .string($0.state.rawValue), .int(Int64($0.tracker?.number ?? -1)),
            .string($0.locality?.rawValue ?? ""), .int(Int64($0.failures)),
          ])
        }),
      .list(
        reduces.map {
          .list([
            .string($0.state.rawValue), .int(Int64($0.tracker?.number ?? -1)), .int(Int64($0.failures)),
            .int(Int64($0.backup?.number ?? -1)),
          ])
        }
      ),
      .double(ratio), .int(Int64(failed)), .bool(jobFailed), .bool(speculative), .int(Int64(backups)),
      program.value, records.value, .list(attempts.map(\.value)),
    ])
  }

  init(
    id: String, input: [String], output: String, program: JobProgram, maps: [MapTask], reducers: Int, at: Nanoseconds
  ) {
    self.id = id
    self.input = input
    self.output = output
    self.program = program
    self.maps = maps
    reduces = Array(repeating: ReduceTask(), count: reducers)
    submitted = at
  }

  init?(_ v: Value) {
    guard let l = v.listValue, l.count == 22, let id = l[0].stringValue, let input = l[1].listValue,
      let output = l[2].stringValue, let sub = l[3].intValue, let fin = l[4].intValue, let maps = l[12].listValue,
      let reduces = l[13].listValue, let program = JobProgram(l[19]), let records = Records(l[20]),
      let attempts = l[21].listValue
    else { return nil }
    func node(_ v: Value) -> NodeID? { v.intValue.flatMap { $0 < 0 ? nil : NodeID(Int($0)) } }
    self.init(
      id: id, input: input.compactMap(\.stringValue), output: output, program: program,
      maps: maps.compactMap { m in
        guard let x = m.listValue, x.count == 6, let b = x[0].intValue, let s = x[1].intValue,
          let st = x[2].stringValue.flatMap(TaskState.init(rawValue:))
        else { return nil }
        return MapTask(
          block: b, size: s, hosts: [], state: st, tracker: node(x[3]),
          locality: x[4].stringValue.flatMap(Locality.init(rawValue:)), failures: Int(x[5].intValue ?? 0))
      }, reducers: 0, at: Nanoseconds(sub))
    self.reduces = reduces.compactMap { r in
      guard let x = r.listValue, x.count == 4, let st = x[0].stringValue.flatMap(TaskState.init(rawValue:)) else {
        return nil
      }
      return ReduceTask(state: st, tracker: node(x[1]), failures: Int(x[2].intValue ?? 0), backup: node(x[3]))
    }
    finished = fin < 0 ? nil : Nanoseconds(fin)
    (dataLocal, rackLocal, launchedMaps, launchedReduces, killed) = (
      Int(l[5].intValue ?? 0), Int(l[6].intValue ?? 0), Int(l[7].intValue ?? 0), Int(l[8].intValue ?? 0),
      Int(l[9].intValue ?? 0)
    )
    failed = Int(l[15].intValue ?? 0)
    jobFailed = l[16] == .bool(true)
    speculative = l[17] == .bool(true)
    backups = Int(l[18].intValue ?? 0)
    self.records = records
    self.attempts = attempts.compactMap(Attempt.init)
    shuffled = l[10].intValue ?? 0
    written = l[11].intValue ?? 0
  }
}
