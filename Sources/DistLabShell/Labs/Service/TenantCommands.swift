import DistLab
import DistLabService

/// `service tenant|quota|tenants|usage|audit`: identities, ACLs and usage plans at the gateway,
/// and what it metered and logged.
enum TenantCommands {
  static let specs = [
    CommandSpec(
      "tenant", family: .data, summary: "add a tenant at the gateway (it is given a token), or change its ACL",
      details: [
        "A new tenant may call every method (read, write, admin) unless --methods says which;",
        "--methods none allows none. Its token is made from the world's seed unless --token sets it.",
      ],
      example: ["service start --gateway", "service tenant alice --methods read,write"],
      positionals: [Positional("NAME", .text)],
      flags: [
        FlagSpec("--methods", .text, placeholder: "M,…", help: "the methods it may call: read, write, admin, or none"),
        FlagSpec("--token", .text, placeholder: "X", help: "its token (a new tenant's is made from the seed)"),
      ],
      action: tenant),
    CommandSpec(
      "quota", family: .data, summary: "a tenant's usage plan: a throttle (token bucket) and a quota",
      details: [
        "As an API gateway's usage plan: --rate R refills the tenant's token bucket at R requests a second",
        "and --burst B is its size (default: one second's worth); an empty bucket answers 429. --limit N",
        "allows N requests each --per D (a day by default, counted from time 0); past it, 429 too.",
        "--off removes both.",
      ],
      example: ["service start --gateway", "service tenant bob", "service quota bob --rate 20 --burst 5"],
      positionals: [Positional("NAME", .text, .optional)],
      flags: [
        FlagSpec("--rate", .number, placeholder: "R", help: "the throttle's steady rate, requests a second"),
        FlagSpec("--burst", .count, placeholder: "B", help: "the token bucket's size"),
        FlagSpec("--limit", .count, placeholder: "N", help: "the quota: requests a period"),
        FlagSpec("--per", .duration, placeholder: "D", help: "the quota's period (1 day)"),
        FlagSpec("--off", help: "no throttle and no quota"),
      ],
      action: quota),
    CommandSpec(
      "tenants", family: .data, summary: "the tenants as configured: tokens, ACLs, usage plans",
      example: ["service start --gateway", "service tenant alice", "service tenants"], action: tenants),
    CommandSpec(
      "usage", family: .data, summary: "what the gateway metered per tenant: served (billed), refused, failed",
      example: [
        "service start --gateway", "service tenant alice", "service load --tenant alice --rate 10 --for 1s",
        "service usage",
      ],
      action: usage),
    CommandSpec(
      "audit", family: .data, summary: "the gateway's audit log: who called what, when, and how it ended",
      example: [
        "service start --gateway", "service tenant alice", "service load --tenant alice --rate 10 --for 1s",
        "service audit --last 5",
      ],
      flags: [
        FlagSpec("--tenant", .text, placeholder: "T", help: "only this tenant's requests"),
        FlagSpec("--refused", help: "only requests the gateway turned away"),
        FlagSpec("--last", .count, placeholder: "N", help: "how many of the latest entries (10)"),
      ],
      action: audit),
  ]

  static func gateway(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> NodeID {
    try ServiceCommands.running(inv, s)
    guard let gw = s.service.gateway else {
      throw ShellError(
        "tenants live at a gateway, and this service has none: 'reset', then 'service start --gateway'",
        column: inv.column)
    }
    return gw
  }

  static func name(_ t: Token) throws(ShellError) -> String {
    let ok =
      t.text.count <= 32 && !t.text.isEmpty
      && t.text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    guard ok else {
      throw ShellError("a tenant's name is up to 32 letters, digits, '-' or '_', not '\(t.text)'", column: t.column)
    }
    return t.text
  }

  static func noAnswer(_ inv: Invocation, _ s: ShellSession) -> ShellError {
    let gw = s.service.gateway.map { s.world.name(of: $0) } ?? "gw"
    return ShellError("\(gw) did not answer: the gateway is down or cut off", column: inv.column)
  }

  static func tenant(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    _ = try gateway(inv, s)
    let name = try name(inv.positional[0])
    var methods: [String]?
    if let m = inv.flags["--methods"] {
      let words = m.text == "none" ? [] : m.text.split(separator: ",").map(String.init)
      if let bad = words.first(where: { !ServiceAPI.methods.contains($0) }) {
        throw ShellError("--methods lists read, write and admin (or is none), not '\(bad)'", column: m.column)
      }
      methods = ServiceAPI.methods.filter(words.contains)
    }
    var token: String?
    if let t = inv.flags["--token"] {
      guard !t.text.isEmpty, t.text.count <= 64, !t.text.contains(" ") else {
        throw ShellError("--token is up to 64 characters without spaces", column: t.column)
      }
      token = t.text
    }
    let new = !s.service.tenants.contains { $0.name == name }
    let made = try attempt(inv.column) { () throws(WorldError) in
      try s.service.tenant(name, token: token, methods: methods)
    }
    guard let made else { throw noAnswer(inv, s) }
    return .service(.tenant(made, new: new))
  }

  static func quota(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    _ = try gateway(inv, s)
    guard let word = inv.word(0) else {
      throw ShellError(
        "a quota belongs to a tenant: 'service quota NAME --rate R' (see 'service tenants')", column: inv.column)
    }
    let name = try name(word)
    guard s.service.tenants.contains(where: { $0.name == name }) else {
      throw ShellError("no tenant '\(name)': 'service tenant \(name)' adds one", column: word.column)
    }
    let off = inv.has("--off")
    let settings = ["--rate", "--burst", "--limit", "--per"].filter(inv.has)
    if off, let first = settings.first {
      throw ShellError("--off removes the plan: it does not go with \(first)", column: inv.flags[first]!.column)
    }
    guard off || !settings.isEmpty else {
      throw ShellError("service quota needs --rate R (a throttle), --limit N (a quota), or --off", column: inv.column)
    }
    if inv.has("--burst"), !inv.has("--rate") {
      throw ShellError("--burst sizes the throttle's bucket: add --rate R", column: inv.flags["--burst"]!.column)
    }
    if inv.has("--per"), !inv.has("--limit") {
      throw ShellError("--per is the quota's period: add --limit N", column: inv.flags["--per"]!.column)
    }
    let rate = try inv.flags["--rate"].map { t throws(ShellError) in try ServiceLoadCommand.rate(t, what: "--rate") }
    let burst = try inv.flagInt("--burst", range: 1...1_000_000)
    let limit = try inv.flagInt("--limit", range: 0...1_000_000_000)
    let per = try inv.flagDuration("--per")
    if let per, per < .milliseconds(1) {
      throw ShellError("--per is at least 1ms", column: inv.flags["--per"]!.column)
    }
    let made = try attempt(inv.column) { () throws(WorldError) in
      try s.service.plan(name, rate: rate, burst: burst, limit: limit, period: per)
    }
    guard let made else { throw noAnswer(inv, s) }
    return .service(.plan(made))
  }

  static func tenants(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    _ = try gateway(inv, s)
    return .service(.tenants(s.service.tenants))
  }

  static func usage(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    _ = try gateway(inv, s)
    let rows = try attempt(inv.column) { () throws(WorldError) in try s.service.usage() }
    guard let rows else { throw noAnswer(inv, s) }
    return .service(.usage(rows))
  }

  static func audit(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    _ = try gateway(inv, s)
    let last = try inv.flagInt("--last", range: 1...10_000) ?? 10
    let log = try attempt(inv.column) { () throws(WorldError) in try s.service.audit() }
    guard let log else { throw noAnswer(inv, s) }
    let tenant = inv.flags["--tenant"]?.text
    let matching = log.entries.filter { e in
      (tenant == nil || e.tenant == tenant) && (!inv.has("--refused") || e.outcome.isRefusal)
    }
    return .service(.audit(Array(matching.suffix(last)), matching: matching.count, rotated: log.rotated))
  }
}
