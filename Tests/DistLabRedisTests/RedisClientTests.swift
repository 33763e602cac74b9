import DistLab
import DistLabRedis
import Foundation
import XCTest

/// The client against a real redis-server: pipelining keeps order, BRPOP blocks until a push
/// or its timeout, MULTI/EXEC and WATCH behave as Redis's transactions do, a Lua script runs,
/// a subscriber hears what is published, and a server that goes away or was never there is
/// said in a line.
final class RedisClientTests: XCTestCase {
  func client(_ server: LocalRedisServer, db: Int = 0) throws -> RedisClient {
    let c = try RedisClient.connect(host: "127.0.0.1", port: server.port, db: db)
    addTeardownBlock { c.close() }
    return c
  }

  func testCommandsAnswerAndAPipelineKeepsItsOrder() throws {
    let server = try startRedis(for: self)
    let c = try client(server)
    XCTAssertEqual(try c.call(["PING"]), .simple("PONG"))
    XCTAssertEqual(try c.call(["SET", "k", "v"]), .simple("OK"))
    XCTAssertEqual(try c.call(["GET", "k"]).string, "v")
    XCTAssertEqual(try c.call(["GET", "missing"]), .bulk(nil))
    if case .error(let e) = try c.call(["INCR", "k"]) {
      XCTAssertTrue(e.hasPrefix("ERR value is not an integer"), e)
    } else {
      XCTFail("INCR of text is Redis's error")
    }
    let answers = try c.pipeline((1...1000).map { _ in [Array("INCR".utf8), Array("n".utf8)] })
    XCTAssertEqual(answers.compactMap(\.int), Array(1...1000))
  }

  func testBRPOPWaitsForAPushOrItsTimeout() throws {
    let server = try startRedis(for: self)
    let consumer = try client(server)
    let producer = try client(server)
    let started = Date()
    XCTAssertEqual(try consumer.call(["BRPOP", "q", "1"], timeout: 5), .array(nil), "nothing came within 1 s")
    XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.9)
    let waiting = consumer.send(["BRPOP", "q", "5"])
    usleep(100_000)
    XCTAssertEqual(try producer.call(["LPUSH", "q", "first", "second"]), .integer(2))
    let got = try waiting.wait()
    XCTAssertEqual(got.array?.map(\.string), ["q", "first"], "BRPOP pops the oldest of LPUSHed values")
  }

  func testATransactionAppliesWholeAndWATCHAbortsItWhenTheKeyChanged() throws {
    let server = try startRedis(for: self)
    let a = try client(server)
    let b = try client(server)
    let exec = try a.pipeline(
      [
        ["MULTI"], ["HSET", "unacked", "tag1", "m1"], ["ZADD", "unacked_index", "100", "tag1"], ["EXEC"],
      ].map { $0.map { Array($0.utf8) } })
    XCTAssertEqual(exec.last, .array([.integer(1), .integer(1)]))
    XCTAssertEqual(try a.call(["WATCH", "unacked"]), .simple("OK"))
    XCTAssertEqual(try b.call(["HDEL", "unacked", "tag1"]), .integer(1))
    let aborted = try a.pipeline(
      [["MULTI"], ["HSET", "unacked", "tag2", "m2"], ["EXEC"]].map { $0.map { Array($0.utf8) } })
    XCTAssertEqual(aborted.last, .array(nil), "another client changed the watched key: EXEC does nothing")
    XCTAssertEqual(try a.call(["HLEN", "unacked"]), .integer(0))
  }

  func testALuaScriptRunsOnTheServer() throws {
    let server = try startRedis(for: self)
    let c = try client(server)
    _ = try c.call(["RPUSH", "l", "a", "b", "c"])
    let script = "local n = redis.call('LLEN', KEYS[1]); redis.call('DEL', KEYS[1]); return n"
    XCTAssertEqual(try c.call(["EVAL", script, "1", "l"]), .integer(3))
    XCTAssertEqual(try c.call(["EXISTS", "l"]), .integer(0))
  }

  func testASubscriberHearsWhatIsPublished() throws {
    let server = try startRedis(for: self)
    let listener = try client(server)
    let publisher = try client(server)
    let heard = Locked<[String]>([])
    try listener.subscribe(["celery-task-meta-abc"]) { name, payload in
      heard.withLock { $0.append("\(name): \(String(decoding: payload, as: UTF8.self))") }
    }
    XCTAssertEqual(try publisher.call(["PUBLISH", "celery-task-meta-abc", "{\"status\": \"SUCCESS\"}"]), .integer(1))
    let deadline = Date().addingTimeInterval(3)
    while heard.withLock({ $0.isEmpty }) && Date() < deadline { usleep(5_000) }
    XCTAssertEqual(heard.withLock { $0 }, ["celery-task-meta-abc: {\"status\": \"SUCCESS\"}"])
  }

  func testAServerThatStopsOrWasNeverThereIsSaidInALine() throws {
    let server = try startRedis(for: self)
    let c = try client(server)
    let blocked = c.send(["BRPOP", "q", "0"])
    server.stop()
    XCTAssertThrowsError(try blocked.wait()) { e in
      XCTAssertEqual(e as? RedisError, .connectionClosed("127.0.0.1:\(server.port)"))
    }
    XCTAssertThrowsError(try c.call(["PING"], timeout: 1)) { e in
      XCTAssertEqual(e as? RedisError, .connectionClosed("127.0.0.1:\(server.port)"), "nothing is silently dropped")
    }
    XCTAssertThrowsError(try RedisClient.connect(host: "127.0.0.1", port: server.port)) { e in
      XCTAssertEqual(
        "\(e)", "Redis at 127.0.0.1:\(server.port) is unreachable: connection refused")
    }
  }
}
