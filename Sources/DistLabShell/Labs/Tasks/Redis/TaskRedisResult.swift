import DistLab
import DistLabTasks
import DistLabTasksRedis

/// What a `task` command did on a real Redis, after `task start --redis`: what was sent, by
/// short id, and what the Redis and its result backend answered.
public enum TaskRedisResult: Sendable {
  case started(url: String, server: String, workers: [Worker])
  case workersAdded([Worker])
  case sent(CeleryBridge.Sent, countdown: Nanoseconds?, expires: Nanoseconds?)
  /// `task chain|group`: every task it made, in order.
  case canvas(TaskClient.CanvasKind, [CeleryBridge.Sent])
  case status(CeleryBridge.Sent, CeleryResult)
  case list([(CeleryBridge.Sent, CeleryResult)])
  case waited(CeleryBridge.Sent, CeleryResult, waited: Nanoseconds, timeout: Nanoseconds)
  case queues([(name: String, waiting: Int)], unacked: Int, dead: Int)
  /// `listeners`: how many heard the broadcast.
  case revoked(CeleryBridge.Sent, terminate: Bool, listeners: Int)

  /// A worker started in this shell, and its settings (its restore sweep every
  /// `restoreInterval` × `restoreThrottle`, as kombu's settings make it).
  public struct Worker: Sendable {
    public var name: String
    public var settings: RedisTaskWorker.Settings
    public var restoreInterval: Nanoseconds
    public var restoreThrottle: Int
  }
}
