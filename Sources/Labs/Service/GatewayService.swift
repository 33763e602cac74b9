import DistLab

/// The service's front door, as an API gateway is: it identifies the caller by its tenant and
/// token (401 when they do not match), checks the tenant's ACL for the method (403), applies
/// its usage plan — the throttle's token bucket, then the quota (429 either way) — meters what
/// each tenant used, logs every request for audit, and forwards the rest to a server chosen by
/// its balancer. It learns a server is down only when a call to it times out.
public final class GatewayService: Service {
  var servers: [NodeID] = []
  var balancer = Balancer.roundRobin
  var balance = BalancerState()
  /// How long the gateway waits for a server before answering 504.
  var timeout = Nanoseconds.seconds(1)
  var tenants: [String: Tenant] = [:]
  var buckets: [String: TokenBucket] = [:]
  /// Per tenant: the quota window's number and the requests counted in it.
  var windows: [String: (window: Int64, used: Int)] = [:]
  /// Per tenant (or "?" for names it does not know): how many requests ended each way.
  var usage: [String: [Int]] = [:]
  /// Every request as it ended: [time ns, caller, tenant, method, outcome, server or −1, latency ns or −1].
  var audit: [Value] = []
  /// Entries dropped from the front of the log to keep it bounded.
  var rotated = 0
  static let auditLimit = 100_000

  public init() {}

  public static let methods: [ServiceMethod<GatewayService>] = [
    ServiceMethod(
      "gw.configure",
      [ArgumentSpec("SERVERS", .list), ArgumentSpec("BALANCER", .string), ArgumentSpec("TIMEOUT", .duration)],
      "the servers to forward to, the balancer, and how long to wait for a server"
    ) { g, r, _ in
      guard let b = r.args[1].stringValue.flatMap(Balancer.init(rawValue:)) else { return .error("no such balancer") }
      g.servers = (r.args[0].listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } }
      g.balancer = b
      g.timeout = Nanoseconds(max(1, r.args[2].intValue ?? 1_000_000_000))
      return .value([])
    },
    ServiceMethod("gw.tenant", [ArgumentSpec("TENANT", .map)], "adds a tenant or changes its ACL and usage plan") {
      g, r, node in
      guard let t = Tenant(r.args[0]) else { return .error("not a tenant") }
      let old = g.tenants[t.name]
      g.tenants[t.name] = t
      if old?.rate != t.rate || old?.bucket != t.bucket {
        g.buckets[t.name] = t.rate.map { TokenBucket(rate: $0, size: t.bucket ?? 1, now: node.now) }
      }
      return .value([])
    },
    ServiceMethod(
      "gw.call", [ArgumentSpec("TENANT", .key), ArgumentSpec("TOKEN", .key), ArgumentSpec("METHOD", .key)],
      "a request on behalf of a tenant: answered by a server, or refused"
    ) { g, r, node in g.admit(r, node) },
    ServiceMethod("gw.usage", [], "per tenant: [name, requests ended each way, in the order of the outcomes]") {
      g, _, _ in
      .value(g.usage.keys.sorted().map { name in .list([.string(name)] + g.usage[name]!.map { .int(Int64($0)) }) })
    },
    ServiceMethod(
      "gw.audit", [ArgumentSpec("FROM", .int)],
      "up to 10,000 audit entries from FROM on; how many there are; how many were rotated out"
    ) { g, r, _ in
      let from = max(0, min(g.audit.count, Int(r.args[0].intValue ?? 0)))
      let page = Array(g.audit[from..<min(g.audit.count, from + 10_000)])
      return .value([.list(page), .int(Int64(g.audit.count)), .int(Int64(g.rotated))])
    },
  ]

  public func metrics() -> [(String, Double)] {
    [("tenants", Double(tenants.count)), ("audited", Double(audit.count + rotated))]
  }

  /// Identification and authentication, authorization, the usage plan; then a server.
  func admit(_ r: Request, _ node: ProgramNode) -> Answer {
    let name = r.key(0)
    let method = r.key(2)
    let started = node.now
    func refuse(_ o: RequestOutcome) -> Answer {
      record(node, r.caller, name, method, o, server: nil, since: started)
      return .error(o.wire)
    }
    guard let tenant = tenants[name], tenant.token == r.key(1) else { return refuse(.unauthenticated) }
    guard tenant.methods.contains(method) else { return refuse(.forbidden) }
    if buckets[name] != nil, !buckets[name]!.take(at: node.now) { return refuse(.throttled) }
    if let limit = tenant.limit {
      let window = node.now.value / tenant.period.value
      var w = windows[name] ?? (window, 0)
      if w.window != window { w = (window, 0) }
      guard w.used < limit else { return refuse(.overQuota) }
      w.used += 1
      windows[name] = w
    }
    guard !servers.isEmpty else { return refuse(.unavailable) }
    let server = balance.pick(balancer, among: servers, node)
    node.call(server, "svc.call", [.string(method)], options: CallOptions(timeout: timeout)) {
      [unowned self] node, result in
      self.balance.done(server)
      let outcome: RequestOutcome
      switch result {
      case .value(let v):
        outcome = .ok
        node.answer(r, .value(v))
      case .error(let e):
        outcome = .error
        node.answer(r, .error(e))
      case .timeout:
        outcome = .unavailable
        node.answer(r, .error(RequestOutcome.unavailable.wire))
      }
      self.record(node, r.caller, name, method, outcome, server: server, since: started)
    }
    return .later
  }

  func record(
    _ node: ProgramNode, _ caller: NodeID, _ tenant: String, _ method: String, _ o: RequestOutcome, server: NodeID?,
    since: Nanoseconds
  ) {
    // A name the gateway does not know is metered as "?": nobody to bill.
    usage[tenants[tenant] == nil ? "?" : tenant, default: Array(repeating: 0, count: RequestOutcome.allCases.count)][
      o.rawValue] += 1
    if audit.count >= Self.auditLimit {
      audit.removeFirst(Self.auditLimit / 10)
      rotated += Self.auditLimit / 10
    }
    audit.append(
      .list([
        .int(node.now.value), .int(Int64(caller.number)), .string(tenant), .string(method), .int(Int64(o.rawValue)),
        .int(Int64(server?.number ?? -1)), .int(server == nil ? -1 : (node.now - since).value),
      ]))
  }
}
