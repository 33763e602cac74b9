import DistLabRedis
import XCTest

/// Redis's protocol as bytes, without a server: commands as Redis reads them, every reply
/// type read back, replies cut anywhere waiting for the rest, and bytes that are not RESP
/// refused in a line.
final class RESPCodecTests: XCTestCase {
  func testACommandIsAnArrayOfBulkStrings() {
    XCTAssertEqual(
      String(decoding: RESPCodec.command(["SET", "k", "héllo"]), as: UTF8.self),
      "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\nhéllo\r\n")
  }

  func testEveryReplyTypeRoundTripsAndAReplyCutAnywhereWaitsForTheRest() throws {
    let values: [RESPValue] = [
      .simple("OK"), .error("ERR wrong number of arguments"), .integer(-42), .bulk(nil), .text(""),
      .bulk([0, 13, 10, 255]), .array(nil), .array([]),
      .array([.text("message"), .text("celery-task-meta-1"), .integer(1), .array([.bulk(nil)])]),
    ]
    for v in values {
      let bytes = RESPCodec.encode(v)
      let (decoded, next) = try XCTUnwrap(try RESPCodec.decode(bytes))
      XCTAssertEqual(decoded, v)
      XCTAssertEqual(next, bytes.count)
      for cut in 0..<bytes.count {
        XCTAssertNil(try RESPCodec.decode(Array(bytes[0..<cut])), "\(v) cut at \(cut) is not whole")
      }
    }
    // Two replies back to back: the second starts where the first ended.
    let two = RESPCodec.encode(.integer(1)) + RESPCodec.encode(.text("x"))
    let (_, at) = try XCTUnwrap(try RESPCodec.decode(two))
    XCTAssertEqual(try RESPCodec.decode(two, at: at)?.0, .text("x"))
  }

  func testBytesThatAreNotRedisAreRefusedInALine() {
    XCTAssertThrowsError(try RESPCodec.decode(Array("HTTP/1.1 400\r\n".utf8))) { e in
      XCTAssertEqual(e as? RESPCodec.ProtocolError, .badType(UInt8(ascii: "H")))
    }
    XCTAssertThrowsError(try RESPCodec.decode(Array("$abc\r\n".utf8)))
    XCTAssertThrowsError(try RESPCodec.decode(Array("$999999999999\r\n".utf8))) { e in
      XCTAssertEqual(e as? RESPCodec.ProtocolError, .tooLarge(999_999_999_999))
    }
  }

  func testARedisURLGivesHostPortAndDatabase() {
    XCTAssertEqual(RedisClient.parse(url: "redis://127.0.0.1:6380/2")?.port, 6380)
    XCTAssertEqual(RedisClient.parse(url: "redis://127.0.0.1:6380/2")?.db, 2)
    XCTAssertEqual(RedisClient.parse(url: "redis://localhost")?.port, 6379)
    XCTAssertNil(RedisClient.parse(url: "http://localhost:6379"))
    XCTAssertNil(RedisClient.parse(url: "redis://host:99999"))
    XCTAssertNil(RedisClient.parse(url: "redis://host/x"))
  }
}
