import DistLab

/// Distribution by volume, the primer's third scheme (HDFS and GFS): data is one growing file cut
/// into fixed-size blocks (128 MiB by default, as HDFS), each stored on a node. The block table
/// (block number → node) is the metadata that must be kept: lose it and the file is gone.
///
/// Placing a key appends one record of `recordSize` bytes to the file; the record belongs to the
/// block holding its first byte. A new block goes to the node holding the fewest blocks (ties: the
/// lowest node). A joining node receives only new blocks (moving old ones is a separate balancer's
/// job); a leaving node's blocks go, in block order, to the nodes holding the fewest blocks.
public struct ChunkScheme: ShardingScheme {
  public var shape: SchemeShape { .chunks(self) }

  public private(set) var nodes: [NodeID]
  public let blockSize: UInt64
  public let recordSize: UInt64
  /// Bytes written so far.
  public private(set) var fileSize: UInt64 = 0
  /// Node of each block, by block number.
  private var blocks: [NodeID] = []
  /// Blocks held by each node, aligned with `nodes`.
  private var blockCounts: [Int]
  /// Records whose first byte lies in each block.
  private var recordsPerBlock: [Int] = []
  /// Where each placed key's latest record starts: the file's own index.
  private var offsets = KeyTable<UInt64>()

  public static let defaultBlockSize: UInt64 = 128 << 20
  public static let defaultRecordSize: UInt64 = 1 << 10
  /// The most blocks a file may have, so that no request can exhaust memory.
  public static let maxBlocks = 10_000_000

  public init(
    nodes: [NodeID], blockSize: UInt64 = ChunkScheme.defaultBlockSize,
    recordSize: UInt64 = ChunkScheme.defaultRecordSize
  ) throws(ShardingError) {
    let sorted = try NodeOrder.validated(nodes)
    guard (1...(1 << 40)).contains(blockSize) else { throw .invalidBlockSize(blockSize) }
    guard (1...min(1 << 30, blockSize)).contains(recordSize) else {
      throw .invalidRecordSize(recordSize, blockSize: blockSize)
    }
    self.nodes = sorted
    blockCounts = [Int](repeating: 0, count: sorted.count)
    self.blockSize = blockSize
    self.recordSize = recordSize
  }

  public var kind: SchemeKind { .chunks }
  public var label: String { "chunks block=\(blockSize) record=\(recordSize)" }

  /// The block table, one row per block in block order.
  public var table: [ChunkRow] { blocks.indices.map(rowAt) }

  /// Block `i`'s row; nil when the file has no such block.
  public func row(_ i: Int) -> ChunkRow? { blocks.indices.contains(i) ? rowAt(i) : nil }

  private func rowAt(_ i: Int) -> ChunkRow {
    let start = UInt64(i) * blockSize
    return ChunkRow(
      block: i, node: blocks[i], start: start, bytes: min(blockSize, fileSize - start), records: recordsPerBlock[i])
  }

  /// Grows the file by `bytes` (without records) and returns the blocks this created.
  @discardableResult
  public mutating func append(bytes: UInt64) throws(ShardingError) -> [ChunkRow] {
    let blocksNeeded = Self.blocks(toHold: fileSize.addingReportingOverflow(bytes), blockSize: blockSize)
    guard let needed = blocksNeeded, needed <= Self.maxBlocks else {
      throw .tooManyBlocks(bytes: bytes, blockSize: blockSize)
    }
    let before = blocks.count
    grow(to: fileSize + bytes, blocks: needed)
    return (before..<blocks.count).map(rowAt)
  }

  /// Blocks a file of `size` bytes fills; nil when the size overflowed.
  private static func blocks(toHold size: (partialValue: UInt64, overflow: Bool), blockSize: UInt64) -> Int? {
    guard !size.overflow else { return nil }
    let count = size.partialValue == 0 ? 0 : (size.partialValue - 1) / blockSize + 1
    return count <= UInt64(Int.max) ? Int(count) : nil
  }

  private mutating func grow(to end: UInt64, blocks needed: Int) {
    fileSize = end
    while blocks.count < needed {
      let n = NodeOrder.leastLoaded(blockCounts)
      blockCounts[n] += 1
      blocks.append(nodes[n])
      recordsPerBlock.append(0)
    }
  }

  /// The node holding byte `offset` of the file; nil past the end.
  public func owner(atOffset offset: UInt64) -> NodeID? {
    offset < fileSize ? blocks[Int(offset / blockSize)] : nil
  }

  public func owner(of key: ShardKey) -> NodeID? {
    offsets[key].map { blocks[Int($0 / blockSize)] }
  }

  /// Appends the key's record (a key placed again gets a new record, as in an append-only log).
  /// A record is no larger than a block, so each adds at most one block: blocks never outnumber
  /// the records and bytes appended.
  public mutating func place(_ key: ShardKey) -> NodeID {
    let offset = fileSize
    let end = offset &+ recordSize
    grow(to: end, blocks: Int((end - 1) / blockSize) + 1)
    let block = Int(offset / blockSize)
    recordsPerBlock[block] += 1
    offsets.updateValue(offset, forKey: key)
    return blocks[block]
  }

  public mutating func place(_ keys: [ShardKey]) -> [NodeID] {
    offsets.reserveCapacity(offsets.count + keys.count)
    var result: [NodeID] = []
    result.reserveCapacity(keys.count)
    for key in keys { result.append(place(key)) }
    return result
  }

  /// Nothing moves: the new node gets new blocks.
  public mutating func addNode(_ node: NodeID) throws(ShardingError) {
    try NodeOrder.checkAdd(node, to: nodes)
    nodes = NodeOrder.inserting(node, into: nodes)
    blockCounts.insert(0, at: nodes.firstIndex(of: node) ?? nodes.count - 1)
  }

  public mutating func removeNode(_ node: NodeID) throws(ShardingError) {
    let i = try NodeOrder.checkRemove(node, from: nodes)
    nodes.remove(at: i)
    blockCounts.remove(at: i)
    for b in blocks.indices where blocks[b] == node {
      let n = NodeOrder.leastLoaded(blockCounts)
      blockCounts[n] += 1
      blocks[b] = nodes[n]
    }
  }

  public func explain(_ key: ShardKey) -> ShardExplanation {
    guard let offset = offsets[key] else {
      let step = ChunkStep(offset: nil, blockSize: blockSize, row: nil)
      return ShardExplanation(key: key, owner: nil, step: .chunk(step))
    }
    let row = rowAt(Int(offset / blockSize))
    return ShardExplanation(
      key: key, owner: row.node, step: .chunk(ChunkStep(offset: offset, blockSize: blockSize, row: row)))
  }

  public var metadata: ShardMetadata { ShardMetadata(entries: blocks.count, unit: .blockRows) }

  public var lookupCost: LookupCost {
    LookupCost(complexity: "O(1)", steps: 1, detail: "one block-table row (offset / block size)")
  }
}

/// One block: its number, node, first byte, bytes written and records starting in it.
public struct ChunkRow: Hashable, Sendable {
  public var block: Int
  public var node: NodeID
  public var start: UInt64
  public var bytes: UInt64
  public var records: Int

  public init(block: Int, node: NodeID, start: UInt64, bytes: UInt64, records: Int) {
    self.block = block
    self.node = node
    self.start = start
    self.bytes = bytes
    self.records = records
  }
}

/// The key's record offset in the file (nil when the key was never written), the block size and
/// the block-table row holding it (block = offset / blockSize).
public struct ChunkStep: Hashable, Sendable {
  public var offset: UInt64?
  public var blockSize: UInt64
  public var row: ChunkRow?

  public init(offset: UInt64?, blockSize: UInt64, row: ChunkRow?) {
    self.offset = offset
    self.blockSize = blockSize
    self.row = row
  }

  public var offsetInBlock: UInt64? { offset.map { $0 % blockSize } }
}
