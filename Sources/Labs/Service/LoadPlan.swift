import DistLab

/// One stream of a load: requests for `method` at `rate` a second (an open loop), on behalf of
/// a tenant with its token when the service has a gateway.
public struct LoadStream: Hashable, Sendable {
  public var tenant: String?
  public var token: String?
  public var method: String
  public var rate: Double

  public init(tenant: String? = nil, token: String? = nil, method: String = "read", rate: Double) {
    self.tenant = tenant
    self.token = token
    self.method = method
    self.rate = rate
  }

  var value: Value {
    .list([.string(tenant ?? ""), .string(token ?? ""), .string(method), .double(rate)])
  }

  init?(_ v: Value) {
    guard let l = v.listValue, l.count == 4, let t = l[0].stringValue, let k = l[1].stringValue,
      let m = l[2].stringValue, case .double(let rate) = l[3]
    else { return nil }
    self.init(tenant: t.isEmpty ? nil : t, token: k.isEmpty ? nil : k, method: m, rate: rate)
  }
}

/// What a load generator does for `duration`: an open loop of its streams, each arriving as a
/// Poisson process or evenly; or, with `clients` above 0, a closed loop of that many clients,
/// each sending its next request `think` after the last one ended. Every request is given up
/// after `deadline`. Requests go to the gateway when there is one, else straight to the
/// servers, spread by the balancer.
public struct LoadPlan: Hashable, Sendable {
  public var servers: [NodeID]
  public var gateway: NodeID?
  public var streams: [LoadStream]
  public var duration: Nanoseconds
  public var poisson: Bool
  public var balancer: Balancer
  public var deadline: Nanoseconds
  public var clients: Int
  public var think: Nanoseconds

  public init(
    servers: [NodeID], gateway: NodeID? = nil, streams: [LoadStream], duration: Nanoseconds, poisson: Bool,
    balancer: Balancer, deadline: Nanoseconds, clients: Int = 0, think: Nanoseconds = .zero
  ) {
    self.servers = servers
    self.gateway = gateway
    self.streams = streams
    self.duration = duration
    self.poisson = poisson
    self.balancer = balancer
    self.deadline = deadline
    self.clients = clients
    self.think = think
  }

  /// Whether clients wait for each answer before sending again.
  public var isClosed: Bool { clients > 0 }

  var value: Value {
    .map([
      "servers": .list(servers.map { .int(Int64($0.number)) }), "gateway": .int(Int64(gateway?.number ?? -1)),
      "streams": .list(streams.map(\.value)), "duration": .int(duration.value), "poisson": .bool(poisson),
      "balancer": .string(balancer.rawValue), "deadline": .int(deadline.value), "clients": .int(Int64(clients)),
      "think": .int(think.value),
    ])
  }

  init?(_ v: Value) {
    guard let d = v["duration"]?.intValue, let b = v["balancer"]?.stringValue.flatMap(Balancer.init(rawValue:)),
      let dl = v["deadline"]?.intValue, dl > 0, let streams = v["streams"]?.listValue?.compactMap(LoadStream.init),
      !streams.isEmpty, let g = v["gateway"]?.intValue
    else { return nil }
    self.init(
      servers: (v["servers"]?.listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } },
      gateway: g < 0 ? nil : NodeID(Int(g)), streams: streams, duration: Nanoseconds(d),
      poisson: v["poisson"] == .bool(true), balancer: b, deadline: Nanoseconds(dl),
      clients: Int(v["clients"]?.intValue ?? 0), think: Nanoseconds(v["think"]?.intValue ?? 0))
  }
}
