import DistLab

/// The SecondaryNameNode: not a standby. Every `dfs.namenode.checkpoint.check.period` it asks
/// the NameNode how many transactions are not yet in its fsimage; when they reach
/// `dfs.namenode.checkpoint.txns`, or `dfs.namenode.checkpoint.period` has passed since the
/// last checkpoint, it fetches the fsimage and the edits, merges them into a new fsimage, keeps
/// that on its own disk and sends it back, so the NameNode's edit log stays short and a restart
/// replays little. Its copy is what a NameNode that lost its disk can be started from —
/// missing whatever happened after it.
public final class SecondaryNameNodeService: StartingService {
  var settings: HDFSSettings?
  var checks: TimerHandle?
  var last = Nanoseconds.zero
  var checkpoints = 0

  public init() {}

  public static let methods: [ServiceMethod<SecondaryNameNodeService>] = [
    ServiceMethod("snn.configure", [ArgumentSpec("SETTINGS", .map)], "starts checkpointing the NameNode") {
      s, r, node in
      guard let settings = HDFSSettings(r.args[0]) else { return .error("not HDFS settings") }
      node.disk["settings"] = settings.value
      s.adopt(settings, node: node)
      return .value([])
    },
    ServiceMethod("snn.checkpoint", [], "checkpoints now (hdfs secondarynamenode -checkpoint force)") { s, r, node in
      s.checkpoint(node) { node, covered in node.answer(r, covered.map { .value([.int($0)]) } ?? .error("no answer")) }
      return .later
    },
    ServiceMethod("snn.image", [], "the last checkpoint: [fsimage, its last transaction]; an error when none") {
      _, _, node in
      guard let image = node.disk["image"], let t = node.disk["image-txid"] else { return .error("no checkpoint") }
      return .value([image, t])
    },
  ]

  public func start(_ node: ProgramNode) {
    checks = nil
    last = node.now
    if let s = node.disk["settings"].flatMap(HDFSSettings.init) { adopt(s, node: node) }
  }

  public func metrics() -> [(String, Double)] { [("checkpoints", Double(checkpoints))] }

  func adopt(_ s: HDFSSettings, node: ProgramNode) {
    settings = s
    last = node.now
    if let c = checks { node.cancel(c) }
    checks = node.every(s.checkpointCheck) { [unowned self] node in self.check(node) }
  }

  func check(_ node: ProgramNode) {
    guard let s = settings else { return }
    node.call(s.namenode, "nn.txinfo", []) { [unowned self] node, result in
      guard case .value(let v) = result, v.count == 2, let txid = v[0].intValue, let imaged = v[1].intValue else {
        return
      }
      guard txid - imaged >= Int64(s.checkpointTxns) || node.now - self.last >= s.checkpointPeriod else { return }
      self.checkpoint(node) { _, _ in }
    }
  }

  /// Fetches the fsimage and edits, merges, keeps the result and sends it back.
  func checkpoint(_ node: ProgramNode, then: @escaping (ProgramNode, Int64?) -> Void) {
    guard let s = settings else { return then(node, nil) }
    node.call(s.namenode, "nn.getImage", []) { [unowned self] node, result in
      guard case .value(let v) = result, v.count == 3, var image = Namespace(v[0]), var covered = v[1].intValue,
        let edits = v[2].listValue
      else { return then(node, nil) }
      for e in edits {
        guard let op = EditOp(e) else { continue }
        image.apply(op)
        covered += 1
      }
      node.disk["image"] = image.value
      node.disk["image-txid"] = .int(covered)
      self.last = node.now
      self.checkpoints += 1
      node.call(s.namenode, "nn.putImage", [image.value, .int(covered), .null]) { node, _ in then(node, covered) }
    }
  }
}
