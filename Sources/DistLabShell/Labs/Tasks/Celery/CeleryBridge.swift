import DistLab
import DistLabRedis
import DistLabTasks
import DistLabTasksRedis
import Foundation

/// The shell's side of the task lab on a real Redis: the connection (as Celery's producer and
/// result-backend client), the tasks sent from here by short id, and the workers running in
/// this process. Both the `celery` family and the `task` family after `task start --redis`
/// use it. It lasts as long as the world: a reset stops its workers.
public final class CeleryBridge: LabClient {
  let world: World
  let generation: Int
  var url: String?
  var broker: KombuRedis?
  /// Tasks sent from this shell: `C1`, `C2`, … from `celery`, `T1`, `T2`, … from `task` on
  /// Redis, each with the id Celery knows it by.
  var sent: [Sent] = []
  /// Workers running in this process: `celery worker start`'s, or the task family's w1, w2, ….
  var workers: [(name: String, worker: RedisTaskWorker)] = []
  /// Whether `task start --redis` made the `task` commands act on this Redis.
  var tasksOnRedis = false

  /// A task sent from this shell: its short id, Celery's id, the call and the queue.
  public struct Sent: Sendable {
    public var short: String
    public var id: String
    public var call: String
    public var queue: String
  }

  public required init(world: World) {
    self.world = world
    generation = world.generation
  }

  public var isStale: Bool { world.generation != generation }

  deinit {
    for w in workers { w.worker.stop() }
    broker?.client.close()
  }

  /// The task sent under a short id with `prefix` (or given by its whole id).
  func task(_ text: String, prefix: String) -> Sent? {
    sent.first { $0.short == text && $0.short.hasPrefix(prefix) }
      ?? sent.first { $0.id == text && $0.short.hasPrefix(prefix) }
  }

  /// The short ids sent with `prefix`, in order.
  func shorts(_ prefix: String) -> [String] { sent.map(\.short).filter { $0.hasPrefix(prefix) } }
}

extension CeleryBridge {
  /// Why an operation on the Redis could not be done, in the shell's words.
  enum Problem: Error {
    case notConnected
    case badURL(String)
    case redis(RedisError)
    case noWorker
    case workerRunning
  }
}

extension ShellSession {
  var celery: CeleryBridge { labs.client(CeleryBridge.self, world: world) }
}
