import DistLab

/// Every run of a task on a worker slot, read from the workers' trace events and the node
/// kills in the trace: the world's truth, for the timeline view (as `trace` shows it).
public struct TaskTimeline: Sendable {
  public enum Ending: Sendable, Equatable {
    case succeeded, failed, retried, terminated
    /// Its worker was killed while it ran.
    case killed
    /// Still running now.
    case running
  }

  public struct Run: Sendable, Equatable {
    public var id: String
    public var worker: NodeID
    public var slot: Int
    public var start: Nanoseconds
    public var end: Nanoseconds
    public var ending: Ending
    /// Not the id's first run: a duplicate.
    public var repeated: Bool
  }

  public var runs: [Run] = []
  public var now: Nanoseconds

  public init(_ trace: TraceLog, now: Nanoseconds) {
    self.now = now
    var open: [String: Int] = [:]  // "worker/slot" → index in runs
    var seen = Set<String>()
    func key(_ node: NodeID, _ slot: Int) -> String { "\(node.number)/\(slot)" }
    for e in trace.ordered {
      if e.kind == .kill || e.kind == .restart {
        for (k, i) in open where runs[i].worker == e.node {
          runs[i].end = e.time
          runs[i].ending = .killed
          open[k] = nil
        }
        continue
      }
      guard case .event(let topic, let values) = e.detail, let id = values.first?.stringValue,
        values.count > 1, let slot = values[1].intValue.map(Int.init)
      else { continue }
      let k = key(e.node, slot)
      switch topic {
      case "task.started":
        runs.append(
          Run(
            id: id, worker: e.node, slot: slot, start: e.time, end: now, ending: .running,
            repeated: !seen.insert(id).inserted))
        open[k] = runs.count - 1
      case "task.succeeded", "task.failed", "task.retry", "task.terminated", "task.lost":
        guard let i = open.removeValue(forKey: k) else { continue }
        runs[i].end = e.time
        let endings: [String: Ending] = [
          "task.succeeded": .succeeded, "task.failed": .failed, "task.retry": .retried, "task.lost": .killed,
        ]
        runs[i].ending = endings[topic] ?? .terminated
      default: continue
      }
    }
  }

  /// The lanes that had a run: each worker slot, in node then slot order.
  public var lanes: [(worker: NodeID, slot: Int)] {
    var seen = Set<String>()
    return runs.map { ($0.worker, $0.slot) }.filter { seen.insert("\($0.0.number)/\($0.1)").inserted }.sorted {
      ($0.0, $0.1) < ($1.0, $1.1)
    }
  }
}
