import DistLab
import DistLabSharding

extension Messages {
  /// The sharding lab's refusals, in words.
  static func text(_ e: ShardLabError) -> String {
    switch e {
    case .world(let w): return text(w)
    case .scheme(let s): return text(s)
    case .noScheme: return "no sharding scheme yet: 'shard use SCHEME' starts one"
    case .holdsKeys(let n): return "the lab holds \(n) keys: 'shard clear' removes them first"
    case .noNodes: return "a scheme needs nodes: spawn some first (or name them with --nodes)"
    case .valueSizeOutOfRange: return "a value size is between 0 and 1GB"
    case .nothingToLoad: return "nothing to load"
    case .tooManyKeys(let limit): return "the lab holds at most \(Grouped.number(Int64(limit))) keys"
    case .cleared: return "the lab was cleared"
    case .stoppedAfterCheck:
      return
        "interrupted after checking the nodes, before any copy was written; shard health shows what the check learned"
    case .stoppedBeforeSending:
      return "interrupted while working out where copies go, before any message; nothing changed"
    case .interrupted(let placed, let of):
      return
        "interrupted after placing \(Grouped.number(Int64(placed))) of \(Grouped.number(Int64(of))) keys; nothing was loaded"
    case .notDirectory(let kind):
      return "only the directory scheme keeps a table you can edit; this lab uses \(kind.rawValue)"
    }
  }

  /// `n` of what a scheme's metadata counts: `1 range`, `4 ranges`.
  static func count(_ n: Int, _ unit: ShardMetadata.Unit) -> String {
    let (one, many) =
      switch unit {
      case .nodeList: ("node in the list", "nodes in the list")
      case .ranges: ("range", "ranges")
      case .blockRows: ("block table row", "block table rows")
      case .ringPoints: ("ring point", "ring points")
      case .directoryRows: ("directory row", "directory rows")
      case .lookupTable: ("lookup table slot", "lookup table slots")
      }
    return "\(n) \(n == 1 ? one : many)"
  }

  /// A scheme's refusals, in words.
  static func text(_ e: ShardingError) -> String {
    switch e {
    case .unknownScheme(let name):
      let names = SchemeKind.allCases.map(\.rawValue).joined(separator: ", ")
      return "unknown scheme '\(name)' (schemes: \(names))"
    case .noNodes:
      return "a scheme needs at least one node"
    case .invalidNode(let node):
      return "\(node) cannot hold data: node numbers start at 1"
    case .duplicateNode(let node):
      return "node \(node) is already in the scheme"
    case .unknownNode(let node):
      return "node \(node) is not in the scheme"
    case .lastNode(let node):
      return "cannot remove \(node): it is the scheme's last node"
    case .invalidReplicationFactor(let factor):
      return "replication factor must be at least 1, not \(factor)"
    case .replicationFactorAboveNodeCount(let factor, let nodes):
      return "replication factor \(factor) needs at least \(factor) nodes (there \(nodes == 1 ? "is" : "are") \(nodes))"
    case .splitPointsOutOfOrder(let position, let previous, let next):
      return
        "range split points must increase: split \(position) '\(next)' does not come after split \(position - 1) '\(previous)'"
    case .invalidMaxRangeKeys(let n):
      return "a range must be allowed at least 2 keys before it splits, not \(n)"
    case .invalidBlockSize(let size):
      return "block size must be between 1 byte and 1 TiB, not \(size) bytes"
    case .invalidRecordSize(let size, let blockSize):
      return
        "record size must be between 1 byte and the block size (\(blockSize) bytes, at most 1 GiB), not \(size) bytes"
    case .tooManyBlocks(let bytes, let blockSize):
      return
        "appending \(bytes) bytes would give the file more than \(ChunkScheme.maxBlocks) blocks of \(blockSize) bytes"
    case .interrupted:
      return "interrupted before every scheme was compared; nothing is shown"
    case .invalidVirtualNodes(let n):
      return "virtual nodes per node must be between 1 and \(ShardingError.maxVirtualNodes), not \(n)"
    case .tooManyRingPoints(let nodes, let vnodes):
      return
        "\(nodes) nodes × \(vnodes) virtual nodes would put \(nodes * vnodes) points on the ring, over \(ShardingError.maxRingPoints); use fewer virtual nodes (--vnodes \(max(1, ShardingError.maxRingPoints / nodes)) at most)"
    case .nonPrimeTableSize(let size, let nextPrime):
      return "Maglev table size must be prime: \(size) is not (the next prime is \(nextPrime))"
    case .tableSizeOutOfRange(let size):
      return "Maglev table size must be between 2 and \(ShardingError.maxTableSize), not \(size)"
    case .tableTooSmall(let size, let nodes):
      return "Maglev table size \(size) must be larger than the node count (\(nodes))"
    case .invalidMaglevPermutation(let node, let offset, let skip, let size):
      return
        "Maglev offset/skip for \(node) must satisfy 0 <= offset < \(size) and 1 <= skip < \(size), not \(offset)/\(skip)"
    case .invalidLoadFactor(let c):
      return "bounded-load factor c must be a number from 1 to \(Int(BoundedLoadScheme.maxLoadFactor)), not \(c)"
    case .unknownKey(let key):
      return "key '\(key)' has no row in the directory"
    case .invalidKeyCount(let n):
      return "key count must be between 0 and \(ShardingError.maxKeyCount), not \(n)"
    case .invalidZipfSkew(let s):
      return "zipf skew must be a number >= 0, not \(s)"
    case .invalidDistinctKeys(let n):
      return "zipf needs between 1 and \(ShardingError.maxKeyCount) distinct keys, not \(n)"
    }
  }
}

/// Runs a sharding-lab operation, turning its refusal into a shell error at `column`.
func attempt<R>(_ column: Int, _ body: () throws(ShardLabError) -> R) throws(ShellError) -> R {
  do {
    return try body()
  } catch {
    throw ShellError(Messages.text(error), column: column)
  }
}
