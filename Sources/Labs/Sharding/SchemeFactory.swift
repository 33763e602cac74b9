import DistLab

/// The sharding schemes by name: the six of the primer and four later ones.
public enum SchemeKind: String, CaseIterable, Hashable, Sendable {
  case modN = "modn"
  case range
  case chunks
  case ring
  case directory
  case jump
  case rendezvous
  case maglev
  case bounded

  /// The kind called `name` (case-insensitive), accepting the aliases in ``aliases``.
  public init(parsing name: String) throws(ShardingError) {
    let lowered = name.lowercased()
    if let kind = SchemeKind(rawValue: lowered) ?? Self.aliases.first(where: { $0.alias == lowered })?.kind {
      self = kind
    } else {
      throw .unknownScheme(name)
    }
  }

  /// Other accepted names.
  public static let aliases: [(alias: String, kind: SchemeKind)] = [
    ("mod-n", .modN), ("mod", .modN), ("hash", .modN),
    ("ranges", .range),
    ("chunk", .chunks), ("blocks", .chunks), ("volume", .chunks),
    ("consistent", .ring), ("consistent-hash", .ring),
    ("dir", .directory), ("table", .directory),
    ("hrw", .rendezvous),
    ("bounded-load", .bounded), ("bounded-loads", .bounded),
  ]

  /// Names of the ``SchemeOptions`` that affect this kind, as a shell would spell the flags
  /// (`replicas` and `zones` apply to every kind).
  public var optionNames: [String] {
    switch self {
    case .modN, .directory, .jump: return []
    case .range: return ["splits", "max-keys"]
    case .chunks: return ["block", "record"]
    case .ring: return ["vnodes", "seed"]
    case .rendezvous: return ["seed"]
    case .maglev: return ["size", "seed", "offset-skip"]
    case .bounded: return ["c", "vnodes", "seed"]
    }
  }
}

/// Settings for making a scheme; each kind reads the ones that concern it.
public struct SchemeOptions: Hashable, Sendable {
  /// Seed for ring points, rendezvous weights and Maglev permutations.
  public var seed: UInt64 = 0
  /// Ring points per node (ring, bounded).
  public var virtualNodes: Int = 100
  /// Range split points, strictly increasing.
  public var splits: [ShardKey] = []
  /// Records a range may hold before it splits; nil means 1,000 when no split points are given
  /// and no automatic splitting when there are.
  public var maxRangeKeys: Int?
  public var blockSize: UInt64 = ChunkScheme.defaultBlockSize
  public var recordSize: UInt64 = ChunkScheme.defaultRecordSize
  /// Maglev lookup-table size, a prime larger than the node count.
  public var tableSize: Int = MaglevScheme.defaultTableSize
  /// Maglev offsets and skips given explicitly (others derive from the node's hash).
  public var maglevPermutations: [NodeID: MaglevPermutation] = [:]
  /// Bounded-load factor c >= 1.
  public var loadFactor: Double = BoundedLoadScheme.defaultLoadFactor
  /// Copies of each key (1: no replication).
  public var replicationFactor: Int = 1
  /// Zones for zone-aware replica placement.
  public var zones: [NodeID: String] = [:]

  public init() {}
}

/// The scheme factory.
public enum Sharding {
  /// A scheme of `kind` over `nodes`, wrapped in ``ReplicatedScheme`` when the replication factor
  /// is not 1.
  public static func makeScheme(
    _ kind: SchemeKind, nodes: [NodeID], options: SchemeOptions = SchemeOptions()
  ) throws(ShardingError) -> any ShardingScheme {
    let base: any ShardingScheme
    switch kind {
    case .modN:
      base = try ModNScheme(nodes: nodes)
    case .range:
      let max = options.maxRangeKeys ?? (options.splits.isEmpty ? RangeScheme.defaultMaxRangeKeys : nil)
      base = try RangeScheme(nodes: nodes, splits: options.splits, maxRangeKeys: max)
    case .chunks:
      base = try ChunkScheme(nodes: nodes, blockSize: options.blockSize, recordSize: options.recordSize)
    case .ring:
      base = try RingScheme(nodes: nodes, virtualNodes: options.virtualNodes, seed: options.seed)
    case .directory:
      base = try DirectoryScheme(nodes: nodes)
    case .jump:
      base = try JumpScheme(nodes: nodes)
    case .rendezvous:
      base = try RendezvousScheme(nodes: nodes, seed: options.seed)
    case .maglev:
      base = try MaglevScheme(
        nodes: nodes, tableSize: options.tableSize, seed: options.seed, permutations: options.maglevPermutations)
    case .bounded:
      base = try BoundedLoadScheme(
        nodes: nodes, virtualNodes: options.virtualNodes, loadFactor: options.loadFactor, seed: options.seed)
    }
    if options.replicationFactor == 1 { return base }
    return try ReplicatedScheme(base: base, factor: options.replicationFactor, zones: options.zones)
  }

  /// A scheme by name (see ``SchemeKind/init(parsing:)``).
  public static func makeScheme(
    named name: String, nodes: [NodeID], options: SchemeOptions = SchemeOptions()
  ) throws(ShardingError) -> any ShardingScheme {
    try makeScheme(SchemeKind(parsing: name), nodes: nodes, options: options)
  }
}
