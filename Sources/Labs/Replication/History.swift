import DistLab

/// One client operation of a history: who made it, what it asked, what it got, and when it
/// was invoked and completed (positions in the history's order of events). An operation that
/// timed out (`:info`) never completes: it may or may not have taken effect, so it may be
/// placed anywhere after its invocation.
public struct HistoryOperation: Hashable, Sendable {
  public enum Function: String, Sendable, CaseIterable {
    case read, write, cas, get, put, append
  }
  public var process: Int
  public var function: Function
  /// The key, for `kv` operations.
  public var key: String?
  /// What was written, appended or (for a completed read) read; for `cas`, the new value.
  public var value: Value
  /// For `cas`: the value it expected.
  public var expected: Value
  public var invoke: Int
  /// Nil when the operation timed out.
  public var complete: Int?

  public init(
    process: Int, function: Function, key: String? = nil, value: Value = .null, expected: Value = .null,
    invoke: Int, complete: Int?
  ) {
    self.process = process
    self.function = function
    self.key = key
    self.value = value
    self.expected = expected
    self.invoke = invoke
    self.complete = complete
  }

  /// `read → 3`, `write 4`, `cas 1→2`, `put x 5` — how an operation reads in a verdict.
  public var description: String {
    let k = key.map { "\($0) " } ?? ""
    switch function {
    case .read, .get: return "\(function.rawValue) \(k)→ \(complete == nil ? "?" : value.description)"
    case .write, .put, .append: return "\(function.rawValue) \(k)\(value)"
    case .cas: return "cas \(k)\(expected)→\(value)"
    }
  }
}

/// A history: the operations, and how many events (invocations and completions) it spans.
public struct History: Sendable, Equatable {
  public var operations: [HistoryOperation]
  public var events: Int
  /// Operations that failed (`:fail`): they did not happen, so they are not among `operations`.
  public var failed: Int

  public init(operations: [HistoryOperation], events: Int, failed: Int = 0) {
    self.operations = operations
    self.events = events
    self.failed = failed
  }
}

/// Builds a history from events in order: each process's invocation is paired with its next
/// completion. `ok` completes it (with the value read, for a read), `fail` removes it (it
/// did not happen), `info` leaves it open for ever.
public struct HistoryBuilder: Sendable {
  public enum EventType: String, Sendable {
    case invoke, ok, fail, info
  }

  /// Why a history was refused: the event's position (from 1) and what was wrong.
  public enum Problem: Error, Equatable, Sendable {
    case completionWithoutInvocation(event: Int, process: Int)
    case invocationWhileOpen(event: Int, process: Int)
  }

  var open: [Int: HistoryOperation] = [:]
  var done: [HistoryOperation] = []
  var count = 0
  var failed = 0

  public init() {}

  public mutating func add(
    process: Int, type: EventType, function: HistoryOperation.Function, key: String?, value: Value,
    expected: Value = .null
  ) throws(Problem) {
    count += 1
    switch type {
    case .invoke:
      guard open[process] == nil else { throw .invocationWhileOpen(event: count, process: process) }
      open[process] = HistoryOperation(
        process: process, function: function, key: key, value: value, expected: expected, invoke: count,
        complete: nil)
    case .ok, .fail, .info:
      guard var op = open.removeValue(forKey: process) else {
        throw .completionWithoutInvocation(event: count, process: process)
      }
      switch type {
      case .fail: failed += 1
      case .info: done.append(op)
      default:
        op.complete = count
        if op.function == .read || op.function == .get { op.value = value }
        done.append(op)
      }
    }
  }

  /// The history; operations still open at the end count as timed out.
  public func build() -> History {
    History(
      operations: (done + open.values).sorted { ($0.invoke, $0.process) < ($1.invoke, $1.process) }, events: count,
      failed: failed)
  }
}
