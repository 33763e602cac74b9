import DistLab
import DistLabRedis
import DistLabTasks
import DistLabTasksRedis
import Foundation

/// The shell's side of the task lab on a real Redis: the connection (as Celery's producer and
/// result-backend client), the tasks sent from here by short id, and a worker running in this
/// process, if one was started. It lasts as long as the world: a reset stops its worker.
public final class CeleryBridge: LabClient {
  let world: World
  let generation: Int
  var url: String?
  var broker: KombuRedis?
  /// Tasks sent from this shell: `C1`, `C2`, … and the id Celery knows each by.
  var sent: [(short: String, id: String, call: String)] = []
  var worker: RedisTaskWorker?

  public required init(world: World) {
    self.world = world
    generation = world.generation
  }

  public var isStale: Bool { world.generation != generation }

  deinit {
    worker?.stop()
    broker?.client.close()
  }

  /// The Celery id of a short id (or an id given whole).
  func id(_ text: String) -> String? {
    if let s = sent.first(where: { $0.short == text }) { return s.id }
    return sent.first { $0.id == text }?.id
  }
}

extension CeleryBridge {
  /// Why a `celery` command could not do what it was asked, in the shell's words.
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
