import DistLab

/// Jump consistent hash (Lamping & Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm",
/// 2014): the key's hash seeds a generator that jumps forward through the numbered buckets until
/// it passes the last one. No table at all, and growing from N to N+1 buckets moves only 1/(N+1)
/// of the keys.
///
/// Its limit: buckets are numbered 0..<N, so only the last can leave cheaply. Removing another
/// node moves the last bucket's node into the freed number, which moves about 2/N of the keys.
public struct JumpScheme: ShardingScheme {
  public var shape: SchemeShape { .jump(self) }

  /// Node of each bucket number, in bucket order.
  public private(set) var buckets: [NodeID]

  public init(nodes: [NodeID]) throws(ShardingError) {
    buckets = try NodeOrder.validated(nodes)
  }

  public var kind: SchemeKind { .jump }
  public var label: String { "jump" }
  public var nodes: [NodeID] { buckets.sorted() }

  /// The reference algorithm, transcribed from the paper's C++ (`JumpConsistentHash`): the bucket
  /// in 0..<`buckets` for a 64-bit key. As in the reference, the bucket count is a 32-bit number
  /// (larger counts are treated as 2^31 - 1) and a count below 1 gives -1.
  @inlinable
  public static func bucket(_ key: UInt64, buckets: Int) -> Int {
    var b: Int64 = -1
    var j: Int64 = 0
    var k = key
    let n = Int64(Swift.min(buckets, Int(Int32.max)))
    while j < n {
      b = j
      k = k &* 2_862_933_555_777_941_757 &+ 1
      j = Int64(Double(b &+ 1) * (Double(Int64(1) << 31) / Double((k >> 33) &+ 1)))
    }
    return Int(b)
  }

  public func owner(of key: ShardKey) -> NodeID? { buckets[Self.bucket(key.hash, buckets: buckets.count)] }

  public mutating func place(_ key: ShardKey) -> NodeID { buckets[Self.bucket(key.hash, buckets: buckets.count)] }

  public mutating func place(_ keys: [ShardKey]) -> [NodeID] {
    let n = buckets.count
    return buckets.withUnsafeBufferPointer { list in keys.map { list[Self.bucket($0.hash, buckets: n)] } }
  }

  /// The new node becomes bucket N.
  public mutating func addNode(_ node: NodeID) throws(ShardingError) {
    try NodeOrder.checkAdd(node, to: buckets)
    buckets.append(node)
  }

  /// The last bucket's node takes over the removed node's bucket number.
  public mutating func removeNode(_ node: NodeID) throws(ShardingError) {
    let i = try NodeOrder.checkRemove(node, from: buckets)
    let last = buckets.removeLast()
    if i < buckets.count { buckets[i] = last }
  }

  public func explain(_ key: ShardKey) -> ShardExplanation {
    var path: [Int] = []
    var b: Int64 = -1
    var j: Int64 = 0
    var k = key.hash
    while j < Int64(buckets.count) {
      b = j
      path.append(Int(b))
      k = k &* 2_862_933_555_777_941_757 &+ 1
      j = Int64(Double(b &+ 1) * (Double(Int64(1) << 31) / Double((k >> 33) &+ 1)))
    }
    let step = JumpStep(hash: key.hash, buckets: buckets.count, bucket: Int(b), path: path)
    return ShardExplanation(key: key, owner: buckets[Int(b)], step: .jump(step))
  }

  public var metadata: ShardMetadata { ShardMetadata(entries: buckets.count, unit: .nodeList) }

  public var lookupCost: LookupCost {
    var harmonic = 0.0
    for i in 1...buckets.count { harmonic += 1 / Double(i) }
    return LookupCost(
      complexity: "O(log N)", steps: harmonic, detail: "expected jumps (H_N) through \(buckets.count) buckets")
  }
}

/// Jump hash's walk: the buckets it landed on (`path`, starting at 0), the last of which is
/// `bucket`, and the bucket's node.
public struct JumpStep: Hashable, Sendable {
  public var hash: UInt64
  public var buckets: Int
  public var bucket: Int
  public var path: [Int]

  public init(hash: UInt64, buckets: Int, bucket: Int, path: [Int]) {
    self.hash = hash
    self.buckets = buckets
    self.bucket = bucket
    self.path = path
  }
}
