import DistLab

/// What a quorum read answered: the values (several when siblings are kept), their merged
/// version vector (the context the next write sends), the replicas that answered, and how many
/// versions read repair sent to stale ones.
public struct QuorumRead: Sendable, Equatable {
  public var values: [Value]
  public var context: Value
  public var answered: [NodeID]
  public var repairs: Int
}

/// The quorum store's side of the store client.
extension StoreClient {
  /// Spawns `nodes` store nodes `s1`… and makes them one quorum store.
  public func startQuorum(nodes count: Int, settings: QuorumSettings) throws(WorldError) -> [NodeInfo] {
    let made = try world.spawn(count: count, names: (1...count).map { "s\($0)" }, roles: ["store"])
    nodes = made.map(\.id)
    var template = settings
    template.members = nodes
    quorum = template
    let requests = nodes.map { n in
      var s = template
      s.me = n
      return CallRequest(to: n, method: "store.qconfigure", args: [s.value])
    }
    _ = try world.callAll(requests, options: CallOptions())
    return made
  }

  /// The node a request for `key` goes to unless the user names one: the key's first home
  /// replica, as a token-aware driver chooses.
  public func coordinator(for key: String) -> NodeID? { quorum.flatMap { $0.homes(of: key).first } }

  /// Writes `key` through a coordinator as a Dynamo client does: it reads the key first and
  /// writes with the context that read returned, so the write supersedes every version it saw.
  /// When that read fails, nothing was written.
  public func quorumPut(_ key: String, _ value: Value, via: NodeID) throws(WorldError) -> QuorumWrite {
    let read: QuorumRead
    switch try quorumGet(key, via: via) {
    case .failure(let f): return .notSent(f)
    case .success(let r): read = r
    }
    let outcome = try world.call(
      to: via, method: "store.qput", args: [.string(key), value, read.context],
      options: CallOptions(timeout: .seconds(2)))
    switch outcome.result {
    case .value(let v):
      acknowledged.append((key, value))
      return .acknowledged(by: (v.first?.listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } })
    case .error(let e): return .failed(.error(e))
    case .timeout, .interrupted: return .failed(.timeout)
    }
  }

  /// Reads `key` through a coordinator; the call's failure as it came, or what it read.
  public func quorumGet(_ key: String, via: NodeID) throws(WorldError) -> Result<QuorumRead, CallFailure> {
    let outcome = try world.call(
      to: via, method: "store.qget", args: [.string(key)], options: CallOptions(timeout: .seconds(2)))
    switch outcome.result {
    case .value(let v) where v.count == 4:
      return .success(
        QuorumRead(
          values: v[0].listValue ?? [], context: v[1],
          answered: (v[2].listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } },
          repairs: Int(v[3].intValue ?? 0)))
    case .value: return .failure(.error("a malformed answer"))
    case .error(let e): return .failure(.error(e))
    case .timeout, .interrupted: return .failure(.timeout)
    }
  }

  /// Every store node's answer to `store.qpart`, nil for a node that is silent.
  public func quorumParts() throws(WorldError) -> [(NodeID, Value?)] {
    try parts(method: "store.qpart")
  }

  /// The writes last-writer-wins dropped without the winner having seen them, gathered from
  /// every node that answers (a write dropped on several nodes counts once), and of those the
  /// ones a coordinator had acknowledged to its client: the writes silently lost.
  public func lostWrites(_ parts: [(NodeID, Value?)]) -> (dropped: Int, lost: Int) {
    var dropped = Set<WriteID>()
    var acknowledged = Set<WriteID>()
    for (_, p) in parts {
      dropped.formUnion((p?["lost"]?.listValue ?? []).compactMap(WriteID.init))
      acknowledged.formUnion((p?["acknowledged"]?.listValue ?? []).compactMap(WriteID.init))
    }
    return (dropped.count, dropped.intersection(acknowledged).count)
  }
}

/// How a client's quorum write ended.
public enum QuorumWrite: Sendable, Equatable {
  /// W replicas hold it; these acknowledged in time.
  case acknowledged(by: [NodeID])
  /// The read for its context failed, so the write was never sent.
  case notSent(CallFailure)
  /// The coordinator refused it (nothing written) or gave up (some replicas may hold it).
  case failed(CallFailure)
}

/// A call that did not give a usable answer.
public enum CallFailure: Error, Sendable, Equatable {
  case error(String)
  case timeout
}
