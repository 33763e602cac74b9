import DistLab
import Foundation

/// How a load generator spreads requests over the servers.
public enum Balancer: String, Sendable, CaseIterable {
  case roundRobin = "round-robin"
  case random
  /// The server with the fewest requests this generator is still waiting on.
  case leastOutstanding = "least-outstanding"
}

/// What a load generator does: an open loop of requests at `rate` a second for `duration`,
/// arriving as a Poisson process or evenly, each given up after `deadline`.
public struct LoadPlan: Hashable, Sendable {
  public var servers: [NodeID]
  public var rate: Double
  public var duration: Nanoseconds
  public var poisson: Bool
  public var balancer: Balancer
  public var deadline: Nanoseconds

  public init(
    servers: [NodeID], rate: Double, duration: Nanoseconds, poisson: Bool, balancer: Balancer, deadline: Nanoseconds
  ) {
    self.servers = servers
    self.rate = rate
    self.duration = duration
    self.poisson = poisson
    self.balancer = balancer
    self.deadline = deadline
  }

  var value: Value {
    .map([
      "servers": .list(servers.map { .int(Int64($0.number)) }), "rate": .double(rate), "duration": .int(duration.value),
      "poisson": .bool(poisson), "balancer": .string(balancer.rawValue), "deadline": .int(deadline.value),
    ])
  }

  init?(_ v: Value) {
    guard case .double(let rate)? = v["rate"], rate > 0, let d = v["duration"]?.intValue,
      let b = v["balancer"]?.stringValue.flatMap(Balancer.init(rawValue:)), let dl = v["deadline"]?.intValue, dl > 0
    else { return nil }
    self.init(
      servers: (v["servers"]?.listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } }, rate: rate,
      duration: Nanoseconds(d), poisson: v["poisson"] == .bool(true), balancer: b, deadline: Nanoseconds(dl))
  }
}

/// A load generator: it sends requests on its plan's schedule, whatever happened to the earlier
/// ones (an open loop), and records each one's latency and outcome as a client sees them.
public final class LoadGenerator: Service {
  var plan: LoadPlan?
  /// Per request: [latency in ns (−1 when it never came back), outcome: 0 ok, 1 error, 2 timeout].
  var results: [Value] = []
  var outstanding: [NodeID: Int] = [:]
  var next = 0
  var until = Nanoseconds.zero
  /// When the next request is due.
  var arrival = Nanoseconds.zero

  public init() {}

  public static let methods: [ServiceMethod<LoadGenerator>] = [
    ServiceMethod("load.run", [ArgumentSpec("PLAN", .map)], "starts the load") { g, r, node in
      guard let plan = LoadPlan(r.args[0]), !plan.servers.isEmpty else { return .error("not a load plan") }
      g.plan = plan
      g.results = []
      g.until = node.now + plan.duration
      g.arrival = .zero
      g.schedule(node)
      return .value([])
    },
    ServiceMethod(
      "load.results", [ArgumentSpec("FROM", .int)],
      "up to 10,000 requests from FROM on: [latency ns or −1, 0 ok | 1 error | 2 timeout]; and how many there are"
    ) { g, r, _ in
      let from = max(0, min(g.results.count, Int(r.args[0].intValue ?? 0)))
      let page = Array(g.results[from..<min(g.results.count, from + 10_000)])
      return .value([.list(page), .int(Int64(g.results.count))])
    },
  ]

  public func metrics() -> [(String, Double)] { [("requests", Double(results.count))] }

  func gap(_ node: ProgramNode, _ plan: LoadPlan) -> Nanoseconds {
    let mean = 1e9 / plan.rate
    guard plan.poisson else { return Nanoseconds(Int64(mean.rounded())) }
    let u = (Double(node.random() >> 11) + 1) / Double(1 << 53)
    return Nanoseconds(Int64((-log(u) * mean).rounded()))
  }

  /// Sends every request whose arrival time has come — each timed from when it was due, so
  /// that a late wake-up does not hide queueing from the figures (no coordinated omission) —
  /// and sleeps until the next arrival.
  func schedule(_ node: ProgramNode) {
    guard let plan else { return }
    if arrival == .zero { arrival = node.now + gap(node, plan) }
    while arrival <= node.now && arrival < until {
      send(node, due: arrival)
      arrival = arrival + gap(node, plan)
    }
    guard arrival < until else { return }
    _ = node.after(arrival - node.now) { [unowned self] node in self.schedule(node) }
  }

  func pick(_ node: ProgramNode, _ plan: LoadPlan) -> NodeID {
    switch plan.balancer {
    case .roundRobin:
      next += 1
      return plan.servers[(next - 1) % plan.servers.count]
    case .random: return plan.servers[Int(node.random() % UInt64(plan.servers.count))]
    case .leastOutstanding:
      return plan.servers.min { (outstanding[$0] ?? 0, $0) < (outstanding[$1] ?? 0, $1) } ?? plan.servers[0]
    }
  }

  func send(_ node: ProgramNode, due: Nanoseconds) {
    guard let plan else { return }
    let server = pick(node, plan)
    let index = results.count
    results.append(.list([.int(-1), .int(2)]))
    outstanding[server, default: 0] += 1
    let sent = due
    node.call(server, "svc.call", [], options: CallOptions(timeout: plan.deadline)) { [unowned self] node, result in
      self.outstanding[server, default: 1] -= 1
      switch result {
      case .value: self.results[index] = .list([.int((node.now - sent).value), .int(0)])
      case .error: self.results[index] = .list([.int((node.now - sent).value), .int(1)])
      case .timeout: break
      }
    }
  }
}
