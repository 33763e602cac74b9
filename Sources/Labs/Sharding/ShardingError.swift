import DistLab

/// Why a sharding request was refused. Every case has a one-line message, and a refused request
/// leaves the scheme exactly as it was.
public enum ShardingError: Error, Hashable, Sendable, CustomStringConvertible {
  case unknownScheme(String)
  case noNodes
  case invalidNode(NodeID)
  case duplicateNode(NodeID)
  case unknownNode(NodeID)
  case lastNode(NodeID)
  case invalidReplicationFactor(Int)
  case replicationFactorAboveNodeCount(factor: Int, nodes: Int)
  /// Split point number `position` (1-based) is not greater than the one before it.
  case splitPointsOutOfOrder(position: Int, previous: ShardKey, next: ShardKey)
  case invalidMaxRangeKeys(Int)
  case invalidBlockSize(UInt64)
  case invalidRecordSize(UInt64, blockSize: UInt64)
  case tooManyBlocks(bytes: UInt64, blockSize: UInt64)
  case invalidVirtualNodes(Int)
  case nonPrimeTableSize(Int, nextPrime: Int)
  case tableSizeOutOfRange(Int)
  case tableTooSmall(size: Int, nodes: Int)
  case invalidMaglevPermutation(node: NodeID, offset: Int, skip: Int, tableSize: Int)
  case invalidLoadFactor(Double)
  case unknownKey(ShardKey)
  case invalidKeyCount(Int)
  case invalidZipfSkew(Double)
  case invalidDistinctKeys(Int)

  /// The largest key set a generator makes, and the largest Maglev table, so that no request can
  /// exhaust memory.
  public static let maxKeyCount = 10_000_000
  public static let maxTableSize = 16_777_213
  public static let maxVirtualNodes = 10_000

  public var description: String { message }

  public var message: String {
    switch self {
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
    case .invalidVirtualNodes(let n):
      return "virtual nodes per node must be between 1 and \(Self.maxVirtualNodes), not \(n)"
    case .nonPrimeTableSize(let size, let nextPrime):
      return "Maglev table size must be prime: \(size) is not (the next prime is \(nextPrime))"
    case .tableSizeOutOfRange(let size):
      return "Maglev table size must be between 2 and \(Self.maxTableSize), not \(size)"
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
      return "key count must be between 0 and \(Self.maxKeyCount), not \(n)"
    case .invalidZipfSkew(let s):
      return "zipf skew must be a number >= 0, not \(s)"
    case .invalidDistinctKeys(let n):
      return "zipf needs between 1 and \(Self.maxKeyCount) distinct keys, not \(n)"
    }
  }
}
