import DistLab

/// What the NameNode does on its own, every `dfs.namenode.redundancy.interval.seconds`: once a
/// recheck interval, declare DataNodes dead whose last heartbeat is older than
/// 2 × recheck + 10 × heartbeat (Hadoop's HeartbeatManager), forgetting their replicas; then,
/// out of safe mode, schedule copies of blocks with too few live replicas (at most
/// `maxStreams` from one source at a time, and live nodes × 2 blocks a round, as Hadoop's
/// RedundancyMonitor does) and deletions of surplus and corrupt replicas.
extension NameNodeService {
  /// `dfs.namenode.reconstruction.pending.timeout-sec`: a scheduled copy not reported by then
  /// is scheduled again.
  static let pendingTimeout = Nanoseconds.seconds(300)
  /// `dfs.namenode.replication.work.multiplier.per.iteration`.
  static let workMultiplier = 2

  func tick(_ node: ProgramNode) {
    guard let s = settings else { return }
    checkSafeMode(node)
    // Hadoop skips the dead-node check, and all replication work, in startup safe mode.
    guard !safeMode else { return }
    if node.now - lastDeadCheck >= s.recheck {
      lastDeadCheck = node.now
      heartbeatCheck(node)
    }
    finishDecommissions(node)
    for (b, list) in pending {
      let kept = list.filter { node.now - $0.since < Self.pendingTimeout && live($0.target) }
      if kept.count < list.count { suspects.insert(b) }
      pending[b] = kept.isEmpty ? nil : kept
    }
    scheduleRedundancy(node)
  }

  func heartbeatCheck(_ node: ProgramNode) {
    guard let s = settings else { return }
    for id in datanodes.keys.sorted() {
      guard var d = datanodes[id], !d.dead, node.now - d.last > s.deadAfter else { continue }
      d.dead = true
      datanodes[id] = d
      suspects.formUnion(held(by: id))
      for b in locations.keys { locations[b]?.remove(id) }
      for b in corrupt.keys { corrupt[b]?.remove(id) }
      commands[id] = nil
      node.event("hdfs.dead", [.int(Int64(id.number)), .int((node.now - d.last).value)])
    }
  }

  func scheduleRedundancy(_ node: ProgramNode) {
    guard let s = settings, !suspects.isEmpty else { return }
    // A block with its full replication (counting copies under way) and no corrupt replica needs
    // nothing, however many DataNodes live: the common case — every block just written — is let
    // go here without listing the live DataNodes, which every tick would otherwise do.
    let blocks = ns.blocks
    suspects = suspects.filter { b in
      guard let info = blocks[b], corrupt[b]?.isEmpty ?? true else { return blocks[b] != nil }
      let good = replicas(b).count
      return good > info.replication || good + (pending[b]?.count ?? 0) < info.replication
    }
    guard !suspects.isEmpty else { return }
    let live = datanodes.keys.sorted().filter { self.live($0) && inService($0) }
    var streams: [NodeID: Int] = [:]
    for list in pending.values { for p in list { streams[p.source, default: 0] += 1 } }
    var budget = live.count * Self.workMultiplier
    for b in suspects.sorted() {
      guard let info = blocks[b] else {
        suspects.remove(b)
        continue
      }
      // Looked at: it stays a suspect only while it still needs work.
      defer {
        let scheduled = pending[b]?.count ?? 0
        let short = replicas(b).count + scheduled < min(info.replication, live.count)
        if !short && (corrupt[b] ?? []).isEmpty { suspects.remove(b) }
      }
      let good = replicas(b)
      let want = min(info.replication, live.count)
      let scheduled = pending[b]?.count ?? 0
      // A decommissioning DataNode is the preferred source of the copies that replace it.
      let draining = readable(b).filter { !good.contains($0) }
      if good.count + scheduled < want, budget > 0, !(good + draining).isEmpty {
        guard let source = (draining + good).first(where: { streams[$0, default: 0] < s.maxStreams }) else {
          continue
        }
        let busy: [NodeID] = (pending[b] ?? []).map(\.target)
        // Never onto a node holding the block, about to, or holding a corrupt copy of it.
        let bad = corrupt[b] ?? []
        let pool: [NodeID] = live.filter {
          !good.contains($0) && !busy.contains($0) && !bad.contains($0) && !draining.contains($0)
        }
        let policy = PlacementPolicy(
          candidates: pool.map { (node: $0, rack: rackNumber($0)) }, rack: { [unowned self] in self.rackNumber($0) },
          random: node.random)
        let targets = policy.choose(
          want - good.count - scheduled, writer: nil, existing: good + busy, total: info.replication)
        guard !targets.isEmpty else { continue }
        budget -= 1
        streams[source, default: 0] += 1
        let list: [Value] = targets.map { .int(Int64($0.number)) }
        queue(source, .list([.string("transfer"), .int(b), .list(list)]))
        pending[b, default: []] += targets.map { (source: source, target: $0, since: node.now) }
        node.event("hdfs.replicate", [.int(b), .int(Int64(source.number)), .list(list)])
      } else if good.count > info.replication {
        // The surplus goes from the rack holding the most replicas, then the fullest node.
        let extra = excess(good, keep: info.replication)
        for n in extra {
          locations[b]?.remove(n)
          queue(n, .list([.string("delete"), .int(b)]))
        }
      }
      if let bad = corrupt[b], !bad.isEmpty, good.count >= min(info.replication, live.count) {
        for n in bad.sorted() where self.live(n) { queue(n, .list([.string("delete"), .int(b)])) }
        corrupt[b] = nil
      }
    }
  }

  func excess(_ holders: [NodeID], keep: Int) -> [NodeID] {
    var left = holders
    var out: [NodeID] = []
    while left.count > keep {
      let byRack = Dictionary(grouping: left, by: rack)
      let crowded = byRack.values.max { ($0.count, rack($1[0])) < ($1.count, rack($0[0])) } ?? left
      let pick = crowded.max { (datanodes[$0]?.used ?? 0, $1) < (datanodes[$1]?.used ?? 0, $0) } ?? crowded[0]
      out.append(pick)
      left.removeAll { $0 == pick }
    }
    return out
  }

  /// A decommissioning DataNode is decommissioned once every block it holds has its full
  /// replication on nodes in service.
  func finishDecommissions(_ node: ProgramNode) {
    guard datanodes.values.contains(where: { $0.decommission == .inProgress }) else { return }
    let blocks = ns.blocks
    for id in datanodes.keys.sorted() where datanodes[id]?.decommission == .inProgress && live(id) {
      let held = blocks.keys.filter { locations[$0]?.contains(id) == true }
      let inService = datanodes.keys.filter { live($0) && self.inService($0) }.count
      guard held.allSatisfy({ b in replicas(b).count >= min(blocks[b]!.replication, inService) }) else { continue }
      datanodes[id]?.decommission = .done
      node.event("hdfs.decommissioned", [.int(Int64(id.number))])
    }
  }
}
