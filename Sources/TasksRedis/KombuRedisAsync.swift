import DistLab
import DistLabRedis
import DistLabTasks
import Foundation
import NIOCore

/// The moves a consumer makes for every task, as futures on the connection's event loop, so a
/// worker's slots run there without a thread waking for each answer: the same commands, in the
/// same order, as the waiting forms in `KombuRedis`.
extension KombuRedis {
  func checked(_ f: EventLoopFuture<RESPValue>, _ what: String) -> EventLoopFuture<Void> {
    f.flatMapThrowing { v in
      if case .error(let e) = v { throw RedisError.protocolError("\(what): Redis answered \(e)") }
    }
  }

  /// Sends the commands in one write and succeeds when every answer has come and none is an
  /// error (an aborted EXEC is not one: WATCH callers read it themselves).
  func all(_ commands: [[[UInt8]]], _ what: String) -> EventLoopFuture<Void> {
    client.send(batch: commands).flatMapThrowing { answers in
      for a in answers {
        if case .error(let e) = a { throw RedisError.protocolError("\(what): Redis answered \(e)") }
      }
    }
  }

  /// `consume`, as a future.
  public func consuming(_ queues: [String], seconds: Int) -> EventLoopFuture<Received?> {
    client.send(["BRPOP"] + queues + [String(seconds)]).flatMap { answer -> EventLoopFuture<Received?> in
      let loop = self.client.eventLoop
      if case .error(let e) = answer {
        return loop.makeFailedFuture(RedisError.protocolError("BRPOP: Redis answered \(e)"))
      }
      guard let pair = answer.array, pair.count == 2, let queue = pair[0].string, case .bulk(let bytes?) = pair[1]
      else {
        return loop.makeSucceededFuture(nil)
      }
      let envelope: CeleryEnvelope
      do throws(CeleryEnvelope.Malformed) {
        envelope = try CeleryEnvelope(json: bytes)
      } catch {
        let raw = String(decoding: bytes, as: UTF8.self)
        let reason = error.description
        let record = JSONText.encode(
          .map(["queue": .string(queue), "reason": .string(reason), "message": .string(raw)]))
        return self.checked(self.client.send(["LPUSH", Self.deadLetterKey, record]), "LPUSH").map {
          .rejected(Rejected(queue: queue, raw: raw, reason: reason))
        }
      }
      return self.all(self.holding(envelope, bytes: bytes, queue: queue), "MULTI/EXEC").map {
        .task(Delivery(envelope: envelope, bytes: bytes, queue: queue))
      }
    }
  }

  /// kombu's `QoS.append`: the tag scored by now, the payload with its exchange and routing key.
  func holding(_ envelope: CeleryEnvelope, bytes: [UInt8], queue: String) -> [[[UInt8]]] {
    var held: [UInt8] = []
    held.reserveCapacity(bytes.count + queue.utf8.count + 16)
    held.append(UInt8(ascii: "["))
    held += bytes
    held += Array(
      (", " + JSONText.encode(.string(envelope.exchange)) + ", " + JSONText.encode(.string(queue)) + "]").utf8)
    let now = Self.score(Date())
    return [
      Self.bytes(["MULTI"]), Self.bytes(["ZADD", Self.unackedIndexKey, now, envelope.deliveryTag]),
      Self.bytes(["HSET", Self.unackedKey, envelope.deliveryTag]) + [held], Self.bytes(["EXEC"]),
    ]
  }

  func acking(_ tag: String) -> [[[UInt8]]] {
    [
      Self.bytes(["MULTI"]), Self.bytes(["ZREM", Self.unackedIndexKey, tag]),
      Self.bytes(["HDEL", Self.unackedKey, tag]),
      Self.bytes(["EXEC"]),
    ]
  }

  func storing(_ result: CeleryResult) -> [[[UInt8]]] {
    let key = CeleryResult.key(result.taskID)
    let json = result.json
    return [
      Self.bytes(["SETEX", key, String(CeleryResult.expiresSeconds), json]), Self.bytes(["PUBLISH", key, json]),
    ]
  }

  /// `restore`, as a future: the held message back where BRPOP takes next, marked redelivered,
  /// as kombu restores what a consumer still holds when it closes.
  public func restoring(_ tag: String) -> EventLoopFuture<Void> {
    checked(client.send(["WATCH", Self.unackedKey]), "WATCH").flatMap {
      self.client.send(["HGET", Self.unackedKey, tag])
    }.flatMap { held in
      self.all(Self.restoring(tag, held: held, leftmost: false), "restore")
    }
  }

  /// `ack`, as a future.
  public func acknowledging(_ tag: String) -> EventLoopFuture<Void> { all(acking(tag), "ack") }
}
