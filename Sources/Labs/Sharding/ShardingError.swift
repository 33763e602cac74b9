import DistLab

/// Why a sharding request was refused: the facts, which the shell's catalogue words in one
/// line. A refused request leaves the scheme exactly as it was.
public enum ShardingError: Error, Hashable, Sendable {
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
  /// Nodes × virtual nodes past `maxRingPoints`.
  case tooManyRingPoints(nodes: Int, virtualNodes: Int)
  case nonPrimeTableSize(Int, nextPrime: Int)
  case tableSizeOutOfRange(Int)
  case tableTooSmall(size: Int, nodes: Int)
  case invalidMaglevPermutation(node: NodeID, offset: Int, skip: Int, tableSize: Int)
  case invalidLoadFactor(Double)
  case unknownKey(ShardKey)
  case invalidKeyCount(Int)
  case invalidZipfSkew(Double)
  case invalidDistinctKeys(Int)
  /// Ctrl-C or a time limit stopped a comparison before every scheme was measured.
  case interrupted

  /// The largest key set a generator makes, and the largest Maglev table, so that no request can
  /// exhaust memory.
  public static let maxKeyCount = 10_000_000
  public static let maxTableSize = 16_777_213
  public static let maxVirtualNodes = 10_000
  /// The most points a ring holds (nodes × virtual nodes): about 50 MB, built in a moment.
  public static let maxRingPoints = 2_000_000
}
