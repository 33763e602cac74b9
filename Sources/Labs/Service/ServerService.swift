import DistLab

/// A server of the service lab: it handles one request at a time, first come first served, each
/// taking a time drawn from an exponential distribution of the set mean — with Poisson arrivals,
/// the M/M/1 queue of queueing theory, whose mean time in the system is 1/(μ − λ).
public final class ServerService: Service {
  var meanService = Nanoseconds.milliseconds(10)
  var queue: [Request] = []
  var busy = false
  var served = 0

  public init() {}

  public static let methods: [ServiceMethod<ServerService>] = [
    ServiceMethod("svc.configure", [ArgumentSpec("MEAN", .int)], "the mean service time, in nanoseconds") {
      s, r, _ in
      s.meanService = Nanoseconds(max(1_000, r.args[0].intValue ?? 10_000_000))
      return .value([])
    },
    ServiceMethod(
      "svc.call", [ArgumentSpec("METHOD", .key, optional: true)],
      "a request (read, write or admin: each takes the same time): answered when it has been served"
    ) { s, r, node in
      s.queue.append(r)
      s.serveNext(node)
      return .later
    },
  ]

  public func metrics() -> [(String, Double)] { [("served", Double(served)), ("queued", Double(queue.count))] }

  func serveNext(_ node: ProgramNode) {
    guard !busy, !queue.isEmpty else { return }
    busy = true
    let r = queue.removeFirst()
    let t = exponential(node, mean: Double(meanService.value))
    _ = node.after(t) { [unowned self] node in
      self.busy = false
      self.served += 1
      node.answer(r, .value([]))
      self.serveNext(node)
    }
  }
}
