import DistLab
import DistLabService

/// The service lab's results as text: the SLA figures and a latency histogram; tenants, their
/// metering and the audit log.
struct ServiceRenderer {
  let style: Style
  let view: WorldView

  func render(_ r: ServiceResult) -> String {
    switch r {
    case .started(let nodes, let mean, let gateway):
      let servers = gateway ? Array(nodes.dropLast()) : nodes
      var lines = [
        "started the service: \(NodeSet.compact(servers.map(\.name)))",
        "each serves one request at a time, \(mean) on average (exponentially distributed)",
      ]
      if gateway, let gw = nodes.last {
        lines.append("\(gw.name), an API gateway, stands in front: each request names a tenant and its token")
      }
      return lines.joined(separator: "\n")
    case .added(let nodes, let total):
      return
        "added \(NodeSet.compact(nodes.map(\.name))): the service has \(total) servers; the next load spreads over all"
    case .loaded(let report): return LoadRenderer(style: style, view: view).render(report)
    case .tenant(let t, let new):
      let verb = new ? "added tenant \(t.name), token \(t.token)" : "tenant \(t.name)"
      return "\(verb): may call \(methods(t))"
    case .plan(let t): return "tenant \(t.name): \(throttle(t)); \(quota(t))"
    case .tenants(let list): return tenants(list)
    case .usage(let rows): return usage(rows)
    case .audit(let entries, let matching, let rotated): return audit(entries, matching, rotated)
    }
  }

  func methods(_ t: Tenant) -> String { t.methods.isEmpty ? "no method" : t.methods.joined(separator: ", ") }

  func throttle(_ t: Tenant) -> String {
    guard let rate = t.rate, let bucket = t.bucket else { return "not throttled" }
    return "throttled to \(NodeTableRenderer.number(rate))/s, bursts of \(bucket)"
  }

  func quota(_ t: Tenant) -> String {
    guard let limit = t.limit else { return "no quota" }
    return "quota \(Grouped.number(Int64(limit))) per \(t.period)"
  }

  func tenants(_ list: [Tenant]) -> String {
    guard !list.isEmpty else { return "no tenants yet: 'service tenant NAME' adds one" }
    var table = TextTable(["TENANT", "TOKEN", "MAY CALL", "THROTTLE", "QUOTA"])
    for t in list {
      let rate = t.rate.map { "\(NodeTableRenderer.number($0))/s, burst \(t.bucket ?? 1)" } ?? "-"
      let quota = t.limit.map { "\(Grouped.number(Int64($0)))/\(t.period)" } ?? "-"
      table.add([t.name, t.token, t.methods.isEmpty ? "none" : t.methods.joined(separator: ","), rate, quota])
    }
    return table.render(style: style)
  }

  func usage(_ rows: [TenantUsage]) -> String {
    guard !rows.isEmpty else { return "the gateway has metered nothing yet" }
    var table = TextTable(
      ["TENANT", "RECEIVED", "SERVED", "THROTTLED", "OVER QUOTA", "DENIED", "FAILED"],
      rightAligned: [1, 2, 3, 4, 5, 6])
    for u in rows {
      let denied = u.count(.unauthenticated) + u.count(.forbidden)
      let failed = u.count(.error) + u.count(.unavailable)
      table.add(
        [u.tenant]
          + [u.received, u.billed, u.count(.throttled), u.count(.overQuota), denied, failed].map {
            Grouped.number(Int64($0))
          })
    }
    var lines = ["what the gateway metered (a tenant is billed for what it was served):", table.render(style: style)]
    if rows.contains(where: { $0.tenant == "?" }) {
      lines.append("?: requests naming a tenant the gateway does not know")
    }
    return lines.joined(separator: "\n")
  }

  func audit(_ entries: [AuditEntry], _ matching: Int, _ rotated: Int) -> String {
    guard !entries.isEmpty else { return "no audit entries match" }
    var table = TextTable(
      ["TIME", "CALLER", "TENANT", "METHOD", "OUTCOME", "SERVER", "LATENCY"], rightAligned: [0, 6])
    for e in entries {
      let outcome = (e.outcome.status.map { "\($0) " } ?? "") + e.outcome.wire
      table.add([
        "\(e.time)", view.name(e.caller), e.tenant, e.method,
        e.outcome == .ok ? outcome : style.warn(outcome), e.server.map(view.name) ?? "-",
        e.latency.map { "\($0)" } ?? "-",
      ])
    }
    var head =
      "the gateway's audit log: the last \(entries.count) of \(Grouped.number(Int64(matching))) matching entries"
    if rotated > 0 { head += " (\(Grouped.number(Int64(rotated))) older ones rotated out)" }
    return head + "\n" + table.render(style: style)
  }
}
