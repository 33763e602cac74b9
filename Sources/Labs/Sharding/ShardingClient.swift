import DistLab

/// The sharding lab's client: it places keys by a scheme and keeps the record of where it put
/// them, and every write, read and move is a real call to the nodes' key/value stores. It
/// uses only the world's public API, and never asks the world which nodes are up: like a real
/// client it learns that a node is down only when a call to it goes unanswered, and that a
/// copy is gone only when the node answers that it has no such key.
public final class ShardingClient {
  /// Largest number of keys one bulk message carries.
  static let shardBatch = 1000
  /// How long the client waits for any one answer before it gives up on that node.
  public static let timeout = Nanoseconds.seconds(1)

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

  func requireNode(_ id: NodeID) throws(ShardLabError) {
    guard world.info(id) != nil else { throw .world(.noNode(id)) }
  }

  /// Makes the calls at once and learns from each outcome which nodes answer.
  func callAll(_ requests: [CallRequest], cancel: () -> Bool) throws(ShardLabError) -> [CallOutcome] {
    var options = CallOptions()
    options.timeout = Self.timeout
    let outcomes: [CallOutcome]
    do {
      outcomes = try world.callAll(requests, options: options, cancel: cancel)
    } catch {
      throw .world(error)
    }
    for o in outcomes {
      switch o.result {
      case .timeout: shards?.unanswered.insert(o.to)
      case .value, .error: shards?.unanswered.remove(o.to)
      case .interrupted: break
      }
    }
    return outcomes
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

  /// Starts the lab with a scheme over `nodes` (the operator chooses them). Refused while the lab
  /// holds keys: `shardClear` first.
  public func shardUse(_ kind: SchemeKind, options: SchemeOptions, nodes ids: [NodeID], valueSize: Int)
    throws(ShardLabError) -> ShardLab
  {
    if let lab = shards, !lab.keys.isEmpty {
      throw .holdsKeys(lab.keys.count)
    }
    let chosen = ids
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
      for c in copies where lab.believedLive(c) {
        deletes[c.node, default: []].append(.string(ShardLab.storeKey(lab.keys[i])))
      }
    }
    _ = try sendBatches(deletes, method: "kv.mdel", cancel: cancel)
    shards = nil
    return lab.keys.count
  }

  /// Places keys in order and writes each one's copies to their nodes, in bulk messages.
  public func shardLoad(_ keys: [ShardKey], cancel: () -> Bool = { false }) throws(ShardLabError) -> ShardWriteOutcome {
    var lab = try requireLab()
    guard !keys.isEmpty else { throw .nothingToLoad }
    guard lab.keys.count + keys.count <= 5_000_000 else { throw .tooManyKeys(limit: 5_000_000) }
    for (i, key) in keys.enumerated() {
      // Placing is the slow part of a huge load: stop within moments when asked, changing
      // nothing (the lab is a copy until it is stored back).
      if Self.stopAsked(at: i, cancel) { throw .interrupted(placed: i, of: keys.count) }
      _ = lab.record(key)
      _ = lab.scheme.place(key)
    }
    let unchanged = shards
    shards = lab
    let outcome: ReconcileOutcome
    do {
      outcome = try reconcile(restoring: unchanged, cancel: cancel)
    } catch .stoppedBeforeSending {
      throw .interrupted(placed: keys.count, of: keys.count)
    }
    return ShardWriteOutcome(
      keys: keys.count, copiesWritten: outcome.written, messages: outcome.messages, failed: outcome.failed,
      distribution: shardDistribution())
  }

  /// Reads a key: asks its copies one at a time, owner first but those whose node went
  /// unanswered last time after the others, until one answers with the value. A node that
  /// does not answer in time costs the whole timeout; one that answers it has no such key
  /// has lost its copy (a restart emptied it), and the record forgets that copy.
  public func shardGet(_ key: ShardKey, cancel: () -> Bool = { false }) throws(ShardLabError) -> ShardReadOutcome {
    let lab = try requireLab()
    let copies = lab.copies(of: key)
    let order = copies.filter(lab.believedLive) + copies.filter { !lab.believedLive($0) }
    var read = ShardReadOutcome(
      key: key, owner: lab.scheme.owner(of: key), copies: copies.map(\.node), attempts: [], servedBy: nil,
      value: nil, took: .zero)
    let start = world.now
    for c in order {
      let call = try call(
        CallRequest(to: c.node, method: "kv.get", args: [.string(ShardLab.storeKey(key))]), cancel: cancel)
      let result: ReadAttempt.Result
      switch call.result {
      case .value(let v) where (v.first ?? .null) == .null:
        result = .missing
        forget(key, on: c.node)
      case .value(let v): result = .value(v.first ?? .null)
      case .error(let e): result = .failed(e)
      case .timeout, .interrupted: result = .noAnswer
      }
      read.attempts.append(ReadAttempt(node: c.node, result: result, waited: call.roundTrip))
      read.took = world.now - start
      if case .value(let v) = result {
        read.servedBy = c.node
        read.value = v
        break
      }
      if call.result == .interrupted { break }
    }
    return read
  }

  /// The record forgets `key`'s copy on `node`: the node said it has none.
  func forget(_ key: ShardKey, on node: NodeID) {
    guard let i = shards?.index[key] else { return }
    shards?.copies[i].removeAll { $0.node == node }
  }

  public func shardWhere(_ key: ShardKey) throws(ShardLabError) -> ShardWhere {
    let lab = try requireLab()
    var e = lab.scheme.explain(key)
    if case .replicated(let r) = lab.scheme.shape { e.replicas = r.replicas(of: key) }
    let copies = lab.copies(of: key)
    return ShardWhere(
      explanation: e, copies: copies, live: copies.map(lab.believedLive), known: lab.index[key] != nil)
  }

  /// Keys per node by owner, over every node of the scheme.
  public func shardDistribution() -> ShardDistribution {
    guard let lab = shards else { return ShardAnalysis.distribution(owners: [], nodes: []) }
    return ShardAnalysis.distribution(owners: lab.keys.map { lab.copies(of: $0).first?.node }, nodes: lab.scheme.nodes)
  }

  /// How many copies of each key the client believes can serve, from what it has seen: a copy
  /// counts unless its node went unanswered when last asked. Sends nothing: `shardCheck`
  /// asks the nodes.
  public func shardHealth() -> ShardHealth {
    guard let lab = shards else {
      return ShardHealth(factor: 1, keys: 0, healthy: 0, underReplicated: 0, unreachable: 0)
    }
    var h = ShardHealth(factor: lab.factor, keys: lab.keys.count, healthy: 0, underReplicated: 0, unreachable: 0)
    for copies in lab.copies { h.count(live: copies.filter(lab.believedLive).count) }
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
    let unchanged = shards
    lab.scheme = scheme
    shards = lab
    let moved = try reconcile(restoring: unchanged, cancel: cancel)
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

  /// Moves one key's directory row to another node (directory scheme only).
  public func shardAssign(_ key: ShardKey, to node: NodeID, cancel: () -> Bool = { false }) throws(ShardLabError)
    -> ShardWriteOutcome
  {
    var lab = try requireLab()
    guard case .directory(var directory) = lab.scheme.shape else {
      throw .notDirectory(lab.scheme.kind)
    }
    _ = try sharding { () throws(ShardingError) in try directory.assign(key, to: node) }
    _ = lab.record(key)
    lab.scheme = directory
    let unchanged = shards
    shards = lab
    let outcome = try reconcile(restoring: unchanged, cancel: cancel)
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
  /// copy it believes live (or, for a new key, takes the client's value), writes it to its new
  /// node, and deletes copies the scheme no longer places. What does not answer in time is
  /// counted as failed and believed down from then on. Interrupted while working out the moves,
  /// it puts back `restoring` (the lab before the change) and throws `stoppedBeforeSending`.
  func reconcile(restoring: ShardLab?, cancel: () -> Bool) throws(ShardLabError) -> ReconcileOutcome {
    guard let start = shards else { return ReconcileOutcome() }
    var result = ReconcileOutcome()
    var wanted: [[NodeID]] = []
    wanted.reserveCapacity(start.keys.count)
    for (i, key) in start.keys.enumerated() {
      if Self.stopAsked(at: i, cancel) {
        shards = restoring
        throw .stoppedBeforeSending
      }
      wanted.append(start.desired(key))
    }
    var reads: [NodeID: [Int]] = [:]
    var newKeys: [Int] = []
    var deletes: [NodeID: [Value]] = [:]
    for (i, key) in start.keys.enumerated() {
      let have = start.copies[i]
      let want = wanted[i]
      let haveLive = have.filter(start.believedLive)
      if want.allSatisfy({ n in haveLive.contains { $0.node == n } }) && have.count == want.count { continue }
      if have.isEmpty {
        newKeys.append(i)
      } else if let source = haveLive.first {
        reads[source.node, default: []].append(i)
      } else if want.contains(where: { n in !have.contains { $0.node == n } }) {
        result.lost += 1
      }
      for c in have where !want.contains(c.node) && start.believedLive(c) {
        deletes[c.node, default: []].append(.string(ShardLab.storeKey(key)))
      }
    }
    var values: [Int: Value] = [:]
    for i in newKeys { values[i] = .int(Int64(i)) }
    let readRequests = batches(reads)
    let readOutcomes = try callAll(
      readRequests.map { node, idx in
        CallRequest(to: node, method: "kv.mget", args: [.list(idx.map { .string(ShardLab.storeKey(start.keys[$0])) })])
      }, cancel: cancel)
    result.messages += readRequests.count
    for ((node, idx), outcome) in zip(readRequests, readOutcomes) {
      guard case .value(let v) = outcome.result, case .list(let items)? = v.first, items.count == idx.count else {
        result.failed += idx.count
        continue
      }
      for (k, i) in idx.enumerated() {
        if items[k] == .null { forget(start.keys[i], on: node) } else { values[i] = items[k] }
      }
    }
    guard var lab = shards else { return result }
    var writes: [NodeID: [Int]] = [:]
    for (i, want) in wanted.enumerated() {
      guard values[i] != nil else { continue }
      let haveLive = lab.copies[i].filter(lab.believedLive).map(\.node)
      for n in want where !haveLive.contains(n) { writes[n, default: []].append(i) }
    }
    let writeRequests = batches(writes)
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
    lab.unanswered = shards?.unanswered ?? lab.unanswered
    for (i, want) in wanted.enumerated() {
      let keep = lab.copies[i].filter { c in lab.believedLive(c) && want.contains(c.node) }
      let added = (written[i] ?? []).map { ShardCopy(node: $0) }
      let silent = lab.copies[i].filter { c in
        !lab.believedLive(c) && want.contains(c.node) && !(written[i] ?? []).contains(c.node)
      }
      let all = keep + added + silent
      lab.copies[i] = want.compactMap { n in all.first { $0.node == n } } + all.filter { c in !want.contains(c.node) }
    }
    shards = lab
    return result
  }

  /// Whether a long loop at step `i` should stop: the cancel closure is asked every 256 steps,
  /// so Ctrl-C or a time limit is noticed within moments even when one step weighs every one
  /// of 20,000 nodes, at a cost too small to measure.
  @inline(__always)
  static func stopAsked(at i: Int, _ cancel: () -> Bool) -> Bool {
    i & 255 == 255 && cancel()
  }

  /// Key positions by node, cut into messages of at most `shardBatch` keys, in node order.
  func batches(_ byNode: [NodeID: [Int]]) -> [(NodeID, [Int])] {
    byNode.sorted { $0.key < $1.key }.flatMap { node, indices in
      stride(from: 0, to: indices.count, by: Self.shardBatch).map { start -> (NodeID, [Int]) in
        (node, Array(indices[start..<min(start + Self.shardBatch, indices.count)]))
      }
    }
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
