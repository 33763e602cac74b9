import DistLab

/// A role written as a lab would write one: a counter service, registered by adding it to a
/// catalogue. Nothing in the shell knows it; spawn, rpc, help and completion find it anyway.
final class CounterService: Service {
  var count: Int64 = 0
  var changes = 0

  static let methods: [ServiceMethod<CounterService>] = [
    ServiceMethod("counter.add", [ArgumentSpec("INT", .int)], "adds to the count; replies with the new count") {
      s, r, _ in
      s.count &+= r.args[0].intValue ?? 0
      s.changes += 1
      return .value([.int(s.count)])
    },
    ServiceMethod("counter.get", [], "the count") { s, _, _ in .value([.int(s.count)]) },
    ServiceMethod("counter.snapshot", [], "the count and how often it changed, as a map") { s, _, _ in
      .value([.map(["count": .int(s.count), "changes": .int(Int64(s.changes))])])
    },
  ]

  func metrics() -> [(String, Double)] { [("count", Double(count))] }
}

extension CounterService {
  static let role = Role("counter", summary: "counts what it is told to add", services: { [CounterService()] })
}
