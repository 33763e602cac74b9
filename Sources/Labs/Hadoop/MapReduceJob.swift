import DistLab

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
  }

  public struct ReduceTask: Sendable, Equatable {
    public var state = TaskState.pending
    public var tracker: NodeID?
    public var failures = 0
  }

  /// `mapred.map.max.attempts` and `mapred.reduce.max.attempts`: 4.
  public static let maxAttempts = 4

  public var id: String
  public var input: [String]
  public var output: String
  /// Map output bytes per input byte (a word count's is well under 1).
  public var ratio: Double
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

  public var mapsDone: Int { maps.filter { $0.state == .done }.count }
  public var reducesDone: Int { reduces.filter { $0.state == .done }.count }
  /// Finished with every reduce's part written.
  public var complete: Bool { finished != nil && !jobFailed }
  /// Bytes of map output each reducer takes from each map.
  func partition(_ m: MapTask) -> Int64 { Int64((Double(m.size) * ratio / Double(max(1, reduces.count))).rounded()) }

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
          .list([.string($0.state.rawValue), .int(Int64($0.tracker?.number ?? -1)), .int(Int64($0.failures))])
        }
      ),
      .double(ratio), .int(Int64(failed)), .bool(jobFailed), .bool(speculative), .int(Int64(backups)),
    ])
  }

  init(id: String, input: [String], output: String, ratio: Double, maps: [MapTask], reducers: Int, at: Nanoseconds) {
    self.id = id
    self.input = input
    self.output = output
    self.ratio = ratio
    self.maps = maps
    reduces = Array(repeating: ReduceTask(), count: reducers)
    submitted = at
  }

  init?(_ v: Value) {
    guard let l = v.listValue, l.count == 19, let id = l[0].stringValue, let input = l[1].listValue,
      let output = l[2].stringValue, let sub = l[3].intValue, let fin = l[4].intValue, let maps = l[12].listValue,
      let reduces = l[13].listValue, case .double(let ratio) = l[14]
    else { return nil }
    func node(_ v: Value) -> NodeID? { v.intValue.flatMap { $0 < 0 ? nil : NodeID(Int($0)) } }
    self.init(
      id: id, input: input.compactMap(\.stringValue), output: output, ratio: ratio,
      maps: maps.compactMap { m in
        guard let x = m.listValue, x.count == 6, let b = x[0].intValue, let s = x[1].intValue,
          let st = x[2].stringValue.flatMap(TaskState.init(rawValue:))
        else { return nil }
        return MapTask(
          block: b, size: s, hosts: [], state: st, tracker: node(x[3]),
          locality: x[4].stringValue.flatMap(Locality.init(rawValue:)), failures: Int(x[5].intValue ?? 0))
      }, reducers: 0, at: Nanoseconds(sub))
    self.reduces = reduces.compactMap { r in
      guard let x = r.listValue, x.count == 3, let st = x[0].stringValue.flatMap(TaskState.init(rawValue:)) else {
        return nil
      }
      return ReduceTask(state: st, tracker: node(x[1]), failures: Int(x[2].intValue ?? 0))
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
    shuffled = l[10].intValue ?? 0
    written = l[11].intValue ?? 0
  }
}
