import DistLab
import DistLabTasks
import DistLabTasksRedis

/// What a `celery` command did, for the renderer.
public enum CeleryShellResult: Sendable {
  case connected(url: String, server: String)
  case sent(short: String, id: String, call: String, queue: String)
  case chained(shorts: [String], calls: [String], queue: String)
  case status(short: String, CeleryResult)
  case waited(short: String, CeleryResult, seconds: Double, timeout: Double)
  case workerStarted(concurrency: Int, acksLate: Bool, queues: [String], retries: Retries)
  case workerStopped(completed: Int)
  case queues([(name: String, waiting: Int)], unacked: Int, dead: Int)
  case log([RedisTaskWorker.LogLine])
  case restored(Int)
  /// With `terminate`, the signal's name.
  case revoked(short: String, listeners: Int, terminate: String?)

  /// How the worker retries a task that fails: the task options `max_retries`,
  /// `default_retry_delay` (seconds) and `retry_backoff`.
  public struct Retries: Sendable {
    public var max: Int
    public var delay: Double
    public var backoff: Bool
  }
}
