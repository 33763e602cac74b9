import DistLab

/// What a check of the nodes found: the health the client now believes, and a value for
/// every key some node answered with (what a repair copies).
public struct ShardCheck: Sendable {
  public var health: ShardHealth
  /// Messages the check sent.
  public var messages: Int
  /// Nodes that did not answer in time.
  public var silent: [NodeID]
  /// Copies nodes answered they do not have (emptied by a restart).
  public var lost: Int
  var values: [Int: Value]
}

extension ShardingClient {
  /// Asks every node for the copies the record says it holds, all at once, in bulk reads. A
  /// node that does not answer in time is believed down; a copy a node answers it does not
  /// have is forgotten. Costs messages, and the timeout when any node is silent: the price of
  /// knowing instead of assuming.
  public func shardCheck(cancel: () -> Bool = { false }) throws(ShardLabError) -> ShardCheck {
    let lab = try requireLab()
    var asked: [NodeID: [Int]] = [:]
    for (i, copies) in lab.copies.enumerated() {
      for c in copies { asked[c.node, default: []].append(i) }
    }
    let requests = batches(asked)
    let outcomes = try callAll(
      requests.map { node, idx in
        CallRequest(to: node, method: "kv.mget", args: [.list(idx.map { .string(ShardLab.storeKey(lab.keys[$0])) })])
      }, cancel: cancel)
    var values: [Int: Value] = [:]
    var lost = 0
    var silent = Set<NodeID>()
    for ((node, idx), outcome) in zip(requests, outcomes) {
      guard case .value(let v) = outcome.result, case .list(let items)? = v.first, items.count == idx.count else {
        if case .timeout = outcome.result { silent.insert(node) }
        continue
      }
      for (k, i) in idx.enumerated() {
        if items[k] == .null {
          forget(lab.keys[i], on: node)
          lost += 1
        } else if values[i] == nil {
          values[i] = items[k]
        }
      }
    }
    return ShardCheck(
      health: shardHealth(), messages: requests.count, silent: silent.sorted(), lost: lost, values: values)
  }

  /// Brings every key back to its full number of copies: checks the nodes first, then writes
  /// each key that has too few answering copies, with a value a node answered with, to the
  /// next nodes of its preference list that answered (or were not asked).
  public func shardRepair(cancel: () -> Bool = { false }) throws(ShardLabError) -> (
    check: ShardCheck, outcome: ShardWriteOutcome
  ) {
    let check = try shardCheck(cancel: cancel)
    guard let lab = shards else { throw .cleared }
    var writes: [NodeID: [Int]] = [:]
    var failed = 0
    for (i, key) in lab.keys.enumerated() {
      // The check has been made (and what it learned is kept); no copy has been written yet.
      if Self.stopAsked(at: i, cancel) { throw .stoppedAfterCheck }
      let live = lab.copies[i].filter(lab.believedLive).map(\.node)
      guard live.count < lab.factor else { continue }
      // With no copy answering, there is nothing to copy from: the key stays unreachable.
      guard check.values[i] != nil else { continue }
      let targets = lab.scheme.preferred(for: key, count: lab.factor - live.count) {
        !live.contains($0) && !lab.unanswered.contains($0)
      }
      for n in targets { writes[n, default: []].append(i) }
    }
    let requests = batches(writes)
    let outcomes = try callAll(
      requests.map { node, idx in
        CallRequest(
          to: node, method: "kv.mput",
          args: [.list(idx.flatMap { [Value.string(ShardLab.storeKey(lab.keys[$0])), check.values[$0] ?? .null] })])
      }, cancel: cancel)
    var written = 0
    for ((node, idx), outcome) in zip(requests, outcomes) {
      guard case .value = outcome.result else {
        failed += idx.count
        continue
      }
      for i in idx {
        shards?.copies[i].removeAll { $0.node == node }
        shards?.copies[i].append(ShardCopy(node: node))
      }
      written += idx.count
    }
    let outcome = ShardWriteOutcome(
      keys: lab.keys.count, copiesWritten: written, messages: check.messages + requests.count, failed: failed,
      distribution: shardDistribution())
    return (check, outcome)
  }
}
