import DistLab

/// An HDFS cluster's settings, with Hadoop's defaults from `hdfs-default.xml`; every node of the
/// cluster is given them. Students shorten the times: ten and a half minutes to declare a
/// DataNode dead is true to Hadoop and long for a lesson.
public struct HDFSSettings: Hashable, Sendable {
  public var namenode: NodeID
  /// Each DataNode and its rack (`/default-rack` unless a topology says otherwise).
  public var racks: [NodeID: String]
  /// `dfs.blocksize`: 128 MiB.
  public var blockSize: Int64 = 134_217_728
  /// `dfs.replication`: 3.
  public var replication = 3
  /// `dfs.heartbeat.interval`: 3 s.
  public var heartbeat = Nanoseconds.seconds(3)
  /// `dfs.namenode.heartbeat.recheck-interval`: 5 min. A DataNode is dead after
  /// 2 × this + 10 × the heartbeat interval without a heartbeat.
  public var recheck = Nanoseconds.seconds(300)
  /// `dfs.namenode.stale.datanode.interval`: 30 s without a heartbeat makes a DataNode stale.
  public var stale = Nanoseconds.seconds(30)
  /// `dfs.namenode.replication.max-streams`: replications a DataNode sends at once.
  public var maxStreams = 2
  /// `dfs.namenode.redundancy.interval.seconds`: how often the NameNode looks for blocks
  /// with too few or too many replicas.
  public var redundancyInterval = Nanoseconds.seconds(3)
  /// `dfs.namenode.safemode.threshold-pct`: the share of blocks that must be reported
  /// before the NameNode leaves safe mode.
  public var safemodeThreshold = 0.999
  /// `dfs.namenode.safemode.extension`: how long it stays in safe mode after that.
  public var safemodeExtension = Nanoseconds.seconds(30)
  /// How fast a DataNode takes in a block, in bytes a second: not a Hadoop setting but the
  /// hardware's (100 MB/s, about a 1 Gb/s link). A 128 MB block takes 1.28 s to write or copy.
  public var bandwidth: Int64 = 100 << 20
  /// Each DataNode's configured capacity (a lab choice: 1 TB).
  public var capacity: Int64 = 1 << 40
  /// `dfs.datanode.balance.bandwidthPerSec`: how fast a DataNode copies blocks for the
  /// balancer (10 MB/s in Hadoop 3).
  public var balanceBandwidth: Int64 = 10 << 20
  /// MapReduce's JobTracker, when the cluster runs one.
  public var jobtracker: NodeID?
  /// `mapred.tasktracker.map.tasks.maximum` and `mapred.tasktracker.reduce.tasks.maximum`: 2 each.
  public var mapSlots = 2
  public var reduceSlots = 2
  /// `mapred.tasktracker.expiry.interval`: a TaskTracker silent this long is lost (10 min).
  public var trackerExpiry = Nanoseconds.seconds(600)
  /// `mapred.reduce.slowstart.completed.maps`: reduces start once this share of maps is done.
  public var slowstart = 0.05
  /// How fast a task processes its input, in bytes a second: the job's code and the machine's,
  /// not a Hadoop setting (50 MB/s).
  public var processRate: Int64 = 50 << 20
  /// `dfs.namenode.checkpoint.period`: the SecondaryNameNode checkpoints at least this often.
  public var checkpointPeriod = Nanoseconds.seconds(3600)
  /// `dfs.namenode.checkpoint.txns`: or as soon as this many transactions are not checkpointed.
  public var checkpointTxns = 1_000_000
  /// `dfs.namenode.checkpoint.check.period`: how often it asks the NameNode.
  public var checkpointCheck = Nanoseconds.seconds(60)
  /// `dfs.blockreport.intervalMsec`: a DataNode sends its full block report this often (6 h),
  /// besides the one at registration.
  public var blockReportInterval = Nanoseconds.seconds(6 * 3600)

  public init(namenode: NodeID, racks: [NodeID: String]) {
    self.namenode = namenode
    self.racks = racks
  }

  /// How long without a heartbeat before the NameNode declares a DataNode dead:
  /// 2 × recheck + 10 × heartbeat, 10 min 30 s with the defaults.
  public var deadAfter: Nanoseconds { Nanoseconds(2 * recheck.value + 10 * heartbeat.value) }

  public func rack(of n: NodeID) -> String { racks[n] ?? "/default-rack" }

  /// How long a task takes to process `size` bytes.
  public func processing(_ size: Int64) -> Nanoseconds {
    Nanoseconds(Int64((Double(size) / Double(processRate) * 1e9).rounded()))
  }

  /// How long to wait for a pipeline of `nodes` DataNodes to take in `size` bytes: the transfer,
  /// and two seconds for each node, so a writer always gives up after the nodes it waits for.
  public func pipelineWait(_ size: Int64, nodes: Int) -> Nanoseconds {
    transfer(size) + Nanoseconds.seconds(2 * Double(max(1, nodes)))
  }

  /// How long taking in `size` bytes lasts at the DataNodes' bandwidth.
  public func transfer(_ size: Int64) -> Nanoseconds {
    Nanoseconds(Int64((Double(size) / Double(bandwidth) * 1e9).rounded()))
  }

  var value: Value {
    .map([
      MapEntry(.string("namenode"), .int(Int64(namenode.number))),
      MapEntry(
        .string("racks"),
        .list(racks.keys.sorted().map { .list([.int(Int64($0.number)), .string(racks[$0] ?? "")]) })),
      MapEntry(.string("block"), .int(blockSize)), MapEntry(.string("replication"), .int(Int64(replication))),
      MapEntry(.string("heartbeat"), .int(heartbeat.value)), MapEntry(.string("recheck"), .int(recheck.value)),
      MapEntry(.string("stale"), .int(stale.value)), MapEntry(.string("streams"), .int(Int64(maxStreams))),
      MapEntry(.string("redundancy"), .int(redundancyInterval.value)),
      MapEntry(.string("safemode"), .double(safemodeThreshold)),
      MapEntry(.string("extension"), .int(safemodeExtension.value)),
      MapEntry(.string("bandwidth"), .int(bandwidth)),
      MapEntry(.string("jobtracker"), .int(Int64(jobtracker?.number ?? -1))),
      MapEntry(.string("capacity"), .int(capacity)), MapEntry(.string("balance_bw"), .int(balanceBandwidth)),
      MapEntry(.string("map_slots"), .int(Int64(mapSlots))),
      MapEntry(.string("reduce_slots"), .int(Int64(reduceSlots))),
      MapEntry(.string("expiry"), .int(trackerExpiry.value)), MapEntry(.string("slowstart"), .double(slowstart)),
      MapEntry(.string("rate"), .int(processRate)), MapEntry(.string("cp_period"), .int(checkpointPeriod.value)),
      MapEntry(.string("cp_txns"), .int(Int64(checkpointTxns))),
      MapEntry(.string("cp_check"), .int(checkpointCheck.value)),
      MapEntry(.string("br_interval"), .int(blockReportInterval.value)),
    ])
  }

  init?(_ v: Value) {
    guard let nn = v["namenode"]?.intValue, let racks = v["racks"]?.listValue, let block = v["block"]?.intValue,
      let r = v["replication"]?.intValue, let hb = v["heartbeat"]?.intValue, let re = v["recheck"]?.intValue,
      let st = v["stale"]?.intValue, let streams = v["streams"]?.intValue, let red = v["redundancy"]?.intValue,
      case .double(let threshold)? = v["safemode"], let ext = v["extension"]?.intValue
    else { return nil }
    var map: [NodeID: String] = [:]
    for pair in racks {
      guard let l = pair.listValue, l.count == 2, let n = l[0].intValue, let rack = l[1].stringValue else { continue }
      map[NodeID(Int(n))] = rack
    }
    self.init(namenode: NodeID(Int(nn)), racks: map)
    blockSize = block
    replication = Int(r)
    heartbeat = Nanoseconds(hb)
    recheck = Nanoseconds(re)
    stale = Nanoseconds(st)
    maxStreams = Int(streams)
    redundancyInterval = Nanoseconds(red)
    safemodeThreshold = threshold
    safemodeExtension = Nanoseconds(ext)
    bandwidth = max(1, v["bandwidth"]?.intValue ?? bandwidth)
    if let jt = v["jobtracker"]?.intValue, jt >= 0 { jobtracker = NodeID(Int(jt)) }
    capacity = max(1, v["capacity"]?.intValue ?? capacity)
    balanceBandwidth = max(1, v["balance_bw"]?.intValue ?? balanceBandwidth)
    mapSlots = Int(v["map_slots"]?.intValue ?? 2)
    reduceSlots = Int(v["reduce_slots"]?.intValue ?? 2)
    trackerExpiry = Nanoseconds(v["expiry"]?.intValue ?? trackerExpiry.value)
    if case .double(let x)? = v["slowstart"] { slowstart = x }
    processRate = max(1, v["rate"]?.intValue ?? processRate)
    checkpointPeriod = Nanoseconds(v["cp_period"]?.intValue ?? checkpointPeriod.value)
    checkpointTxns = Int(v["cp_txns"]?.intValue ?? Int64(checkpointTxns))
    checkpointCheck = Nanoseconds(v["cp_check"]?.intValue ?? checkpointCheck.value)
    blockReportInterval = Nanoseconds(v["br_interval"]?.intValue ?? blockReportInterval.value)
  }
}
