import DistLab
import DistLabService

/// `service load`: an open loop at a rate (one tenant's, or several tenants' at once with
/// --mix), or a closed loop of clients; its SLA figures.
enum ServiceLoadCommand {
  static let spec = CommandSpec(
    "load", family: .data, summary: "a load — requests at a rate, or C clients in a closed loop; the SLA figures",
    details: [
      "Open loop: --rate R requests a second, whatever happened to the earlier ones, as users of a",
      "web site arrive. Closed loop: --clients C, each sending its next request --think D after its",
      "last one ended, as a benchmark's fixed pool of connections does. Through a gateway, each",
      "request names a tenant: --tenant T (with its own token, or --token X) or --mix a:R,b:R for",
      "several tenants at once, each at its own rate.",
    ],
    example: ["service start", "service load --rate 50 --for 20s --arrivals poisson"],
    flags: [
      FlagSpec("--rate", .number, placeholder: "R", help: "requests a second (an open loop)"),
      FlagSpec("--clients", .count, placeholder: "C", help: "clients in a closed loop, instead of --rate"),
      FlagSpec("--think", .duration, placeholder: "D", help: "a closed-loop client's pause between requests (0)"),
      FlagSpec("--for", .duration, placeholder: "D", help: "how long (default 10s)"),
      FlagSpec(
        "--balancer", .choice(Balancer.allCases.map(\.rawValue)),
        placeholder: "round-robin|random|least-outstanding", help: "how requests are spread (round-robin)"),
      FlagSpec(
        "--arrivals", .choice(["poisson", "fixed"]), placeholder: "poisson|fixed",
        help: "a Poisson process (default) or evenly spaced (and fixed think times)"),
      FlagSpec("--deadline", .duration, placeholder: "D", help: "a request not answered by then fails (1s)"),
      FlagSpec("--tenant", .text, placeholder: "T", help: "the tenant the requests are sent for (via the gateway)"),
      FlagSpec("--token", .text, placeholder: "X", help: "the token to present instead of the tenant's own"),
      FlagSpec("--method", .choice(ServiceAPI.methods), placeholder: "read|write|admin", help: "the method (read)"),
      FlagSpec("--mix", .text, placeholder: "T:R,…", help: "several tenants at once, each at R requests a second"),
    ],
    action: load)

  static func load(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    try ServiceCommands.running(inv, s)
    let closed = try inv.flagInt("--clients", range: 1...10_000)
    for (flag, other) in [("--clients", "--rate"), ("--mix", "--rate"), ("--mix", "--tenant"), ("--mix", "--clients")]
    where inv.has(flag) && inv.has(other) {
      throw ShellError("\(flag) and \(other) do not go together", column: inv.flags[flag]!.column)
    }
    if inv.has("--think"), closed == nil {
      throw ShellError("--think is a closed-loop client's pause: add --clients C", column: inv.flags["--think"]!.column)
    }
    if inv.has("--token"), !inv.has("--tenant") {
      throw ShellError("--token is presented for a tenant: add --tenant T", column: inv.flags["--token"]!.column)
    }
    let duration = try inv.flagDuration("--for") ?? .seconds(10)
    let method = inv.flags["--method"]?.text ?? "read"
    if let m = inv.flags["--method"], !ServiceAPI.methods.contains(m.text) {
      throw ShellError("--method is read, write or admin, not '\(m.text)'", column: m.column)
    }
    var streams: [LoadStream]
    if let mix = inv.flags["--mix"] {
      streams = try parseMix(mix, method: method)
    } else if closed != nil {
      streams = [
        LoadStream(tenant: inv.flags["--tenant"]?.text, token: inv.flags["--token"]?.text, method: method, rate: 1)
      ]
    } else {
      guard let r = inv.flags["--rate"] else {
        throw ShellError("service load needs --rate R (an open loop) or --clients C (a closed one)", column: inv.column)
      }
      streams = [
        LoadStream(
          tenant: inv.flags["--tenant"]?.text, token: inv.flags["--token"]?.text, method: method,
          rate: try rate(r, what: "--rate"))
      ]
    }
    let total = closed != nil ? 0 : streams.reduce(0) { $0 + $1.rate } * duration.seconds
    guard duration > .zero, duration <= .seconds(86_400), total <= 2_000_000 else {
      throw ShellError(
        "--for is up to 1 day, and at most 2,000,000 requests in all (rate × duration)",
        column: inv.flags["--for"]?.column ?? inv.column)
    }
    try tenancy(inv, s, streams)
    // A tenant's client presents the tenant's own token unless told otherwise.
    for i in streams.indices where streams[i].token == nil {
      streams[i].token = s.service.tenants.first { $0.name == streams[i].tenant }?.token
    }
    var balancer = Balancer.roundRobin
    if let b = inv.flags["--balancer"] {
      guard let found = Balancer(rawValue: b.text) else {
        throw ShellError("--balancer is round-robin, random or least-outstanding, not '\(b.text)'", column: b.column)
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
    let think = try inv.flagDuration("--think") ?? .zero
    let report = try attempt(inv.column) { () throws(WorldError) in
      try s.service.load(
        streams: streams, duration: duration, poisson: poisson, balancer: balancer, deadline: deadline,
        clients: closed ?? 0, think: think, cancel: s.cancel)
    }
    return .service(.loaded(report))
  }

  static func rate(_ t: Token, what: String) throws(ShellError) -> Double {
    guard let rate = Double(t.text), rate.isFinite, rate > 0, rate <= 1_000_000 else {
      throw ShellError("\(what) is requests a second, above 0 and at most 1000000, not '\(t.text)'", column: t.column)
    }
    return rate
  }

  /// `alice:50,bob:400`: a stream per tenant, each at its rate.
  static func parseMix(_ t: Token, method: String) throws(ShellError) -> [LoadStream] {
    var streams: [LoadStream] = []
    for part in t.text.split(separator: ",", omittingEmptySubsequences: false) {
      let pair = part.split(separator: ":", omittingEmptySubsequences: false)
      guard pair.count == 2, !pair[0].isEmpty else {
        throw ShellError("--mix is TENANT:RATE,… like alice:50,bob:400, not '\(t.text)'", column: t.column)
      }
      let name = String(pair[0])
      guard !streams.contains(where: { $0.tenant == name }) else {
        throw ShellError("--mix names '\(name)' twice", column: t.column)
      }
      let r = try rate(Token(String(pair[1]), column: t.column), what: "--mix's rate for \(name)")
      streams.append(LoadStream(tenant: name, method: method, rate: r))
    }
    guard streams.count <= 10 else { throw ShellError("--mix takes at most 10 tenants", column: t.column) }
    return streams
  }

  /// A gateway asks every request for a tenant; without one there are no tenants. A tenant the
  /// operator never added may still be named: the gateway refuses it (401), as a real one does.
  static func tenancy(_ inv: Invocation, _ s: ShellSession, _ streams: [LoadStream]) throws(ShellError) {
    let named = streams.contains { $0.tenant != nil }
    if s.service.gateway == nil, named {
      throw ShellError(
        "tenants need a gateway: 'service start --gateway' puts one in front of the servers",
        column: (inv.flags["--tenant"] ?? inv.flags["--mix"])?.column)
    }
    if s.service.gateway != nil, !named {
      throw ShellError(
        "the gateway asks every request for a tenant: add --tenant T (or --mix T:R,…); 'service tenant T' adds one",
        column: inv.column)
    }
  }
}
