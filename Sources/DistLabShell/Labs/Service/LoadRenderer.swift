import DistLab
import DistLabService

/// A load's figures as text: what was sent, availability and throughput, failures by cause,
/// latency percentiles, and a histogram — or, for several tenants, a line each.
struct LoadRenderer {
  let style: Style
  let view: WorldView

  func render(_ report: LoadReport) -> String {
    let r = report.overall
    let plan = report.plan
    var lines = sent(report)
    let availability = r.availability * 100
    lines.append(
      "answered \(Grouped.number(Int64(r.ok))), availability \(NodeTableRenderer.number((availability * 1000).rounded() / 1000))%, "
        + "throughput \(NodeTableRenderer.number((r.throughput * 10).rounded() / 10))/s"
        + (r.timeouts > 0 ? style.warn(", \(r.timeouts) past the \(r.deadline) deadline") : ""))
    let causes = causes(r)
    if !causes.isEmpty { lines.append(style.warn("not served: " + causes)) }
    if plan.streams.count > 1 { return (lines + [tenants(report)]).joined(separator: "\n") }
    guard let p50 = r.percentile(0.5), let p90 = r.percentile(0.9), let p99 = r.percentile(0.99),
      let max = r.latencies.last, let mean = r.mean
    else { return lines.joined(separator: "\n") }
    lines.append("latency: p50 \(p50), p90 \(p90), p99 \(p99)")
    lines.append("         max \(max), mean \(mean)")
    lines += histogram(r.latencies)
    return lines.joined(separator: "\n")
  }

  func sent(_ report: LoadReport) -> [String] {
    let plan = report.plan
    let r = report.overall
    let how = plan.balancer.rawValue + (plan.gateway.map { " at \(view.name($0))" } ?? "")
    if plan.isClosed {
      let think = plan.think == .zero ? "no think time" : "thinking \(plan.think)" + (plan.poisson ? " on average" : "")
      return [
        "\(plan.clients) clients in a closed loop for \(r.duration), \(think) (\(how))",
        "sent \(requests(r.requests))",
      ]
    }
    let rates = plan.streams.map { s in
      (plan.streams.count > 1 ? "\(s.tenant ?? "") " : "") + "\(NodeTableRenderer.number(s.rate))/s"
    }
    return [
      "sent \(requests(r.requests)) over \(r.duration) (\(rates.joined(separator: " + ")), "
        + (plan.poisson ? "Poisson" : "evenly spaced") + ", \(how))"
    ]
  }

  func requests(_ n: Int) -> String { "\(Grouped.number(Int64(n))) request" + (n == 1 ? "" : "s") }

  /// Every way a request failed other than the deadline, with the status a gateway answers.
  func causes(_ r: SLAReport) -> String {
    let words: [(RequestOutcome, String)] = [
      (.unauthenticated, "bad token"), (.forbidden, "not allowed"), (.throttled, "throttled"),
      (.overQuota, "over quota"), (.unavailable, "no server answered the gateway"), (.error, "server errors"),
    ]
    return words.compactMap { o, word in
      let n = r.count(o)
      guard n > 0 else { return nil }
      return "\(Grouped.number(Int64(n))) \(word)" + (o.status.map { " (\($0))" } ?? "")
    }.joined(separator: ", ")
  }

  func tenants(_ report: LoadReport) -> String {
    var table = TextTable(
      ["TENANT", "SENT", "SERVED", "REFUSED", "TIMED OUT", "P50", "P99"], rightAligned: [1, 2, 3, 4, 5, 6])
    for (s, r) in zip(report.plan.streams, report.streams) {
      table.add(
        [s.tenant ?? "-"] + [r.requests, r.ok, r.refused, r.timeouts].map { Grouped.number(Int64($0)) } + [
          r.percentile(0.5).map { "\($0)" } ?? "-", r.percentile(0.99).map { "\($0)" } ?? "-",
        ])
    }
    return table.render(style: style)
  }

  /// Ten buckets from the fastest answer to the p99 (the rest in the last), as bars.
  func histogram(_ sorted: [Nanoseconds]) -> [String] {
    guard let low = sorted.first else { return [] }
    let top = sorted[Swift.min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
    let span = Swift.max(1, (top - low).value)
    var counts = Array(repeating: 0, count: 10)
    for l in sorted { counts[Swift.min(9, Int((l - low).value * 10 / span))] += 1 }
    let most = counts.max() ?? 1
    let width = Swift.max(10, Swift.min(50, (style.columns ?? 80) - 30))
    return counts.enumerated().map { i, c in
      let from = low + Nanoseconds(span * Int64(i) / 10)
      let label = i == 9 ? "≥ \(from)" : "\(from)"
      let bar = String(repeating: "█", count: c == 0 ? 0 : Swift.max(1, c * width / most))
      return label.padding(toLength: 12, withPad: " ", startingAt: 0) + " " + bar + " \(c)"
    }
  }
}
