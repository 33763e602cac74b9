import DistLab

/// Maglev hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load Balancer",
/// NSDI 2016, section 3.4): a lookup table of prime size M. Each node has a permutation of the
/// slots, `(offset + j * skip) mod M`; nodes take turns claiming their next free preferred slot
/// until the table is full. A key goes to `table[hash mod M]`: one array read per lookup, almost
/// perfect balance, and little movement when a node joins or leaves.
///
/// Offsets and skips come from `xxh64("n<number>", seed: seed) mod M` and
/// `xxh64("n<number>", seed: seed + 1) mod (M - 1) + 1`, unless given explicitly (as in the
/// paper's worked example). Nodes take turns in ascending order.
public struct MaglevScheme: ShardingScheme {
  public var shape: SchemeShape { .maglev(self) }

  public private(set) var nodes: [NodeID]
  public let tableSize: Int
  public let seed: UInt64
  /// Offsets and skips given explicitly, kept across node changes.
  public let explicitPermutations: [NodeID: MaglevPermutation]
  /// Node index (into `nodes`) of each table slot.
  private var table: [Int32]

  public static let defaultTableSize = 65_537

  public init(
    nodes: [NodeID], tableSize: Int = MaglevScheme.defaultTableSize, seed: UInt64 = 0,
    permutations: [NodeID: MaglevPermutation] = [:]
  ) throws(ShardingError) {
    let sorted = try NodeOrder.validated(nodes)
    try Self.check(tableSize: tableSize, nodeCount: sorted.count)
    for node in permutations.keys.sorted() {
      let p = permutations[node] ?? MaglevPermutation(offset: 0, skip: 1)
      guard (0..<tableSize).contains(p.offset), (1..<tableSize).contains(p.skip) else {
        throw .invalidMaglevPermutation(node: node, offset: p.offset, skip: p.skip, tableSize: tableSize)
      }
    }
    self.nodes = sorted
    self.tableSize = tableSize
    self.seed = seed
    explicitPermutations = permutations
    table = []
    populate()
  }

  static func check(tableSize: Int, nodeCount: Int) throws(ShardingError) {
    guard (2...ShardingError.maxTableSize).contains(tableSize) else { throw .tableSizeOutOfRange(tableSize) }
    guard isPrime(tableSize) else { throw .nonPrimeTableSize(tableSize, nextPrime: nextPrime(after: tableSize)) }
    guard tableSize > nodeCount else { throw .tableTooSmall(size: tableSize, nodes: nodeCount) }
  }

  static func isPrime(_ n: Int) -> Bool {
    if n < 2 { return false }
    if n < 4 { return true }
    if n % 2 == 0 { return false }
    var d = 3
    while d * d <= n {
      if n % d == 0 { return false }
      d += 2
    }
    return true
  }

  static func nextPrime(after n: Int) -> Int {
    var candidate = max(2, n + 1)
    while !isPrime(candidate) { candidate += 1 }
    return candidate
  }

  public var kind: SchemeKind { .maglev }
  public var label: String { "maglev size=\(tableSize) seed=\(seed)" }

  /// The offset and skip `node` uses (explicit, or derived from its hash).
  public func permutation(of node: NodeID) -> MaglevPermutation {
    if let p = explicitPermutations[node] { return p }
    let name = NodeOrder.hashLabel(node)
    let m = UInt64(tableSize)
    return MaglevPermutation(
      offset: Int(XXHash64.hash(name, seed: seed) % m),
      skip: Int(XXHash64.hash(name, seed: seed &+ 1) % (m - 1)) + 1)
  }

  /// Pseudocode 1 of the paper: nodes take turns, each claiming its next preferred empty slot.
  private mutating func populate() {
    let m = tableSize
    let perms = nodes.map { permutation(of: $0) }
    var next = perms.map(\.offset)
    var entry = [Int32](repeating: -1, count: m)
    var filled = 0
    while filled < m {
      for i in perms.indices {
        var c = next[i]
        while entry[c] >= 0 {
          c += perms[i].skip
          if c >= m { c -= m }
        }
        entry[c] = Int32(i)
        c += perms[i].skip
        next[i] = c >= m ? c - m : c
        filled += 1
        if filled == m { break }
      }
    }
    table = entry
  }

  /// The node of every slot, in slot order: the lookup table itself.
  public var lookupTable: [NodeID] { table.map { nodes[Int($0)] } }

  public func owner(of key: ShardKey) -> NodeID? { nodes[Int(table[Int(key.hash % UInt64(tableSize))])] }

  public mutating func place(_ key: ShardKey) -> NodeID { nodes[Int(table[Int(key.hash % UInt64(tableSize))])] }

  public mutating func addNode(_ node: NodeID) throws(ShardingError) {
    try NodeOrder.checkAdd(node, to: nodes)
    guard tableSize > nodes.count + 1 else { throw .tableTooSmall(size: tableSize, nodes: nodes.count + 1) }
    nodes = NodeOrder.inserting(node, into: nodes)
    populate()
  }

  public mutating func removeNode(_ node: NodeID) throws(ShardingError) {
    let i = try NodeOrder.checkRemove(node, from: nodes)
    nodes.remove(at: i)
    populate()
  }

  public func explain(_ key: ShardKey) -> ShardExplanation {
    let slot = Int(key.hash % UInt64(tableSize))
    let node = nodes[Int(table[slot])]
    let step = MaglevStep(hash: key.hash, tableSize: tableSize, slot: slot, permutation: permutation(of: node))
    return ShardExplanation(key: key, owner: node, step: .maglev(step))
  }

  public var metadata: ShardMetadata { ShardMetadata(entries: tableSize, unit: .lookupTable) }

  public var lookupCost: LookupCost {
    LookupCost(complexity: "O(1)", steps: 1, detail: "one read of a \(tableSize)-slot table")
  }
}

/// A Maglev node's permutation of the table: preference j is slot `(offset + j * skip) mod M`.
public struct MaglevPermutation: Hashable, Sendable {
  public var offset: Int
  public var skip: Int

  public init(offset: Int, skip: Int) {
    self.offset = offset
    self.skip = skip
  }
}

/// `hash mod tableSize = slot`, the slot's node, and that node's permutation.
public struct MaglevStep: Hashable, Sendable {
  public var hash: UInt64
  public var tableSize: Int
  public var slot: Int
  public var permutation: MaglevPermutation

  public init(hash: UInt64, tableSize: Int, slot: Int, permutation: MaglevPermutation) {
    self.hash = hash
    self.tableSize = tableSize
    self.slot = slot
    self.permutation = permutation
  }
}
