import DistLab

/// A copy of a key's value on a node, as the client wrote it there. Whether it is still there
/// the client learns only by asking: a node that does not answer in time, or answers that it
/// has no such key (it crashed and restarted empty), tells it.
public struct ShardCopy: Hashable, Sendable {
  public var node: NodeID
}

/// The sharding lab's bookkeeping in a world: the scheme over its nodes, the keys placed in
/// order, and which nodes hold a copy of each key. The data itself lives in the nodes'
/// key/value stores; this is the client's view of where it put it.
public struct ShardLab: Sendable {
  public internal(set) var scheme: any ShardingScheme
  /// Copies kept of every key (1: no replication).
  public let factor: Int
  public internal(set) var keys: [ShardKey] = []
  var index: [ShardKey: Int] = [:]
  /// The copies of key `i`, owner first.
  public internal(set) var copies: [[ShardCopy]] = []
  /// The bytes each value stands for, for counting bytes moved.
  public var valueSize: Int
  /// The outcome of the last node change, for `expect shard.moved`.
  public internal(set) var lastChange: ShardChangeOutcome?
  /// Nodes that did not answer the client's last call to them in time: its only evidence that
  /// a node may be down (a slow node looks the same). An answer clears it.
  public internal(set) var unanswered: Set<NodeID> = []

  /// Whether the client believes a copy can serve: its node answered the last time it was
  /// asked (or has not been asked since the copy was written).
  public func believedLive(_ c: ShardCopy) -> Bool { !unanswered.contains(c.node) }

  init(scheme: any ShardingScheme, valueSize: Int) {
    self.scheme = scheme
    if case .replicated(let r) = scheme.shape { factor = r.factor } else { factor = 1 }
    self.valueSize = valueSize
  }

  /// The nodes that should hold `key`'s copies under the scheme as it stands, owner first.
  public func desired(_ key: ShardKey) -> [NodeID] {
    if case .replicated(let replicated) = scheme.shape { return replicated.replicas(of: key) }
    return scheme.owner(of: key).map { [$0] } ?? []
  }

  public func copies(of key: ShardKey) -> [ShardCopy] {
    index[key].map { copies[$0] } ?? []
  }

  /// The name a key is stored under in a node's key/value store.
  public static func storeKey(_ key: ShardKey) -> String { key.description }

  /// Records a key (or finds it); returns its position.
  mutating func record(_ key: ShardKey) -> Int {
    if let i = index[key] { return i }
    keys.append(key)
    copies.append([])
    index[key] = keys.count - 1
    return keys.count - 1
  }
}

/// How many copies of the lab's keys are where they should be.
public struct ShardHealth: Hashable, Sendable {
  /// Copies each key should have.
  public var factor: Int
  public var keys: Int
  /// Keys with all their copies on live nodes.
  public var healthy: Int
  /// Keys with at least one live copy but fewer than the replication factor.
  public var underReplicated: Int
  /// Keys with no live copy: reads fail until a node comes back (and a crash lost them).
  public var unreachable: Int

  public init(factor: Int, keys: Int, healthy: Int, underReplicated: Int, unreachable: Int) {
    self.factor = factor
    self.keys = keys
    self.healthy = healthy
    self.underReplicated = underReplicated
    self.unreachable = unreachable
  }

  /// Counts one key whose copies are on `live` nodes that answer (or hold it).
  public mutating func count(live: Int) {
    if live == 0 {
      unreachable += 1
    } else if live < factor {
      underReplicated += 1
    } else {
      healthy += 1
    }
  }
}

/// What a node joining or leaving the lab moved, by messages.
public struct ShardChangeOutcome: Hashable, Sendable {
  public var report: NodeChangeReport
  /// Copies sent to a new node (including replicas).
  public var copiesMoved: Int
  public var bytesMoved: Int
  /// Messages sent to move them: reads, writes and deletes.
  public var messages: Int
  /// Copies that could not be moved because no live node held them.
  public var lost: Int
}

/// What a batch of writes or a repair did.
public struct ShardWriteOutcome: Hashable, Sendable {
  public var keys: Int
  public var copiesWritten: Int
  public var messages: Int
  /// Writes whose node did not answer (down, partitioned).
  public var failed: Int
  public var distribution: ShardDistribution
}

/// One copy a read asked, and what came of it.
public struct ReadAttempt: Sendable {
  public enum Result: Sendable, Equatable {
    case value(Value)
    /// The node answered that it has no such key: the copy is gone (a restart emptied it).
    case missing
    /// No answer within the client's timeout: the node may be down, or only slow.
    case noAnswer
    /// The node refused the call.
    case failed(String)
  }
  public var node: NodeID
  public var result: Result
  /// How long the client waited for this answer.
  public var waited: Nanoseconds
}

/// A read of one key: the copies asked, in order, until one answered with the value.
public struct ShardReadOutcome: Sendable {
  public var key: ShardKey
  public var owner: NodeID?
  /// Every copy the client had recorded, owner first.
  public var copies: [NodeID]
  public var attempts: [ReadAttempt]
  public var servedBy: NodeID?
  public var value: Value?
  /// From the first request to the answer that settled the read.
  public var took: Nanoseconds
}

/// The answer to `where`: the scheme's reasoning and the copies that exist.
public struct ShardWhere: Sendable {
  public var explanation: ShardExplanation
  public var copies: [ShardCopy]
  /// Whether the client believes each copy can serve (its node answered when last asked).
  public var live: [Bool]
  public var known: Bool
}
