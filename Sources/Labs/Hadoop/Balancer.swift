import DistLab

/// One iteration of the HDFS balancer, as its console line reports it.
public struct BalancerIteration: Sendable, Equatable {
  public var iteration: Int
  public var moved: Int64
  public var left: Int64
  public var beingMoved: Int64
}

/// What a balancer run did, and why it stopped.
public struct BalancerRun: Sendable, Equatable {
  public enum End: Sendable, Equatable { case balanced, noMove, iterations }
  public var threshold: Double
  public var iterations: [BalancerIteration]
  public var end: End
  public var took: Nanoseconds
}

/// HDFS's balancer (`hdfs balancer -threshold T`): a client of the NameNode and the DataNodes.
/// Each iteration it reads every live DataNode's utilization (used ÷ capacity), and moves blocks
/// from nodes more than T points above the cluster's average to nodes more than T below it (or,
/// when one side is empty, to or from the nodes beyond the average), never reducing the racks a
/// block is on, at most T% of a node's capacity (and 10 GB) an iteration; then it waits two
/// heartbeats for the new usage to be reported.
extension HDFSClient {
  public func balance(threshold: Double, maxIterations: Int = 20) throws(WorldError) -> Result<BalancerRun, Failure> {
    guard let s = settings, let nn = namenode else { return .failure(.refused("no cluster")) }
    let start = world.now
    var rows: [BalancerIteration] = []
    var moved: Int64 = 0
    for i in 0..<maxIterations {
      guard case .success(let report) = try self.report(), case .success(let fsck) = try self.fsck() else {
        return .failure(.noAnswer(nn))
      }
      let live = report.datanodes.filter { $0.state != "dead" }
      let total = Double(live.count) * Double(s.capacity)
      let avg = total == 0 ? 0 : Double(live.reduce(Int64(0)) { $0 + $1.used }) * 100 / total
      func util(_ d: ClusterReport.DataNode) -> Double { Double(d.used) * 100 / Double(s.capacity) }
      let over = live.filter { util($0) > avg + threshold }
      let under = live.filter { util($0) < avg - threshold }
      if over.isEmpty && under.isEmpty {
        return .success(BalancerRun(threshold: threshold, iterations: rows, end: .balanced, took: world.now - start))
      }
      let sources = over.isEmpty ? live.filter { util($0) > avg } : over
      let targets = under.isEmpty ? live.filter { util($0) < avg } : under
      let left = max(
        over.reduce(Int64(0)) { $0 + Int64((util($1) - avg - threshold) / 100 * Double(s.capacity)) },
        under.reduce(Int64(0)) { $0 + Int64((avg - threshold - util($1)) / 100 * Double(s.capacity)) })
      let limit = min(Int64(threshold / 100 * Double(s.capacity)), 10 << 30)
      var budget: [NodeID: Int64] = [:]
      var gains: [NodeID: Int64] = [:]
      var plan: [(block: Int64, size: Int64, from: NodeID, to: NodeID)] = []
      var holders: [Int64: [NodeID]] = [:]
      var sizes: [Int64: Int64] = [:]
      for b in fsck.files.flatMap(\.blocks) {
        holders[b.info.id] = b.live
        sizes[b.info.id] = b.info.size
      }
      for src in sources {
        let excess = Int64((util(src) - avg) / 100 * Double(s.capacity))
        for b in holders.keys.sorted() where holders[b]!.contains(src.node) {
          guard budget[src.node, default: 0] + sizes[b]! <= min(limit, excess) else { continue }
          let racksBefore = Set(holders[b]!.map { s.rack(of: $0) }).count
          let dest = targets.first { t in
            !holders[b]!.contains(t.node) && gains[t.node, default: 0] + sizes[b]! <= limit
              && Set(holders[b]!.filter { $0 != src.node }.map { s.rack(of: $0) } + [s.rack(of: t.node)]).count
                >= racksBefore
          }
          guard let t = dest else { continue }
          plan.append((b, sizes[b]!, src.node, t.node))
          holders[b] = holders[b]!.filter { $0 != src.node } + [t.node]
          budget[src.node, default: 0] += sizes[b]!
          gains[t.node, default: 0] += sizes[b]!
        }
      }
      if plan.isEmpty {
        return .success(BalancerRun(threshold: threshold, iterations: rows, end: .noMove, took: world.now - start))
      }
      let being = plan.reduce(Int64(0)) { $0 + $1.size }
      rows.append(BalancerIteration(iteration: i, moved: moved, left: left, beingMoved: being))
      let wait = CallOptions(
        timeout: Nanoseconds(Int64(Double(being) / Double(s.balanceBandwidth) * 1e9)) + .seconds(10))
      let outcomes = try world.callAll(
        plan.map { CallRequest(to: $0.from, method: "dn.copy", args: [.int($0.block), .int(Int64($0.to.number))]) },
        options: wait)
      var done: [CallRequest] = []
      for (p, o) in zip(plan, outcomes) {
        guard case .value = o.result else { continue }
        moved += p.size
        done.append(CallRequest(to: nn, method: "nn.moved", args: [.int(p.block), .int(Int64(p.from.number))]))
      }
      if !done.isEmpty { _ = try world.callAll(done, options: options) }
      // Hadoop's balancer sleeps two heartbeat intervals between iterations.
      _ = try world.advance(by: Nanoseconds(2 * s.heartbeat.value))
    }
    return .success(BalancerRun(threshold: threshold, iterations: rows, end: .iterations, took: world.now - start))
  }

  /// Adds DataNodes (with TaskTrackers, on a MapReduce cluster) after the last, on `rack` or
  /// dealt round the racks there are.
  public func add(datanodes count: Int, rack: String?) throws(WorldError) -> [NodeInfo] {
    guard var s = settings else { return [] }
    let first = datanodes.count + 1
    let made = try world.spawn(groups: [
      ((first..<(first + count)).map { "dn\($0)" }, s.jobtracker == nil ? "datanode" : "slave")
    ])
    let racks = Set(s.racks.values).sorted()
    for (i, n) in made.enumerated() {
      s.racks[n.id] = rack ?? (racks.isEmpty ? "/default-rack" : racks[(datanodes.count + i) % racks.count])
    }
    adopt(settings: s, added: made.map(\.id))
    _ = try world.callAll(
      made.map { CallRequest(to: $0.id, method: "dn.configure", args: [s.value]) }, options: options)
    if s.jobtracker != nil {
      _ = try world.callAll(
        made.map { CallRequest(to: $0.id, method: "tt.configure", args: [s.value]) }, options: options)
    }
    _ = try world.advance(by: .milliseconds(10))
    return made
  }
}
