import DistLab
import DistLabService

extension ServiceClient: LabClient {}

extension ShellSession {
  /// The service lab's client for the current world.
  var service: ServiceClient { labs.client(ServiceClient.self, world: world) }
}

/// The service lab's shell side, as `Labs.all` lists it.
enum ServiceLab {
  static let shell = LabShellSide(commands: [ServiceCommands.spec], subjects: subjects)

  static let subjects = SubjectGroup(
    title: "SLA figures of the last 'service load' (as its client saw them), and the gateway's metering",
    namespace: "sla.",
    subjects: [
      Subject("sla.p50", "the median latency of the answered requests") { s, t throws(ShellError) in
        try latency(s, t) { $0.percentile(0.5) }
      },
      Subject("sla.p90") { s, t throws(ShellError) in try latency(s, t) { $0.percentile(0.9) } },
      Subject("sla.p99") { s, t throws(ShellError) in try latency(s, t) { $0.percentile(0.99) } },
      Subject("sla.max") { s, t throws(ShellError) in try latency(s, t) { $0.latencies.last } },
      Subject("sla.mean") { s, t throws(ShellError) in try latency(s, t) { $0.mean } },
      Subject("sla.availability", "answered successfully within the deadline ÷ sent, as a ratio or %") {
        s, t throws(ShellError) in .number(try report(s, t).availability)
      },
      Subject("sla.throughput", "answered requests a second") { s, t throws(ShellError) in
        .number(try report(s, t).throughput)
      },
      Subject("sla.requests") { s, t throws(ShellError) in .number(Double(try report(s, t).requests)) },
      Subject("sla.timeouts") { s, t throws(ShellError) in .number(Double(try report(s, t).timeouts)) },
      Subject("sla.refused", "turned away by the gateway: 401, 403 and 429") { s, t throws(ShellError) in
        .number(Double(try report(s, t).refused))
      },
      Subject("sla.throttled") { s, t throws(ShellError) in .number(Double(try report(s, t).count(.throttled))) },
      Subject("service.servers", "how many servers the service has, up or not") { s, _ in
        .number(Double(s.service.servers.count))
      },
      Subject("tenant.p50.KEY", "a tenant's stream of the last load") { s, t throws(ShellError) in
        try latency(s, t, tenant: "tenant.p50.") { $0.percentile(0.5) }
      },
      Subject("tenant.p99.KEY") { s, t throws(ShellError) in
        try latency(s, t, tenant: "tenant.p99.") { $0.percentile(0.99) }
      },
      Subject("tenant.availability.KEY") { s, t throws(ShellError) in
        .number(try stream(s, t, "tenant.availability.").availability)
      },
      Subject("tenant.served.KEY") { s, t throws(ShellError) in
        .number(Double(try stream(s, t, "tenant.served.").ok))
      },
      Subject("tenant.refused.KEY") { s, t throws(ShellError) in
        .number(Double(try stream(s, t, "tenant.refused.").refused))
      },
      Subject("usage.billed.KEY", "served requests the gateway metered for the tenant, every load so far") {
        s, t throws(ShellError) in .number(Double(try metered(s, t, "usage.billed.").billed))
      },
      Subject("usage.refused.KEY", "the tenant's requests the gateway turned away") { s, t throws(ShellError) in
        let u = try metered(s, t, "usage.refused.")
        return .number(Double(RequestOutcome.allCases.filter(\.isRefusal).reduce(0) { $0 + u.count($1) }))
      },
    ])

  static func last(_ s: ShellSession, _ t: Token) throws(ShellError) -> LoadReport {
    guard let r = s.service.lastReport else {
      throw ShellError("'\(t.text)' reads the last 'service load', and there has been none", column: t.column)
    }
    return r
  }

  static func report(_ s: ShellSession, _ t: Token) throws(ShellError) -> SLAReport { try last(s, t).overall }

  /// The figures of the tenant `t` names after `prefix`, from the last load.
  static func stream(_ s: ShellSession, _ t: Token, _ prefix: String) throws(ShellError) -> SLAReport {
    let name = String(t.text.dropFirst(prefix.count))
    guard let r = try last(s, t).tenant(name) else {
      throw ShellError("'\(t.text)': the last load sent nothing for a tenant '\(name)'", column: t.column)
    }
    return r
  }

  static func metered(_ s: ShellSession, _ t: Token, _ prefix: String) throws(ShellError) -> TenantUsage {
    let name = String(t.text.dropFirst(prefix.count))
    guard s.service.gateway != nil else {
      throw ShellError("'\(t.text)' reads the gateway's metering, and this service has no gateway", column: t.column)
    }
    let rows = try attempt(t.column) { () throws(WorldError) in try s.service.usage() }
    guard let rows else { throw ShellError("'\(t.text)': the gateway did not answer", column: t.column) }
    guard let u = rows.first(where: { $0.tenant == name }) else {
      throw ShellError("'\(t.text)': the gateway has metered nothing for '\(name)'", column: t.column)
    }
    return u
  }

  static func latency(
    _ s: ShellSession, _ t: Token, tenant prefix: String? = nil, _ f: (SLAReport) -> Nanoseconds?
  ) throws(ShellError) -> Observed {
    let r = try prefix == nil ? report(s, t) : stream(s, t, prefix!)
    guard let d = f(r) else {
      throw ShellError("'\(t.text)': no request of the last load was answered", column: t.column)
    }
    return .duration(d)
  }
}
