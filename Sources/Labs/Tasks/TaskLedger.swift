import DistLab

/// What the workers really did, read from their typed trace events: the world's truth, as
/// the shell's `trace` shows it, for counting lost and duplicated tasks. No client reads it.
public struct TaskLedger: Sendable, Equatable {
  /// How many times each task id started running, on any worker.
  public var starts: [String: Int] = [:]
  /// How many times each id was delivered again after a restore.
  public var redeliveries: [String: Int] = [:]
  /// How many tasks each beat entry published, over every beat.
  public var beatSent: [String: Int] = [:]

  public init(_ trace: TraceLog) {
    for e in trace.ordered {
      guard case .event(let topic, let values) = e.detail, let id = values.first?.stringValue else { continue }
      switch topic {
      case "task.started": starts[id, default: 0] += 1
      case "task.received" where values.count > 2 && values[2] == .bool(true): redeliveries[id, default: 0] += 1
      case "beat.sent" where values.count > 1: beatSent[values[1].stringValue ?? "", default: 0] += 1
      default: break
      }
    }
  }

  /// Runs beyond the first, summed over every id.
  public var duplicates: Int { starts.values.reduce(0) { $0 + max(0, $1 - 1) } }
}
