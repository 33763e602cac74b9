import DistLab

/// What `hdfs fsck /` reports, from the NameNode's answer: every file and block with its live
/// and corrupt replicas, and the totals Hadoop prints.
public struct FsckReport: Sendable, Equatable {
  public struct Block: Sendable, Equatable {
    public var info: BlockInfo
    public var live: [NodeID]
    public var corrupt: [NodeID]
  }

  public struct File: Sendable, Equatable {
    public var path: String
    public var size: Int64
    public var replication: Int
    public var open: Bool
    public var blocks: [Block]
  }

  public var files: [File]
  public var datanodes: Int
  public var racks: Int
  public var defaultReplication: Int

  init?(_ v: [Value], defaultReplication: Int) {
    guard v.count == 3, let list = v[0].listValue, let dn = v[1].intValue, let racks = v[2].intValue else { return nil }
    func ids(_ v: Value) -> [NodeID] { (v.listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } } }
    files = list.compactMap { item in
      guard let l = item.listValue, l.count == 5, let p = l[0].stringValue, let s = l[1].intValue,
        let r = l[2].intValue,
        let bl = l[4].listValue
      else { return nil }
      let blocks: [Block] = bl.compactMap { b in
        guard let x = b.listValue, x.count == 4, let id = x[0].intValue, let size = x[1].intValue else { return nil }
        return Block(info: BlockInfo(id: id, size: size), live: ids(x[2]), corrupt: ids(x[3]))
      }
      return File(path: p, size: s, replication: Int(r), open: l[3] == .bool(true), blocks: blocks)
    }
    datanodes = Int(dn)
    self.racks = Int(racks)
    self.defaultReplication = defaultReplication
  }

  var allBlocks: [(file: File, block: Block)] { files.flatMap { f in f.blocks.map { (f, $0) } } }

  public var totalSize: Int64 { files.reduce(0) { $0 + $1.size } }
  public var totalBlocks: Int { allBlocks.count }
  /// Blocks with at least `dfs.namenode.replication.min` (1) live replica.
  public var minimallyReplicated: Int { allBlocks.filter { !$0.block.live.isEmpty }.count }
  public var overReplicated: Int { allBlocks.filter { $0.block.live.count > $0.file.replication }.count }
  public var underReplicated: Int {
    allBlocks.filter { !$0.block.live.isEmpty && $0.block.live.count < $0.file.replication }.count
  }
  /// Blocks with no live replica at all: their data is gone unless a DataNode comes back.
  public var missing: Int { allBlocks.filter { $0.block.live.isEmpty }.count }
  /// Blocks whose every remaining replica is corrupt.
  public var corruptBlocks: Int { allBlocks.filter { $0.block.live.isEmpty && !$0.block.corrupt.isEmpty }.count }
  public var missingReplicas: Int { allBlocks.reduce(0) { $0 + max(0, $1.file.replication - $1.block.live.count) } }
  public var averageReplication: Double {
    totalBlocks == 0 ? 0 : Double(allBlocks.reduce(0) { $0 + $1.block.live.count }) / Double(totalBlocks)
  }
  public var healthy: Bool { missing == 0 }
}

/// What `hdfs dfsadmin -report` shows: safe mode, and each DataNode as the NameNode sees it.
public struct ClusterReport: Sendable, Equatable {
  public struct DataNode: Sendable, Equatable {
    public var node: NodeID
    public var rack: String
    /// live, stale, dead, decommissioning or decommissioned.
    public var state: String
    public var sinceContact: Nanoseconds
    public var used: Int64
  }

  public var safeMode: Bool
  /// Each DataNode's configured capacity.
  public var capacity: Int64 = 1 << 40
  /// The checkpoint's last transaction, when this NameNode was started from one.
  public var importedFrom: Int64?
  public var reportedBlocks: Int
  public var blocks: Int
  public var datanodes: [DataNode]

  init?(_ v: [Value]) {
    guard v.count == 2, let head = v[0].listValue, head.count == 4, let rows = v[1].listValue,
      let rep = head[1].intValue, let total = head[2].intValue, let imported = head[3].intValue
    else { return nil }
    safeMode = head[0] == .bool(true)
    importedFrom = imported < 0 ? nil : imported
    reportedBlocks = Int(rep)
    blocks = Int(total)
    datanodes = rows.compactMap { r in
      guard let l = r.listValue, l.count == 5, let n = l[0].intValue, let rack = l[1].stringValue,
        let state = l[2].stringValue, let since = l[3].intValue, let used = l[4].intValue
      else { return nil }
      return DataNode(node: NodeID(Int(n)), rack: rack, state: state, sinceContact: Nanoseconds(since), used: used)
    }
  }
}
