import DistLab

/// The sharding lab's client: it places keys by a scheme and keeps the record of where it put
/// them, and every write, read and move is a real call to the nodes' key/value stores. It
/// uses only the world's public API; the world knows nothing of it.
public final class ShardingClient {
  /// Largest number of keys one bulk message carries.
  static let shardBatch = 1000

  public let world: World
  /// The world's generation when the client was made: after a reset it no longer applies.
  let generation: Int
  /// The lab, once a scheme is chosen.
  var shards: ShardLab?

  public required init(world: World) {
    self.world = world
    generation = world.generation
  }

  /// Whether the world has started over since this client was made.
  public var isStale: Bool { world.generation != generation }

  public var shardLab: ShardLab? { shards }

  /// The lab, or a refusal that says how to start one.
  public func requireLab() throws(ShardLabError) -> ShardLab {
    guard let lab = shards else { throw .noScheme }
    return lab
  }

  func info(_ id: NodeID) -> NodeInfo? { world.info(id) }

  func requireNode(_ id: NodeID) throws(ShardLabError) {
    guard world.info(id) != nil else { throw .world(.noNode(id)) }
  }

  func callAll(_ requests: [CallRequest], cancel: () -> Bool) throws(ShardLabError) -> [CallOutcome] {
    do {
      return try world.callAll(requests, cancel: cancel)
    } catch {
      throw .world(error)
    }
  }

  func call(_ request: CallRequest, cancel: () -> Bool) throws(ShardLabError) -> CallOutcome {
    guard let outcome = try callAll([request], cancel: cancel).first else { throw .world(.callNotMade) }
    return outcome
  }

  func sharding<R>(_ body: () throws(ShardingError) -> R) throws(ShardLabError) -> R {
    do {
      return try body()
    } catch {
      throw .scheme(error)
    }
  }

  /// Starts the lab with a scheme over `nodes` (all nodes when empty). Refused while the lab
  /// holds keys: `shardClear` first.
  public func shardUse(_ kind: SchemeKind, options: SchemeOptions, nodes ids: [NodeID], valueSize: Int)
    throws(ShardLabError) -> ShardLab
  {
    if let lab = shards, !lab.keys.isEmpty {
      throw .holdsKeys(lab.keys.count)
    }
    let chosen = ids.isEmpty ? world.allNodes.filter { $0.status == .up }.map(\.id) : ids
    guard !chosen.isEmpty else {
      throw .noNodes
    }
    for id in chosen { try requireNode(id) }
    guard valueSize >= 0, valueSize <= 1 << 30 else { throw .valueSizeOutOfRange(limit: 1 << 30) }
    var opts = options
    if opts.replicationFactor > 1 && opts.zones.isEmpty == false {
      opts.zones = opts.zones.filter { chosen.contains($0.key) }
    }
    let scheme = try sharding { () throws(ShardingError) in try Sharding.makeScheme(kind, nodes: chosen, options: opts)
    }
    let lab = ShardLab(scheme: scheme, valueSize: valueSize)
    shards = lab
    return lab
  }

  /// Deletes the lab's keys from the nodes and forgets the scheme.
  public func shardClear(cancel: () -> Bool = { false }) throws(ShardLabError) -> Int {
    let lab = try requireLab()
    var deletes: [NodeID: [Value]] = [:]
    for (i, copies) in lab.copies.enumerated() {
      for c in copies where isLive(c) { deletes[c.node, default: []].append(.string(ShardLab.storeKey(lab.keys[i]))) }
    }
    _ = try sendBatches(deletes, method: "kv.mdel", cancel: cancel)
    shards = nil
    return lab.keys.count
  }

  /// Whether a copy can serve: its node is up and has not restarted since it was written.
  func isLive(_ c: ShardCopy) -> Bool {
    guard let info = info(c.node) else { return false }
    return info.status == .up && info.incarnation == c.incarnation
  }

  /// Places keys in order and writes each one's copies to their nodes, in bulk messages.
  public func shardLoad(_ keys: [ShardKey], cancel: () -> Bool = { false }) throws(ShardLabError) -> ShardWriteOutcome {
    var lab = try requireLab()
    guard !keys.isEmpty else { throw .nothingToLoad }
    guard lab.keys.count + keys.count <= 5_000_000 else { throw .tooManyKeys(limit: 5_000_000) }
    for key in keys {
      _ = lab.record(key)
      _ = lab.scheme.place(key)
    }
    shards = lab
    let outcome = try reconcile(cancel: cancel)
    return ShardWriteOutcome(
      keys: keys.count, copiesWritten: outcome.written, messages: outcome.messages, failed: outcome.failed,
      distribution: shardDistribution())
  }

  /// Reads a key from its first live copy, owner first.
  public func shardGet(_ key: ShardKey, cancel: () -> Bool = { false }) throws(ShardLabError) -> ShardReadOutcome {
    let lab = try requireLab()
    let copies = lab.copies(of: key)
    let tried: [(NodeID, Bool)] = copies.map { ($0.node, isLive($0)) }
    let owner = lab.scheme.owner(of: key)
    for c in copies {
      guard isLive(c) else { continue }
      let call = try call(
        CallRequest(to: c.node, method: "kv.get", args: [.string(ShardLab.storeKey(key))]), cancel: cancel)
      if case .value(let v) = call.result {
        return ShardReadOutcome(key: key, owner: owner, tried: tried, call: call, servedBy: c.node, value: v.first)
      }
      return ShardReadOutcome(key: key, owner: owner, tried: tried, call: call, servedBy: nil, value: nil)
    }
    return ShardReadOutcome(key: key, owner: owner, tried: tried, call: nil, servedBy: nil, value: nil)
  }

  public func shardWhere(_ key: ShardKey) throws(ShardLabError) -> ShardWhere {
    let lab = try requireLab()
    var e = lab.scheme.explain(key)
    if case .replicated(let r) = lab.scheme.shape { e.replicas = r.replicas(of: key) }
    let copies = lab.copies(of: key)
    return ShardWhere(explanation: e, copies: copies, live: copies.map(isLive), known: lab.index[key] != nil)
  }

  /// Keys per node by owner, over every node of the scheme.
  public func shardDistribution() -> ShardDistribution {
    guard let lab = shards else { return ShardAnalysis.distribution(owners: [], nodes: []) }
    return ShardAnalysis.distribution(owners: lab.keys.map { lab.copies(of: $0).first?.node }, nodes: lab.scheme.nodes)
  }

  public func shardHealth() -> ShardHealth {
    guard let lab = shards else {
      return ShardHealth(factor: 1, keys: 0, healthy: 0, underReplicated: 0, unreachable: 0)
    }
    var h = ShardHealth(factor: lab.factor, keys: lab.keys.count, healthy: 0, underReplicated: 0, unreachable: 0)
    for copies in lab.copies {
      let live = copies.filter(isLive).count
      if live == 0 {
        h.unreachable += 1
      } else if live < lab.factor {
        h.underReplicated += 1
      } else {
        h.healthy += 1
      }
    }
    return h
  }

  /// A node joins or leaves the scheme; the keys the scheme now places elsewhere move there.
  public func shardChange(_ change: NodeChange, cancel: () -> Bool = { false }) throws(ShardLabError)
    -> ShardChangeOutcome
  {
    var lab = try requireLab()
    let node: NodeID
    switch change {
    case .added(let n): node = n
    case .removed(let n): node = n
    }
    try requireNode(node)
    let beforeOwners = lab.keys.map { lab.copies(of: $0).first?.node }
    var scheme = lab.scheme
    try sharding { () throws(ShardingError) in
      switch change {
      case .added(let n): try scheme.addNode(n)
      case .removed(let n): try scheme.removeNode(n)
      }
    }
    let beforeNodes = lab.scheme.nodes
    lab.scheme = scheme
    shards = lab
    let moved = try reconcile(cancel: cancel)
    guard let now = shards else { throw .cleared }
    let afterOwners = now.keys.map { now.copies(of: $0).first?.node }
    let movement = ShardAnalysis.movement(before: beforeOwners, after: afterOwners)
    let before = ShardAnalysis.distribution(owners: beforeOwners, nodes: beforeNodes)
    let after = ShardAnalysis.distribution(owners: afterOwners, nodes: now.scheme.nodes)
    let ideal: Double
    switch change {
    case .added: ideal = 1 / Double(now.scheme.nodes.count)
    case .removed: ideal = before.total == 0 ? 0 : Double(before.keys(on: node)) / Double(before.total)
    }
    let outcome = ShardChangeOutcome(
      report: NodeChangeReport(change: change, before: before, after: after, movement: movement, idealFraction: ideal),
      copiesMoved: moved.written, bytesMoved: moved.written * now.valueSize, messages: moved.messages, lost: moved.lost)
    shards?.lastChange = outcome
    return outcome
  }

  /// Brings every key back to its full number of live copies, on the first live nodes of its
  /// preference list, copying from a live copy.
  public func shardRepair(cancel: () -> Bool = { false }) throws(ShardLabError) -> ShardWriteOutcome {
    _ = try requireLab()
    let outcome = try reconcile(cancel: cancel, skipDown: true)
    return ShardWriteOutcome(
      keys: shards?.keys.count ?? 0, copiesWritten: outcome.written, messages: outcome.messages, failed: outcome.failed,
      distribution: shardDistribution())
  }

  /// Moves one key's directory row to another node (directory scheme only).
  public func shardAssign(_ key: ShardKey, to node: NodeID, cancel: () -> Bool = { false }) throws(ShardLabError)
    -> ShardWriteOutcome
  {
    var lab = try requireLab()
    guard case .directory(var directory) = lab.scheme.shape else {
      throw .notDirectory(lab.scheme.kind)
    }
    try sharding { () throws(ShardingError) in try directory.assign(key, to: node) }
    _ = lab.record(key)
    lab.scheme = directory
    shards = lab
    let outcome = try reconcile(cancel: cancel)
    return ShardWriteOutcome(
      keys: 1, copiesWritten: outcome.written, messages: outcome.messages, failed: outcome.failed,
      distribution: shardDistribution())
  }

  struct ReconcileOutcome {
    var written = 0
    var messages = 0
    var failed = 0
    var lost = 0
  }

  /// Makes the copies on the nodes match what the scheme wants: reads each missing copy from a
  /// live copy (or, for a new key, takes the client's value), writes it to its new node, and
  /// deletes copies the scheme no longer places. With `skipDown`, nodes that are down are
  /// passed over in favour of the next live node of the preference list (repair).
  func reconcile(cancel: () -> Bool, skipDown: Bool = false) throws(ShardLabError) -> ReconcileOutcome {
    guard var lab = shards else { return ReconcileOutcome() }
    var result = ReconcileOutcome()
    var wanted: [[NodeID]] = []
    wanted.reserveCapacity(lab.keys.count)
    for key in lab.keys {
      var want = lab.desired(key)
      if skipDown {
        let preference = lab.scheme.preferenceList(for: key).filter { info($0)?.status == .up }
        var live = want.filter { info($0)?.status == .up }
        for n in preference where live.count < lab.factor && !live.contains(n) { live.append(n) }
        want = live
      }
      wanted.append(want)
    }
    var reads: [NodeID: [Int]] = [:]
    var newKeys: [Int] = []
    var deletes: [NodeID: [Value]] = [:]
    for (i, key) in lab.keys.enumerated() {
      let have = lab.copies[i]
      let want = wanted[i]
      let haveLive = have.filter(isLive)
      if want.allSatisfy({ n in haveLive.contains { $0.node == n } }) && have.count == want.count { continue }
      if have.isEmpty {
        newKeys.append(i)
      } else if let source = haveLive.first {
        reads[source.node, default: []].append(i)
      } else if want.contains(where: { n in !have.contains { $0.node == n } }) {
        result.lost += 1
      }
      for c in have where !want.contains(c.node) && isLive(c) {
        deletes[c.node, default: []].append(.string(ShardLab.storeKey(key)))
      }
    }
    var values: [Int: Value] = [:]
    for i in newKeys { values[i] = .int(Int64(i)) }
    let readRequests = reads.sorted { $0.key < $1.key }.flatMap { node, indices in
      stride(from: 0, to: indices.count, by: Self.shardBatch).map { start -> (NodeID, [Int]) in
        (node, Array(indices[start..<min(start + Self.shardBatch, indices.count)]))
      }
    }
    let readOutcomes = try callAll(
      readRequests.map { node, idx in
        CallRequest(to: node, method: "kv.mget", args: [.list(idx.map { .string(ShardLab.storeKey(lab.keys[$0])) })])
      }, cancel: cancel)
    result.messages += readRequests.count
    for ((_, idx), outcome) in zip(readRequests, readOutcomes) {
      guard case .value(let v) = outcome.result, case .list(let items)? = v.first, items.count == idx.count else {
        result.failed += idx.count
        continue
      }
      for (k, i) in idx.enumerated() where items[k] != .null { values[i] = items[k] }
    }
    var writes: [NodeID: [Int]] = [:]
    for (i, want) in wanted.enumerated() {
      guard values[i] != nil else { continue }
      let haveLive = lab.copies[i].filter(isLive).map(\.node)
      for n in want where !haveLive.contains(n) { writes[n, default: []].append(i) }
    }
    let writeRequests = writes.sorted { $0.key < $1.key }.flatMap { node, indices in
      stride(from: 0, to: indices.count, by: Self.shardBatch).map { start -> (NodeID, [Int]) in
        (node, Array(indices[start..<min(start + Self.shardBatch, indices.count)]))
      }
    }
    let writeOutcomes = try callAll(
      writeRequests.map { node, idx in
        CallRequest(
          to: node, method: "kv.mput",
          args: [.list(idx.flatMap { [Value.string(ShardLab.storeKey(lab.keys[$0])), values[$0] ?? .null] })])
      }, cancel: cancel)
    result.messages += writeRequests.count
    var written: [Int: [NodeID]] = [:]
    for ((node, idx), outcome) in zip(writeRequests, writeOutcomes) {
      guard case .value = outcome.result else {
        result.failed += idx.count
        continue
      }
      for i in idx { written[i, default: []].append(node) }
      result.written += idx.count
    }
    result.messages += try sendBatches(deletes, method: "kv.mdel", cancel: cancel)
    for (i, want) in wanted.enumerated() {
      let keep = lab.copies[i].filter { c in isLive(c) && want.contains(c.node) }
      let added = (written[i] ?? []).map { ShardCopy(node: $0, incarnation: info($0)?.incarnation ?? 0) }
      let dead =
        skipDown
        ? [] : lab.copies[i].filter { c in !isLive(c) && want.contains(c.node) && !(written[i] ?? []).contains(c.node) }
      let all = keep + added + dead
      lab.copies[i] = want.compactMap { n in all.first { $0.node == n } } + all.filter { c in !want.contains(c.node) }
    }
    shards = lab
    return result
  }

  /// Sends list-carrying calls in batches; returns how many messages went out.
  func sendBatches(_ byNode: [NodeID: [Value]], method: String, cancel: () -> Bool) throws(ShardLabError) -> Int {
    let requests = byNode.sorted { $0.key < $1.key }.flatMap { node, items in
      stride(from: 0, to: items.count, by: Self.shardBatch).map { start in
        CallRequest(
          to: node, method: method, args: [.list(Array(items[start..<min(start + Self.shardBatch, items.count)]))])
      }
    }
    _ = try callAll(requests, cancel: cancel)
    return requests.count
  }
}
