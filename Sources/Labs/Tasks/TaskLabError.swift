import DistLab

/// Why the task lab refused (and changed nothing): the facts, worded by the shell.
public enum TaskLabError: Error, Equatable, Sendable {
  case world(WorldError)
  /// No broker yet: `task start` first.
  case notStarted
  case alreadyStarted
  case unknownTask(String)
  case arguments(task: String, ArgumentMismatch)
  case unknownID(String)
  case noWorkers
  case unknownInspection(String)
  /// A beat already runs: Celery runs exactly one, and a second publishes every entry again.
  case beatRunning(NodeID)
  case noBeat
  case unknownEntry(String)
  case badCrontab(Crontab.Problem)
}
