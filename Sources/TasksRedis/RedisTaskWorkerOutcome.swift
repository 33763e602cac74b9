import DistLab
import DistLabRedis
import DistLabTasks
import Foundation

/// What a finished run writes, in the words of Celery's worker log: the final state with a
/// chain's next link after a success, or — for a task that retries its failure, while retries
/// are left — the retry message and RETRY, as Celery's `Task.retry` sends and stores them.
extension RedisTaskWorker {
  /// The lab's tasks declared with `autoretry_for`, and the exception types each retries, as
  /// the lab's Celery app declares them: `flaky` retries its ConnectionError; `fail` never
  /// retries.
  static let autoretryFor: [String: Set<String>] = ["flaky": ["ConnectionError"]]

  /// A run's writes, and whether the state they store is final (RETRY is not).
  struct Ending: Sendable {
    var commands: [[[UInt8]]]
    var ready: Bool
  }

  /// `began`: when the run started (`DispatchTime`'s nanoseconds), for the log's runtime.
  func ending(_ outcome: TaskOutcome, _ m: CeleryEnvelope, _ broker: KombuRedis, began: UInt64) -> Ending {
    let done = CeleryTime.iso(Date())
    var r: CeleryResult
    switch outcome {
    case .success(let v):
      let runtime = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
      say(m.id, "Task \(m.task)[\(m.id)] succeeded in \(runtime)s: \(CeleryResult.repr(v))")
      r = CeleryResult(taskID: m.id, state: "SUCCESS", result: v, dateDone: done)
    case .failure(let text):
      let parts = text.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      let type = parts.count == 2 ? parts[0] : "Exception"
      let message = parts.count == 2 ? parts[1] : text
      if Self.autoretryFor[m.task]?.contains(type) == true, m.retries < settings.maxRetries {
        return retrying(m, type: type, message: message, broker)
      }
      say(m.id, "Task \(m.task)[\(m.id)] raised unexpected: " + CeleryResult.repr(type: type, message: message))
      r = CeleryResult.failure(taskID: m.id, type: type, message: message, dateDone: done)
    case .workerLost:
      say(m.id, "Task \(m.task)[\(m.id)] raised unexpected: WorkerLostError")
      r = CeleryResult.failure(
        taskID: m.id, type: "WorkerLostError", message: "Worker exited prematurely", dateDone: done)
    }
    r.parentID = m.parentID
    return Ending(commands: broker.storing(r) + following(m, r), ready: true)
  }

  /// Celery's `Task.retry` from `autoretry_for`: the retry message first (the same id, one retry
  /// more, due after the countdown, to the same queue), then RETRY with the exception.
  func retrying(_ m: CeleryEnvelope, type: String, message: String, _ broker: KombuRedis) -> Ending {
    var random = SystemRandomNumberGenerator()
    let countdown = CeleryRetry.countdown(
      retries: m.retries, delay: settings.retryDelay, backoff: settings.retryBackoff,
      draw: Double(random.next() % 1_000_000) / 1e6)
    let again = m.retry(countdown: countdown, now: Date(), deliveryTag: UUID().uuidString.lowercased())
    let when = CeleryRetry.seconds(countdown)
    var r = CeleryResult.retry(taskID: m.id, type: type, message: message, countdown: when)
    r.parentID = m.parentID
    say(m.id, "Task \(m.task)[\(m.id)] retry: " + CeleryRetry.text(countdown: when, type: type, message: message))
    return Ending(commands: [KombuRedis.bytes(["LPUSH", again.queue, again.json])] + broker.storing(r), ready: false)
  }

  /// What a terminated run writes: REVOKED, `terminated`, as Celery's worker stores it.
  func terminated(_ m: CeleryEnvelope, _ broker: KombuRedis) -> Ending {
    var r = CeleryResult.revoked(taskID: m.id, reason: "terminated", dateDone: CeleryTime.iso(Date()))
    r.parentID = m.parentID
    return Ending(commands: broker.storing(r), ready: true)
  }

  /// The chain's next link, published once this task has succeeded (nothing otherwise: a failed
  /// link ends the chain, and the links after it stay PENDING).
  func following(_ m: CeleryEnvelope, _ r: CeleryResult) -> [[[UInt8]]] {
    guard r.state == "SUCCESS",
      let next = m.next(after: r.result, deliveryTag: UUID().uuidString.lowercased(), origin: settings.name)
    else { return [] }
    say(next.id, "Task \(m.task)[\(m.id)] chained \(next.task)[\(next.id)]")
    return [KombuRedis.bytes(["LPUSH", next.queue, next.json])]
  }
}
