import DistLab

/// The service lab's client, the service's operator: it starts the servers (and a gateway),
/// adds replicas, sets tenants up, runs load generators and turns what they recorded into SLA
/// figures. What it knows of tenants is what it configured; usage and audit it asks the gateway.
public final class ServiceClient {
  public let world: World
  let generation: Int
  public private(set) var servers: [NodeID] = []
  public private(set) var gateway: NodeID?
  public private(set) var meanService = Nanoseconds.milliseconds(10)
  public private(set) var generators: [NodeID] = []
  /// The tenants as configured, in the order they were added.
  public private(set) var tenants: [Tenant] = []
  /// The figures of the last load.
  public private(set) var lastReport: LoadReport?
  /// How long the gateway waits for a server before answering 504.
  public static let gatewayTimeout = Nanoseconds.seconds(1)

  public static let roles = [
    Role("server", summary: "serves one request at a time, exponential service times", services: { [ServerService()] }),
    Role(
      "loadgen", summary: "an open- or closed-loop load generator recording latencies", services: { [LoadGenerator()] }),
    Role(
      "gateway", summary: "a service's front door: tokens, ACLs, throttles, quotas, metering, audit",
      services: { [GatewayService()] }),
  ]

  public required init(world: World) {
    self.world = world
    generation = world.generation
  }

  public var isStale: Bool { world.generation != generation }

  /// Spawns servers `srv1`… with a mean service time, and the gateway `gw` if asked.
  public func start(servers count: Int, meanService: Nanoseconds, gateway: Bool) throws(WorldError) -> [NodeInfo] {
    let made = try world.spawn(groups: [
      ((1...count).map { "srv\($0)" }, "server"), (gateway ? ["gw"] : [], "gateway"),
    ])
    self.meanService = meanService
    self.gateway = gateway ? made.last?.id : nil
    try configure(Array(made.prefix(count)))
    return made
  }

  /// Adds `count` servers after the last, configured as the others are.
  public func add(servers count: Int) throws(WorldError) -> [NodeInfo] {
    let first = servers.count + 1
    let made = try world.spawn(groups: [((first..<(first + count)).map { "srv\($0)" }, "server")])
    try configure(made)
    return made
  }

  func configure(_ made: [NodeInfo]) throws(WorldError) {
    servers += made.map(\.id)
    _ = try world.callAll(
      made.map { CallRequest(to: $0.id, method: "svc.configure", args: [.int(meanService.value)]) },
      options: CallOptions())
  }

  /// Adds a tenant, or changes the ACL of one; a new tenant without a token is given one.
  /// Nil when the gateway did not take it.
  public func tenant(_ name: String, token: String?, methods: [String]?) throws(WorldError) -> Tenant? {
    var t =
      tenants.first { $0.name == name }
      ?? Tenant(name: name, token: token ?? Self.token(for: name, seed: world.seed), methods: ServiceAPI.methods)
    if let token { t.token = token }
    if let methods { t.methods = methods }
    return try push(t) ? t : nil
  }

  /// Sets a tenant's usage plan; nil when there is no such tenant or the gateway did not take it.
  public func plan(
    _ name: String, rate: Double?, burst: Int?, limit: Int?, period: Nanoseconds?
  ) throws(WorldError) -> Tenant? {
    guard var t = tenants.first(where: { $0.name == name }) else { return nil }
    t.rate = rate
    t.burst = rate == nil ? nil : burst
    t.limit = limit
    t.period = period ?? .seconds(86_400)
    return try push(t) ? t : nil
  }

  func push(_ t: Tenant) throws(WorldError) -> Bool {
    guard let gateway else { return false }
    let outcome = try world.call(to: gateway, method: "gw.tenant", args: [t.value], options: CallOptions())
    guard case .value = outcome.result else { return false }
    if let i = tenants.firstIndex(where: { $0.name == t.name }) { tenants[i] = t } else { tenants.append(t) }
    return true
  }

  /// A credential that looks like one and is the same for the same seed: `tk-` and 12 hex digits.
  static func token(for name: String, seed: UInt64) -> String {
    var h = FNV1a.hash(name, basis: FNV1a.offsetBasis ^ seed)
    h ^= h >> 29
    h &*= 0xbf58_476d_1ce4_e5b9
    return "tk-" + String(String(h, radix: 16).suffix(12)).leftPadded(to: 12)
  }

  /// The gateway's metering, per tenant; nil when it did not answer.
  public func usage() throws(WorldError) -> [TenantUsage]? {
    guard let gateway else { return nil }
    let outcome = try world.call(to: gateway, method: "gw.usage", args: [], options: CallOptions())
    guard case .value(let rows) = outcome.result else { return nil }
    return rows.compactMap(TenantUsage.init)
  }

  /// The gateway's audit log, oldest first, and how many older entries it rotated out; nil when
  /// it did not answer.
  public func audit() throws(WorldError) -> (entries: [AuditEntry], rotated: Int)? {
    guard let gateway else { return nil }
    var entries: [AuditEntry] = []
    var rotated = 0
    while true {
      let outcome = try world.call(
        to: gateway, method: "gw.audit", args: [.int(Int64(entries.count))], options: CallOptions())
      guard case .value(let v) = outcome.result, v.count == 3, let page = v[0].listValue else { return nil }
      entries += page.compactMap(AuditEntry.init)
      rotated = Int(v[2].intValue ?? 0)
      if page.isEmpty || entries.count >= Int(v[1].intValue ?? 0) { break }
    }
    return (entries, rotated)
  }

  /// Spawns a load generator (`gen1`, `gen2`, … one per load), runs `plan` to its end and
  /// reads what it recorded. Through a gateway, the gateway is first told the servers and the
  /// balancer.
  public func load(
    streams: [LoadStream], duration: Nanoseconds, poisson: Bool, balancer: Balancer, deadline: Nanoseconds,
    clients: Int = 0, think: Nanoseconds = .zero, cancel: () -> Bool
  ) throws(WorldError) -> LoadReport {
    if let gateway {
      _ = try world.call(
        to: gateway, method: "gw.configure",
        args: [
          .list(servers.map { .int(Int64($0.number)) }), .string(balancer.rawValue), .int(Self.gatewayTimeout.value),
        ], options: CallOptions())
    }
    let name = "gen\(generators.count + 1)"
    let gen = try world.spawn(count: 1, names: [name], roles: ["loadgen"])[0].id
    generators.append(gen)
    let plan = LoadPlan(
      servers: servers, gateway: gateway, streams: streams, duration: duration, poisson: poisson, balancer: balancer,
      deadline: deadline, clients: clients, think: think)
    _ = try world.call(to: gen, method: "load.run", args: [plan.value], options: CallOptions())
    _ = try world.advance(by: duration + deadline + .milliseconds(10), cancel: cancel)
    // A frame's list holds at most 65,535 values: the results come in pages.
    var rows: [(latency: Int64, outcome: RequestOutcome, stream: Int)] = []
    while true {
      let outcome = try world.call(
        to: gen, method: "load.results", args: [.int(Int64(rows.count))], options: CallOptions())
      guard case .value(let v) = outcome.result, v.count == 2, let page = v[0].listValue, !page.isEmpty else { break }
      for r in page {
        guard let l = r.listValue, l.count == 3, let ns = l[0].intValue,
          let o = l[1].intValue.flatMap({ RequestOutcome(rawValue: Int($0)) }), let s = l[2].intValue
        else { continue }
        rows.append((ns, o, Int(s)))
      }
      if rows.count >= Int(v[1].intValue ?? 0) { break }
    }
    func sla(_ rows: [(latency: Int64, outcome: RequestOutcome, stream: Int)]) -> SLAReport {
      SLAReport(rows.map { ($0.latency, $0.outcome) }, duration: duration, deadline: deadline)
    }
    let report = LoadReport(
      plan: plan, overall: sla(rows), streams: streams.indices.map { i in sla(rows.filter { $0.stream == i }) })
    lastReport = report
    return report
  }
}

/// What the gateway metered for one tenant: how many of its requests ended each way. Only
/// served requests are billed.
public struct TenantUsage: Sendable, Equatable {
  public var tenant: String
  /// Indexed by `RequestOutcome.rawValue`.
  public var outcomes: [Int]

  init?(_ v: Value) {
    guard let l = v.listValue, l.count == RequestOutcome.allCases.count + 1, let name = l[0].stringValue else {
      return nil
    }
    tenant = name
    outcomes = l.dropFirst().map { Int($0.intValue ?? 0) }
  }

  public func count(_ o: RequestOutcome) -> Int { outcomes[o.rawValue] }
  public var received: Int { outcomes.reduce(0, +) }
  public var billed: Int { count(.ok) }
}

/// One line of the gateway's audit log: who called what, when, and how it ended.
public struct AuditEntry: Sendable, Equatable {
  public var time: Nanoseconds
  public var caller: NodeID
  public var tenant: String
  public var method: String
  public var outcome: RequestOutcome
  public var server: NodeID?
  public var latency: Nanoseconds?

  init?(_ v: Value) {
    guard let l = v.listValue, l.count == 7, let t = l[0].intValue, let c = l[1].intValue,
      let tenant = l[2].stringValue, let method = l[3].stringValue,
      let o = l[4].intValue.flatMap({ RequestOutcome(rawValue: Int($0)) }), let s = l[5].intValue,
      let lat = l[6].intValue
    else { return nil }
    time = Nanoseconds(t)
    caller = NodeID(Int(c))
    self.tenant = tenant
    self.method = method
    outcome = o
    server = s < 0 ? nil : NodeID(Int(s))
    latency = lat < 0 ? nil : Nanoseconds(lat)
  }
}

extension String {
  fileprivate func leftPadded(to n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
