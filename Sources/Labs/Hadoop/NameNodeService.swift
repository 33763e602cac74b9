import DistLab

/// The HDFS NameNode: the namespace (files and their blocks), written to an edit log on its
/// disk before every answer and rebuilt on restart from the fsimage and the edits; where each
/// block's replicas are, learnt only from the DataNodes' reports and kept in memory; which
/// DataNodes are alive, judged by their heartbeats; and safe mode until enough blocks have been
/// reported. Its monitor declares silent DataNodes dead and schedules re-replication and the
/// deletion of surplus replicas, sent as commands in heartbeat answers.
public final class NameNodeService: StartingService {
  struct DataNode {
    var rack: String
    /// The rack's number (see `rackNumber(of:)`).
    var rackNumber: Int
    var last: Nanoseconds
    var used: Int64 = 0
    var dead = false
    /// Being drained for removal ("Decommission in progress"), or drained ("Decommissioned").
    var decommission: Decommission = .normal
  }

  /// A DataNode's decommission status, as `dfsadmin -report` words it.
  enum Decommission: String {
    case normal = "Normal"
    case inProgress = "Decommission in progress"
    case done = "Decommissioned"

    /// The state word `nn.report` gives a live DataNode in this status; nil when in service.
    var state: String? { self == .normal ? nil : self == .inProgress ? "decommissioning" : "decommissioned" }
  }

  var settings: HDFSSettings?
  var ns = Namespace()
  var txid: Int64 = 0
  var datanodes: [NodeID: DataNode] = [:]
  /// A small number for each rack name seen, so that placement compares racks as numbers.
  var rackNumbers: [String: Int] = [:]
  /// Good replicas of each block, by DataNode.
  var locations: [Int64: Set<NodeID>] = [:]
  var corrupt: [Int64: Set<NodeID>] = [:]
  /// Replications scheduled and not yet reported: block → (source, target, when scheduled).
  var pending: [Int64: [(source: NodeID, target: NodeID, since: Nanoseconds)]] = [:]
  /// Commands waiting for each DataNode's next heartbeat.
  var commands: [NodeID: [Value]] = [:]
  /// Blocks whose replicas changed since the monitor last found them as they should be — what
  /// Hadoop keeps as its queues of blocks needing reconstruction or with excess replicas, so
  /// the monitor looks at those, not at every block, every few seconds.
  var suspects: Set<Int64> = []
  /// Safe mode: on until this many blocks have a replica; then off after the extension.
  var safeMode = true
  var safeSince: Nanoseconds?
  var started = Nanoseconds.zero
  var monitor: TimerHandle?
  var lastDeadCheck = Nanoseconds.zero

  public init() {}

  public static let methods: [ServiceMethod<NameNodeService>] =
    NameNodeService.clusterMethods + NameNodeService.clientMethods

  public func start(_ node: ProgramNode) {
    (datanodes, locations, corrupt, pending, commands, suspects) = ([:], [:], [:], [:], [:], [])
    monitor = nil
    guard let s = node.disk["settings"].flatMap(HDFSSettings.init) else { return }
    load(node)
    adopt(s, node: node)
  }

  public func metrics() -> [(String, Double)] {
    [("files", Double(ns.files.count)), ("txid", Double(txid)), ("safemode", safeMode ? 1 : 0)]
  }

  func adopt(_ s: HDFSSettings, node: ProgramNode) {
    settings = s
    started = node.now
    lastDeadCheck = node.now
    safeMode = true
    safeSince = nil
    checkSafeMode(node)
    if let m = monitor { node.cancel(m) }
    monitor = node.every(s.redundancyInterval) { [unowned self] node in self.tick(node) }
  }

  // MARK: The edit log and the fsimage

  /// Writes the change to the edit log, then makes it.
  func log(_ op: EditOp, node: ProgramNode) {
    txid += 1
    node.disk["edit:\(txid)"] = op.value
    node.disk["txid"] = .int(txid)
    ns.apply(op)
  }

  /// The fsimage, then every edit after it.
  func load(_ node: ProgramNode) {
    ns = node.disk["fsimage"].flatMap(Namespace.init) ?? Namespace()
    txid = node.disk["fsimage-txid"]?.intValue ?? 0
    while let v = node.disk["edit:\(txid + 1)"], let op = EditOp(v) {
      ns.apply(op)
      txid += 1
    }
  }

  /// What a NameNode without its disk says to everything: Hadoop's refusal to start.
  static let unformatted = "NameNode is not formatted."

  /// A checkpoint from the SecondaryNameNode: the merged fsimage replaces the old one, and the
  /// edits it covers are dropped.
  func install(_ image: Namespace, txid covered: Int64, node: ProgramNode) {
    let old = node.disk["fsimage-txid"]?.intValue ?? 0
    guard covered > old, covered <= txid else { return }
    node.disk["fsimage"] = image.value
    node.disk["fsimage-txid"] = .int(covered)
    for t in (old + 1)...covered { node.disk["edit:\(t)"] = nil }
    node.event("hdfs.checkpoint", [.int(covered)])
  }

  // MARK: Replicas

  /// The number standing for a rack name; the same name always gets the same number.
  func rackNumber(of name: String) -> Int {
    if let k = rackNumbers[name] { return k }
    rackNumbers[name] = rackNumbers.count
    return rackNumbers.count - 1
  }

  /// The number of the rack a DataNode is on.
  func rackNumber(_ n: NodeID) -> Int { datanodes[n]?.rackNumber ?? rackNumber(of: rack(n)) }

  func live(_ n: NodeID) -> Bool { datanodes[n].map { !$0.dead } ?? false }

  /// Good replicas on live DataNodes in service: those that count towards the replication factor.
  func replicas(_ block: Int64) -> [NodeID] { readable(block).filter(inService) }

  /// Good replicas on live DataNodes, decommissioning ones included: a reader may use them all.
  func readable(_ block: Int64) -> [NodeID] { (locations[block] ?? []).filter(live).sorted() }

  func inService(_ n: NodeID) -> Bool { datanodes[n]?.decommission == .normal }

  func queue(_ n: NodeID, _ command: Value) { commands[n, default: []].append(command) }

  /// Every block `dn` holds, good or corrupt: for when its replicas stop or start counting.
  func held(by dn: NodeID) -> [Int64] {
    locations.keys.filter { locations[$0]?.contains(dn) == true }
      + corrupt.keys.filter {
        corrupt[$0]?.contains(dn) == true
      }
  }

  /// Safe mode ends once the threshold share of blocks has a replica reported, plus the extension.
  func checkSafeMode(_ node: ProgramNode) {
    guard safeMode, let s = settings else { return }
    let blocks = ns.blocks
    let reported = blocks.keys.filter { !replicas($0).isEmpty }.count
    // Hadoop's rule: blockThreshold = (int)(total × threshold-pct); safe once that many are reported.
    let enough = blocks.isEmpty || reported >= Int(s.safemodeThreshold * Double(blocks.count))
    guard enough else {
      safeSince = nil
      return
    }
    if blocks.isEmpty {
      safeMode = false
      return
    }
    if safeSince == nil { safeSince = node.now }
    if let since = safeSince, node.now - since >= s.safemodeExtension {
      safeMode = false
      node.event("hdfs.safemode.off", [.int(Int64(reported)), .int(Int64(blocks.count))])
    }
  }
}
