import DistLab
import DistLabService

/// `service …`: a named set of servers behind a balancer, an open-loop load, and the SLA
/// figures a client sees.
enum ServiceCommands {
  static let spec = CommandSpec(
    "service", family: .data,
    summary: "a service of servers, a load generator, and the SLA figures: latency percentiles, availability",
    details: [
      "Servers srv1, srv2, … each serve one request at a time, in a time drawn from an exponential",
      "distribution (mean --service-time). 'service load' sends --rate requests a second for --for D,",
      "arriving as a Poisson process (or evenly), spread by a balancer, each given up after --deadline.",
    ],
    example: ["service start --servers 2", "service load --rate 100 --for 10s", "expect sla.p99 < 100ms"],
    subcommands: [
      CommandSpec(
        "start", family: .data, summary: "spawn the servers srv1, srv2, …",
        example: ["service start --servers 3 --service-time 5ms"],
        flags: [
          FlagSpec("--servers", .count, placeholder: "N", help: "how many servers (default 1)"),
          FlagSpec("--service-time", .duration, placeholder: "D", help: "mean time to serve a request (10ms)"),
        ],
        action: start),
      CommandSpec(
        "load", family: .data, summary: "an open-loop load: requests at a rate for a while; the SLA figures",
        example: ["service start", "service load --rate 50 --for 20s --arrivals poisson"],
        flags: [
          FlagSpec("--rate", .number, placeholder: "R", help: "requests a second"),
          FlagSpec("--for", .duration, placeholder: "D", help: "how long (default 10s)"),
          FlagSpec(
            "--balancer", .choice(Balancer.allCases.map(\.rawValue)),
            placeholder: "round-robin|random|least-outstanding", help: "how requests are spread (round-robin)"),
          FlagSpec(
            "--arrivals", .choice(["poisson", "fixed"]), placeholder: "poisson|fixed",
            help: "a Poisson process (default) or evenly spaced"),
          FlagSpec("--deadline", .duration, placeholder: "D", help: "a request not answered by then fails (1s)"),
        ],
        action: load),
    ])

  static func start(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    guard s.service.servers.isEmpty else {
      throw ShellError("the service already runs; 'reset' starts over", column: inv.column)
    }
    let count = try inv.flagInt("--servers", range: 1...50) ?? 1
    let mean = try inv.flagDuration("--service-time") ?? .milliseconds(10)
    guard mean >= .microseconds(1), mean <= .seconds(60) else {
      throw ShellError("--service-time is between 1µs and 60s", column: inv.flags["--service-time"]?.column)
    }
    let made = try attempt(inv.column) { () throws(WorldError) in
      try s.service.start(servers: count, meanService: mean)
    }
    return .service(.started(made, mean))
  }

  static func load(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    guard !s.service.servers.isEmpty else {
      throw ShellError("no service yet: 'service start' starts its servers", column: inv.column)
    }
    guard let r = inv.flags["--rate"] else { throw ShellError("service load needs --rate R", column: inv.column) }
    guard let rate = Double(r.text), rate.isFinite, rate > 0, rate <= 1_000_000 else {
      throw ShellError("--rate is requests a second, above 0 and at most 1000000, not '\(r.text)'", column: r.column)
    }
    let duration = try inv.flagDuration("--for") ?? .seconds(10)
    guard duration > .zero, duration <= .seconds(86_400), rate * duration.seconds <= 2_000_000 else {
      throw ShellError(
        "--for is up to 1 day, and at most 2,000,000 requests in all (rate × duration)",
        column: inv.flags["--for"]?.column ?? inv.column)
    }
    var balancer = Balancer.roundRobin
    if let b = inv.flags["--balancer"] {
      guard let found = Balancer(rawValue: b.text) else {
        throw ShellError(
          "--balancer is round-robin, random or least-outstanding, not '\(b.text)'", column: b.column)
      }
      balancer = found
    }
    var poisson = true
    if let a = inv.flags["--arrivals"] {
      guard ["poisson", "fixed"].contains(a.text) else {
        throw ShellError("--arrivals is poisson or fixed, not '\(a.text)'", column: a.column)
      }
      poisson = a.text == "poisson"
    }
    let deadline = try inv.flagDuration("--deadline") ?? .seconds(1)
    guard deadline > .zero else {
      throw ShellError("--deadline is more than 0", column: inv.flags["--deadline"]?.column)
    }
    let report = try attempt(inv.column) { () throws(WorldError) in
      try s.service.load(
        rate: rate, duration: duration, poisson: poisson, balancer: balancer, deadline: deadline, cancel: s.cancel)
    }
    return .service(.loaded(report, rate: rate, balancer: balancer, poisson: poisson))
  }
}

/// What a `service` command did.
public enum ServiceResult: Sendable {
  case started([NodeInfo], Nanoseconds)
  case loaded(SLAReport, rate: Double, balancer: Balancer, poisson: Bool)
}
