import DistLab

/// One block of a file: HDFS's id (`blk_1073741825`, counting up from 2^30 + 1) and how many
/// bytes it holds (a file's last block is usually short).
public struct BlockInfo: Hashable, Sendable {
  public var id: Int64
  public var size: Int64

  public var name: String { "blk_\(id)" }
}

/// A file in the namespace: its length, its replication factor and its blocks in order.
public struct FileEntry: Hashable, Sendable {
  public var size: Int64
  public var replication: Int
  public var blocks: [BlockInfo]
  /// Still being written: not all of its blocks are there yet.
  public var underConstruction: Bool
  /// Put from text, so its DataNodes keep its bytes (a file put by size has none: the lab
  /// keeps sizes only, and a job over text cannot read it).
  public var text = false
}

/// A change to the namespace, as the NameNode writes it to its edit log before answering —
/// Hadoop's OP_ADD, OP_ADD_BLOCK, OP_UPDATE_BLOCKS (a block abandoned), OP_CLOSE, OP_RENAME and
/// OP_DELETE.
enum EditOp: Hashable, Sendable {
  case create(path: String, size: Int64, replication: Int, text: Bool)
  case addBlock(path: String, BlockInfo)
  case abandon(path: String, block: Int64)
  case close(path: String)
  case rename(path: String, to: String)
  case delete(path: String)

  var value: Value {
    switch self {
    case .create(let p, let s, let r, let t):
      .list([.string("add"), .string(p), .int(s), .int(Int64(r))] + (t ? [.bool(true)] : []))
    case .addBlock(let p, let b): .list([.string("block"), .string(p), .int(b.id), .int(b.size)])
    case .abandon(let p, let b): .list([.string("abandon"), .string(p), .int(b)])
    case .close(let p): .list([.string("close"), .string(p)])
    case .rename(let p, let to): .list([.string("rename"), .string(p), .string(to)])
    case .delete(let p): .list([.string("delete"), .string(p)])
    }
  }

  init?(_ v: Value) {
    guard let l = v.listValue, let kind = l.first?.stringValue, l.count >= 2, let p = l[1].stringValue else {
      return nil
    }
    switch (kind, l.count) {
    case ("add", 4), ("add", 5):
      guard let s = l[2].intValue, let r = l[3].intValue else { return nil }
      self = .create(path: p, size: s, replication: Int(r), text: l.count == 5)
    case ("block", 4):
      guard let id = l[2].intValue, let s = l[3].intValue else { return nil }
      self = .addBlock(path: p, BlockInfo(id: id, size: s))
    case ("abandon", 3):
      guard let b = l[2].intValue else { return nil }
      self = .abandon(path: p, block: b)
    case ("close", 2): self = .close(path: p)
    case ("rename", 3):
      guard let to = l[2].stringValue else { return nil }
      self = .rename(path: p, to: to)
    case ("delete", 2): self = .delete(path: p)
    default: return nil
    }
  }
}

/// The NameNode's namespace: every file and its blocks (never where the blocks are: that the
/// DataNodes report). It is what the fsimage holds, and what replaying the edit log rebuilds.
public struct Namespace: Hashable, Sendable {
  public var files: [String: FileEntry] = [:]
  /// The next block id to hand out.
  public var nextBlock: Int64 = 1_073_741_825

  /// Every block, with its file and replication factor: kept as the files change, since the
  /// NameNode looks a block up on every report a DataNode sends.
  private(set) var blocks: [Int64: (path: String, info: BlockInfo, replication: Int)] = [:]
  /// The bytes in each file's blocks so far, kept as blocks come and go: the NameNode sizes every
  /// new block of a file being written by what its blocks already hold.
  private(set) var written: [String: Int64] = [:]

  mutating func apply(_ op: EditOp) {
    switch op {
    case .create(let p, let s, let r, let t):
      unindex(p)
      files[p] = FileEntry(size: s, replication: r, blocks: [], underConstruction: true, text: t)
      written[p] = 0
    case .addBlock(let p, let b):
      // Only the factor is read out: a copy of the entry would share its block list and make
      // the append copy every block so far.
      guard let replication = files[p]?.replication else { return }
      files[p]?.blocks.append(b)
      written[p, default: 0] += b.size
      blocks[b.id] = (p, b, replication)
      nextBlock = max(nextBlock, b.id + 1)
    case .abandon(let p, let b):
      if let gone = files[p]?.blocks.first(where: { $0.id == b }) { written[p, default: 0] -= gone.size }
      files[p]?.blocks.removeAll { $0.id == b }
      if blocks[b]?.path == p { blocks[b] = nil }
    case .close(let p): files[p]?.underConstruction = false
    case .rename(let p, let to):
      guard let f = files.removeValue(forKey: p) else { return }
      files[to] = f
      written[to] = written.removeValue(forKey: p)
      for b in f.blocks { blocks[b.id] = (to, b, f.replication) }
    case .delete(let p):
      unindex(p)
      files[p] = nil
      written[p] = nil
    }
  }

  private mutating func unindex(_ p: String) {
    for b in files[p]?.blocks ?? [] { blocks[b.id] = nil }
  }

  public static func == (a: Namespace, b: Namespace) -> Bool { a.files == b.files && a.nextBlock == b.nextBlock }

  public func hash(into h: inout Hasher) {
    h.combine(files)
    h.combine(nextBlock)
  }

  var value: Value {
    .map([
      MapEntry(.string("next"), .int(nextBlock)),
      MapEntry(
        .string("files"),
        .list(
          files.keys.sorted().map { p in
            let f = files[p]!
            return .list(
              [
                .string(p), .int(f.size), .int(Int64(f.replication)), .bool(f.underConstruction),
                .list(f.blocks.map { .list([.int($0.id), .int($0.size)]) }),
              ] + (f.text ? [.bool(true)] : []))
          })),
    ])
  }

  init() {}

  init?(_ v: Value) {
    guard let next = v["next"]?.intValue, let list = v["files"]?.listValue else { return nil }
    nextBlock = next
    for item in list {
      guard let l = item.listValue, l.count >= 5, let p = l[0].stringValue, let s = l[1].intValue,
        let r = l[2].intValue, let blocks = l[4].listValue
      else { continue }
      files[p] = FileEntry(
        size: s, replication: Int(r),
        blocks: blocks.compactMap { b in
          guard let bl = b.listValue, bl.count == 2, let id = bl[0].intValue, let size = bl[1].intValue else {
            return nil
          }
          return BlockInfo(id: id, size: size)
        }, underConstruction: l[3] == .bool(true), text: l.count > 5 && l[5] == .bool(true))
      for b in files[p]!.blocks { self.blocks[b.id] = (p, b, Int(r)) }
      written[p] = files[p]!.blocks.reduce(0) { $0 + $1.size }
    }
  }
}
