import DistLab
import DistLabService

/// `service …`: a named set of servers behind a balancer (and, if asked, a gateway with
/// tenants), a load generator, and the SLA figures a client sees.
enum ServiceCommands {
  static let spec = CommandSpec(
    "service", family: .data,
    summary: "a service of servers, a load generator, and the SLA figures: latency percentiles, availability",
    details: [
      "Servers srv1, srv2, … each serve one request at a time, in a time drawn from an exponential",
      "distribution (mean --service-time). 'service load' sends --rate requests a second for --for D,",
      "arriving as a Poisson process (or evenly), spread by a balancer, each given up after --deadline;",
      "or, with --clients C, runs a closed loop of C clients that each wait for an answer first.",
      "With --gateway, requests go through gw, an API gateway: each names a tenant and its token",
      "(401 when they do not match), the tenant's ACL allows some methods (403 for the rest), its",
      "usage plan throttles it with a token bucket and caps it with a quota (429), and the gateway",
      "meters every tenant ('service usage') and logs every request ('service audit').",
    ],
    example: ["service start --servers 2", "service load --rate 100 --for 10s", "expect sla.p99 < 100ms"],
    subcommands: [
      CommandSpec(
        "start", family: .data, summary: "spawn the servers srv1, srv2, …, and the gateway gw if asked",
        example: ["service start --servers 3 --service-time 5ms"],
        flags: [
          FlagSpec("--servers", .count, placeholder: "N", help: "how many servers (default 1)"),
          FlagSpec("--service-time", .duration, placeholder: "D", help: "mean time to serve a request (10ms)"),
          FlagSpec("--gateway", help: "put an API gateway, gw, in front: tenants, tokens, ACLs, quotas, audit"),
        ],
        action: start),
      CommandSpec(
        "add", family: .data, summary: "add servers to the running service: more replicas behind the balancer",
        example: ["service start --servers 2", "service add"],
        flags: [FlagSpec("--servers", .count, placeholder: "N", help: "how many to add (default 1)")],
        action: add),
      ServiceLoadCommand.spec,
    ] + TenantCommands.specs)

  static func start(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    guard s.service.servers.isEmpty else {
      throw ShellError("the service already runs; 'service add' adds servers, 'reset' starts over", column: inv.column)
    }
    let count = try inv.flagInt("--servers", range: 1...50) ?? 1
    let mean = try inv.flagDuration("--service-time") ?? .milliseconds(10)
    guard mean >= .microseconds(1), mean <= .seconds(60) else {
      throw ShellError("--service-time is between 1µs and 60s", column: inv.flags["--service-time"]?.column)
    }
    let made = try attempt(inv.column) { () throws(WorldError) in
      try s.service.start(servers: count, meanService: mean, gateway: inv.has("--gateway"))
    }
    return .service(.started(made, mean, gateway: inv.has("--gateway")))
  }

  static func add(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    try running(inv, s)
    let count = try inv.flagInt("--servers", range: 1...50) ?? 1
    guard s.service.servers.count + count <= 100 else {
      throw ShellError("a service has at most 100 servers", column: inv.flags["--servers"]?.column ?? inv.column)
    }
    let made = try attempt(inv.column) { () throws(WorldError) in try s.service.add(servers: count) }
    return .service(.added(made, total: s.service.servers.count))
  }

  /// Refuses a command that needs the service when it has not been started.
  static func running(_ inv: Invocation, _ s: ShellSession) throws(ShellError) {
    guard !s.service.servers.isEmpty else {
      throw ShellError("no service yet: 'service start' starts its servers", column: inv.column)
    }
  }
}

/// What a `service` command did.
public enum ServiceResult: Sendable {
  case started([NodeInfo], Nanoseconds, gateway: Bool)
  case added([NodeInfo], total: Int)
  case loaded(LoadReport)
  case tenant(Tenant, new: Bool)
  case plan(Tenant)
  case tenants([Tenant])
  case usage([TenantUsage])
  /// The last `shown` entries matching the filter, of `matching`; `rotated` older ones are gone.
  case audit([AuditEntry], matching: Int, rotated: Int)
}
