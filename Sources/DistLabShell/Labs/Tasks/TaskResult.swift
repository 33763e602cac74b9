import DistLab
import DistLabTasks

/// What a `task` command did.
public enum TaskResult: Sendable {
  case started(nodes: [NodeInfo], settings: WorkerSettings)
  case workersAdded([NodeInfo], settings: WorkerSettings)
  case sent(DistLabTasks.SendOutcome)
  /// `task status`: what the backend answered (nil: it did not answer).
  case status(id: String, TaskStatus?, message: TaskMessage?)
  case list([(TaskMessage, TaskStatus?)])
  case waited(id: String, TaskStatus?, waited: Nanoseconds, timeout: Nanoseconds)
  /// `task queues`: the broker's answer, or nil when it did not answer.
  case queues(BrokerStats?, at: Nanoseconds)
  case inspected(what: String, [(NodeID, Value?)])
  case revoked(id: String, terminate: Bool, acknowledged: [NodeID], asked: [NodeID])
  /// `task timeline`: every run on every worker slot, from the trace.
  case timeline(TaskTimeline)
  /// `task chain|group|chord`: every task it made, and the publishes made now.
  case canvas(TaskClient.CanvasKind, [TaskMessage], [DistLabTasks.SendOutcome])
  case beatStarted(NodeInfo, entries: Int)
  case entrySet(BeatEntry, beats: [NodeID], asked: [NodeID])
  case entryRemoved(String, beats: [NodeID], asked: [NodeID])
  case beatListed(schedule: [BeatEntry], answers: [(NodeID, Value?)])
  /// After `task start --redis`: what a command did on the real Redis.
  case onRedis(TaskRedisResult)
}
