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
    title: "SLA figures of the last 'service load' (as its client saw them)", namespace: "sla.",
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
      Subject("sla.timeouts") { s, t throws(ShellError) in .number(Double(try report(s, t).timeouts)) },
    ])

  static func report(_ s: ShellSession, _ t: Token) throws(ShellError) -> SLAReport {
    guard let r = s.service.lastReport else {
      throw ShellError("'\(t.text)' reads the last 'service load', and there has been none", column: t.column)
    }
    return r
  }

  static func latency(_ s: ShellSession, _ t: Token, _ f: (SLAReport) -> Nanoseconds?) throws(ShellError)
    -> Observed
  {
    guard let d = f(try report(s, t)) else {
      throw ShellError("'\(t.text)': no request of the last load was answered", column: t.column)
    }
    return .duration(d)
  }
}
