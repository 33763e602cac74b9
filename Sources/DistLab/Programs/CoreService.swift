/// The methods every standard node serves: arithmetic, echo, a slow call and a failing one.
public final class CoreService: Service {
  public init() {}

  public static let methods: [ServiceMethod<CoreService>] = [
    ServiceMethod("add", [ArgumentSpec("INT", .int), ArgumentSpec("INT", .int)], "the sum of two integers") { _, r, _ in
      let (sum, overflow) = (r.args[0].intValue ?? 0).addingReportingOverflow(r.args[1].intValue ?? 0)
      return overflow ? .error("add: integer overflow") : .value([.int(sum)])
    },
    ServiceMethod("echo", [ArgumentSpec("VALUE", .value, repeated: true)], "its arguments, unchanged") { _, r, _ in
      .value(r.args)
    },
    ServiceMethod("sleep", [ArgumentSpec("NANOSECONDS", .duration)], "replies after that long") { _, r, node in
      guard let ns = r.args[0].intValue, ns >= 0 else { return .error("sleep takes one non-negative duration") }
      guard !Nanoseconds(ns).isPastHorizon else { return .error("sleep cannot outlast the world's horizon, 100 years") }
      node.after(Nanoseconds(ns)) { $0.answer(r, .value([.string("slept")])) }
      return .later
    },
    ServiceMethod("fail", [ArgumentSpec("TEXT", .value, optional: true)], "always answers with an error") { _, r, _ in
      .error(r.args.first.map { $0.stringValue ?? $0.description } ?? "failed on purpose")
    },
  ]
}
