import DistLab

/// A load generator: in an open loop it sends each stream's requests on schedule, whatever
/// happened to the earlier ones; in a closed loop each of its clients waits for an answer (or
/// the deadline) and a think time before sending again. It records every request's latency and
/// outcome as a client sees them.
public final class LoadGenerator: Service {
  var plan: LoadPlan?
  /// Per request: [latency in ns (−1 when it never came back), outcome, stream].
  var results: [Value] = []
  var balance = BalancerState()
  var until = Nanoseconds.zero
  /// Per stream, when its next request is due.
  var arrivals: [Nanoseconds] = []

  public init() {}

  public static let methods: [ServiceMethod<LoadGenerator>] = [
    ServiceMethod("load.run", [ArgumentSpec("PLAN", .map)], "starts the load") { g, r, node in
      guard let plan = LoadPlan(r.args[0]), plan.gateway != nil || !plan.servers.isEmpty else {
        return .error("not a load plan")
      }
      g.plan = plan
      g.results = []
      g.until = node.now + plan.duration
      if plan.isClosed {
        for client in 0..<plan.clients {
          g.send(node, stream: client % plan.streams.count, due: node.now, client: true)
        }
      } else {
        g.arrivals = plan.streams.map { node.now + g.gap(node, plan, $0) }
        g.schedule(node)
      }
      return .value([])
    },
    ServiceMethod(
      "load.results", [ArgumentSpec("FROM", .int)],
      "up to 10,000 requests from FROM on: [latency ns or −1, outcome, stream]; and how many there are"
    ) { g, r, _ in
      let from = max(0, min(g.results.count, Int(r.args[0].intValue ?? 0)))
      let page = Array(g.results[from..<min(g.results.count, from + 10_000)])
      return .value([.list(page), .int(Int64(g.results.count))])
    },
  ]

  public func metrics() -> [(String, Double)] { [("requests", Double(results.count))] }

  func gap(_ node: ProgramNode, _ plan: LoadPlan, _ s: LoadStream) -> Nanoseconds {
    let mean = 1e9 / s.rate
    return plan.poisson ? exponential(node, mean: mean) : Nanoseconds(Int64(mean.rounded()))
  }

  /// Sends every request whose arrival time has come — each timed from when it was due, so
  /// that a late wake-up does not hide queueing from the figures (no coordinated omission) —
  /// and sleeps until the next arrival of any stream.
  func schedule(_ node: ProgramNode) {
    guard let plan else { return }
    while let i = arrivals.indices.min(by: { (arrivals[$0], $0) < (arrivals[$1], $1) }), arrivals[i] <= node.now,
      arrivals[i] < until
    {
      send(node, stream: i, due: arrivals[i], client: false)
      arrivals[i] = arrivals[i] + gap(node, plan, plan.streams[i])
    }
    guard let next = arrivals.filter({ $0 < until }).min() else { return }
    _ = node.after(next - node.now) { [unowned self] node in self.schedule(node) }
  }

  func send(_ node: ProgramNode, stream: Int, due: Nanoseconds, client: Bool) {
    guard let plan else { return }
    let s = plan.streams[stream]
    let index = results.count
    results.append(.list([.int(-1), .int(Int64(RequestOutcome.timeout.rawValue)), .int(Int64(stream))]))
    let to: NodeID
    let method: String
    let args: [Value]
    var server: NodeID?
    if let gateway = plan.gateway {
      (to, method, args) = (gateway, "gw.call", [.string(s.tenant ?? ""), .string(s.token ?? ""), .string(s.method)])
    } else {
      server = balance.pick(plan.balancer, among: plan.servers, node)
      (to, method, args) = (server!, "svc.call", [.string(s.method)])
    }
    node.call(to, method, args, options: CallOptions(timeout: plan.deadline)) { [unowned self] node, result in
      if let server { self.balance.done(server) }
      let outcome: RequestOutcome?
      switch result {
      case .value: outcome = .ok
      case .error(let e): outcome = RequestOutcome(wire: e) ?? .error
      case .timeout: outcome = nil
      }
      if let outcome {
        self.results[index] = .list([
          .int((node.now - due).value), .int(Int64(outcome.rawValue)), .int(Int64(stream)),
        ])
      }
      guard client, node.now < self.until else { return }
      let think =
        plan.think == .zero ? .zero : plan.poisson ? exponential(node, mean: Double(plan.think.value)) : plan.think
      _ = node.after(think) { [unowned self] node in
        guard node.now < self.until else { return }
        self.send(node, stream: stream, due: node.now, client: true)
      }
    }
  }
}
