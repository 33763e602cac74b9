import DistLab
import DistLabService

/// The service lab's results as text: the SLA figures and a latency histogram.
struct ServiceRenderer {
  let style: Style
  let view: WorldView

  func render(_ r: ServiceResult) -> String {
    switch r {
    case .started(let nodes, let mean):
      return "started the service: \(NodeSet.compact(nodes.map(\.name)))\n"
        + "each serves one request at a time, taking \(mean) on average (exponentially distributed)"
    case .loaded(let report, let rate, let balancer, let poisson): return loaded(report, rate, balancer, poisson)
    }
  }

  func loaded(_ r: SLAReport, _ rate: Double, _ balancer: Balancer, _ poisson: Bool) -> String {
    var lines = [
      "sent \(Grouped.number(Int64(r.requests))) requests over \(r.duration) (\(NodeTableRenderer.number(rate))/s, "
        + (poisson ? "Poisson" : "evenly spaced") + ", \(balancer.rawValue))"
    ]
    let availability = r.availability * 100
    lines.append(
      "answered \(Grouped.number(Int64(r.ok))), availability \(NodeTableRenderer.number((availability * 1000).rounded() / 1000))%, "
        + "throughput \(NodeTableRenderer.number((r.throughput * 10).rounded() / 10))/s"
        + (r.timeouts + r.errors > 0 ? style.warn(", \(r.timeouts) past the \(r.deadline) deadline") : ""))
    guard let p50 = r.percentile(0.5), let p90 = r.percentile(0.9), let p99 = r.percentile(0.99),
      let max = r.latencies.last, let mean = r.mean
    else { return lines.joined(separator: "\n") }
    lines.append("latency: p50 \(p50), p90 \(p90), p99 \(p99)")
    lines.append("         max \(max), mean \(mean)")
    lines += histogram(r.latencies)
    return lines.joined(separator: "\n")
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
