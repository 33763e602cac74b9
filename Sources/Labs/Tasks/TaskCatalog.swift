import DistLab

/// The built-in tasks: what each takes, how long it runs in virtual time, and what it returns
/// or raises. Work takes time, so slots fill, queues grow and kills land mid-task.
public enum TaskCatalog {
  public struct Definition: Sendable {
    public let name: String
    public let arguments: [ArgumentSpec]
    public let summary: String
    /// How long a run takes for these arguments.
    let duration: @Sendable ([Value]) -> Nanoseconds
    /// The run's outcome, given a random draw in 0..<1 (for `flaky`).
    let run: @Sendable ([Value], Double) -> TaskOutcome
    /// A task with a side effect outside the queue: its result is an amount charged to the
    /// account the backend keeps, once per run — or once per idempotency key.
    var charges = false

    /// One run's virtual duration and outcome, `draw` in 0..<1 deciding a chance (`flaky`):
    /// for a worker outside the simulation (the Redis worker) to run the same task.
    public func perform(_ args: [Value], draw: Double) -> (duration: Nanoseconds, outcome: TaskOutcome) {
      (duration(args), run(args, draw))
    }
  }

  static let unit = Nanoseconds.milliseconds(1)

  public static let all: [Definition] = [
    Definition(
      name: "add", arguments: [ArgumentSpec("X", .int), ArgumentSpec("Y", .int)], summary: "x + y, at once",
      duration: { _ in .zero }, run: { a, _ in .success(.int((a[0].intValue ?? 0) &+ (a[1].intValue ?? 0))) }),
    Definition(
      name: "mul", arguments: [ArgumentSpec("X", .int), ArgumentSpec("Y", .int)], summary: "x × y, at once",
      duration: { _ in .zero }, run: { a, _ in .success(.int((a[0].intValue ?? 0) &* (a[1].intValue ?? 0))) }),
    Definition(
      name: "sleep", arguments: [ArgumentSpec("DURATION", .duration)], summary: "waits DURATION, returns null",
      duration: { a in Nanoseconds(max(0, a[0].intValue ?? 0)) }, run: { _, _ in .success(.null) }),
    Definition(
      name: "fail", arguments: [], summary: "raises an error, in 1ms", duration: { _ in unit },
      run: { _, _ in .failure("ValueError: fail always fails") }),
    Definition(
      name: "flaky", arguments: [ArgumentSpec("P", .double)],
      summary: "raises with chance P, else returns true, in 1ms",
      duration: { _ in unit },
      run: { a, draw in
        draw < (a[0].doubleValue ?? 0) ? .failure("ConnectionError: flaky failed") : .success(.bool(true))
      }),
    Definition(
      name: "crash", arguments: [ArgumentSpec("P", .double)],
      summary: "its pool process dies with chance P (as if killed), else returns true, in 1ms",
      duration: { _ in unit },
      run: { a, draw in draw < (a[0].doubleValue ?? 0) ? .workerLost : .success(.bool(true)) }),
    Definition(
      name: "charge", arguments: [ArgumentSpec("AMOUNT", .int)],
      summary: "charges AMOUNT to the account the backend keeps, in 10ms: a side effect each run repeats",
      duration: { _ in .milliseconds(10) }, run: { a, _ in .success(.int(a[0].intValue ?? 0)) }, charges: true),
    Definition(
      name: "fib", arguments: [ArgumentSpec("N", .int)], summary: "the Nth Fibonacci number, in N × 0.1ms",
      duration: { a in Nanoseconds.microseconds(100 * Double(min(max(a[0].intValue ?? 0, 0), 92))) },
      run: { a, _ in
        var (x, y): (Int64, Int64) = (0, 1)
        for _ in 0..<min(max(a[0].intValue ?? 0, 0), 92) { (x, y) = (y, x &+ y) }
        return .success(.int(x))
      }),
    Definition(
      name: "xsum", arguments: [ArgumentSpec("NUMBERS", .list)], summary: "the sum of a list of numbers, in 1ms",
      duration: { _ in unit },
      run: { a, _ in .success(.int((a[0].listValue ?? []).reduce(Int64(0)) { $0 &+ ($1.intValue ?? 0) })) }),
    Definition(
      name: "wordcount", arguments: [ArgumentSpec("TEXT", .string)], summary: "the words in TEXT, 0.1ms a word",
      duration: { a in Nanoseconds.microseconds(100 * Double(words(a[0]))) },
      run: { a, _ in .success(.int(Int64(words(a[0])))) }),
  ]

  static func words(_ v: Value) -> Int { (v.stringValue ?? "").split(whereSeparator: \.isWhitespace).count }

  public static func definition(_ name: String) -> Definition? { all.first { $0.name == name } }
  public static var names: [String] { all.map(\.name) }

  /// `add X Y`.
  public static func usage(_ d: Definition) -> String {
    ([d.name] + d.arguments.map(\.usage)).joined(separator: " ")
  }
}

/// How one run of a task ended.
public enum TaskOutcome: Hashable, Sendable {
  case success(Value)
  case failure(String)
  /// The pool process running it died: Celery's WorkerLostError.
  case workerLost
}

extension Value {
  /// A double, or an int read as one.
  var doubleValue: Double? {
    switch self {
    case .double(let d): d
    case .int(let i): Double(i)
    default: nil
    }
  }
}
