import DistLab

/// The service lab's client: it starts a service's servers, runs a load generator against
/// them, and turns what the generator recorded into SLA figures.
public final class ServiceClient {
  public let world: World
  let generation: Int
  public private(set) var servers: [NodeID] = []
  public private(set) var meanService = Nanoseconds.milliseconds(10)
  public private(set) var generators: [NodeID] = []
  /// The figures of the last load.
  public private(set) var lastReport: SLAReport?

  public static let roles = [
    Role("server", summary: "serves one request at a time, exponential service times", services: { [ServerService()] }),
    Role("loadgen", summary: "an open-loop load generator recording latencies", services: { [LoadGenerator()] }),
  ]

  public required init(world: World) {
    self.world = world
    generation = world.generation
  }

  public var isStale: Bool { world.generation != generation }

  /// Spawns servers `srv1`… with a mean service time.
  public func start(servers count: Int, meanService: Nanoseconds) throws(WorldError) -> [NodeInfo] {
    let made = try world.spawn(count: count, names: (1...count).map { "srv\($0)" }, roles: ["server"])
    servers = made.map(\.id)
    self.meanService = meanService
    _ = try world.callAll(
      servers.map { CallRequest(to: $0, method: "svc.configure", args: [.int(meanService.value)]) },
      options: CallOptions())
    return made
  }

  /// Spawns a load generator (`gen1`, `gen2`, … one per load), runs `plan` to its end and
  /// reads what it recorded.
  public func load(
    rate: Double, duration: Nanoseconds, poisson: Bool, balancer: Balancer, deadline: Nanoseconds,
    cancel: () -> Bool
  ) throws(WorldError) -> SLAReport {
    let name = "gen\(generators.count + 1)"
    let gen = try world.spawn(count: 1, names: [name], roles: ["loadgen"])[0].id
    generators.append(gen)
    let plan = LoadPlan(
      servers: servers, rate: rate, duration: duration, poisson: poisson, balancer: balancer, deadline: deadline)
    _ = try world.call(to: gen, method: "load.run", args: [plan.value], options: CallOptions())
    _ = try world.advance(by: duration + deadline + .milliseconds(10), cancel: cancel)
    // A frame's list holds at most 65,535 values: the results come in pages.
    var rows: [(Int64, Int)] = []
    while true {
      let outcome = try world.call(
        to: gen, method: "load.results", args: [.int(Int64(rows.count))], options: CallOptions())
      guard case .value(let v) = outcome.result, v.count == 2, let page = v[0].listValue, !page.isEmpty else { break }
      for r in page {
        guard let l = r.listValue, l.count == 2, let ns = l[0].intValue, let code = l[1].intValue else { continue }
        rows.append((ns, Int(code)))
      }
      if rows.count >= Int(v[1].intValue ?? 0) { break }
    }
    let report = SLAReport(rows, duration: duration, deadline: deadline)
    lastReport = report
    return report
  }
}

/// SLA figures from a load: latency percentiles of the answered requests, availability (the
/// share answered successfully within the deadline), throughput, and failures by cause.
public struct SLAReport: Sendable, Equatable {
  public var requests: Int
  public var ok: Int
  public var errors: Int
  public var timeouts: Int
  /// The answered requests' latencies, sorted.
  public var latencies: [Nanoseconds]
  public var duration: Nanoseconds
  public var deadline: Nanoseconds

  init(_ rows: [(Int64, Int)], duration: Nanoseconds, deadline: Nanoseconds) {
    requests = rows.count
    ok = rows.filter { $0.1 == 0 }.count
    errors = rows.filter { $0.1 == 1 }.count
    timeouts = rows.filter { $0.1 == 2 }.count
    latencies = rows.filter { $0.1 == 0 }.map { Nanoseconds($0.0) }.sorted()
    self.duration = duration
    self.deadline = deadline
  }

  /// The latency at or below which `p` of the answered requests fall (nearest rank).
  public func percentile(_ p: Double) -> Nanoseconds? {
    guard !latencies.isEmpty else { return nil }
    let rank = Int((p * Double(latencies.count)).rounded(.up))
    return latencies[max(0, min(latencies.count - 1, rank - 1))]
  }

  public var mean: Nanoseconds? {
    latencies.isEmpty ? nil : Nanoseconds(latencies.reduce(Int64(0)) { $0 + $1.value } / Int64(latencies.count))
  }

  public var availability: Double { requests == 0 ? 1 : Double(ok) / Double(requests) }
  public var throughput: Double { duration.value > 0 ? Double(ok) / duration.seconds : 0 }
}
