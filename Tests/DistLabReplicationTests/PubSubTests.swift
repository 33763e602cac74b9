import DistLab
import DistLabReplication
import XCTest

/// Publish-subscribe: fan-out to every subscriber, at-most-once for a plain subscriber that
/// is down, every message exactly once for a durable one across a restart, and a consumer
/// group sharing a topic's messages.
final class PubSubTests: XCTestCase {
  func lab(subscribers: Int) throws -> (World, PubSubClient) {
    let world = World(
      config: WorldConfig(), roles: RoleCatalog([PubSubClient.brokerRole, PubSubClient.subscriberRole]))
    let client = PubSubClient(world: world)
    _ = try client.start(subscribers: subscribers)
    return (world, client)
  }

  func metric(_ world: World, _ node: NodeID, _ name: String) throws -> Double? {
    try world.summary(of: node)?.metric(name)
  }

  func testAPlainSubscriberMissesWhatArrivesWhileItIsDownAndADurableOneCatchesUp() throws {
    let (world, client) = try lab(subscribers: 2)
    let (plain, durable) = (client.subscribers[0], client.subscribers[1])
    _ = try client.subscribe(plain, topic: "news", durable: false, group: nil)
    _ = try client.subscribe(durable, topic: "news", durable: true, group: nil)
    for k in 1...3 { _ = try client.publish("news", .int(Int64(k))) }
    _ = try world.advance(by: .milliseconds(10))
    _ = try world.kill([plain, durable])
    for k in 4...6 { _ = try client.publish("news", .int(Int64(k))) }
    _ = try world.restart([plain, durable])
    _ = try world.advance(by: .milliseconds(10))
    for k in 7...8 { _ = try client.publish("news", .int(Int64(k))) }
    _ = try world.advance(by: .milliseconds(10))
    XCTAssertEqual(try metric(world, plain, "messages"), 5, "missed 4, 5 and 6 while down")
    XCTAssertEqual(try metric(world, durable, "messages"), 8, "every message")
    XCTAssertEqual(try metric(world, durable, "duplicates"), 0, "and each once")
  }

  func testAConsumerGroupSharesATopic() throws {
    let (world, client) = try lab(subscribers: 3)
    for s in client.subscribers { _ = try client.subscribe(s, topic: "jobs", durable: false, group: "g") }
    for k in 1...9 { _ = try client.publish("jobs", .int(Int64(k))) }
    _ = try world.advance(by: .milliseconds(10))
    for s in client.subscribers { XCTAssertEqual(try metric(world, s, "messages"), 3) }
  }

  /// A slow subscriber with a full buffer: dropping loses exactly what did not fit, and the
  /// fast subscriber is not held back; blocking loses nothing and slows the publisher (and so
  /// every subscriber) to the slow one's pace.
  func testAFullBufferDropsForTheSlowSubscriberOrBlocksThePublisher() throws {
    for block in [false, true] {
      let (world, client) = try lab(subscribers: 2)
      _ = try client.setFlow(PubSubFlow(buffer: 4, block: block))
      let (fast, slow) = (client.subscribers[0], client.subscribers[1])
      _ = try client.subscribe(fast, topic: "t", durable: false, group: nil)
      _ = try client.subscribe(slow, topic: "t", durable: false, group: nil, pace: .milliseconds(50))
      let start = world.now
      let results = try client.publish("t", messages: (1...12).map { .int(Int64($0)) }, cancel: { false })
      let took = world.now - start
      XCTAssertEqual(results.filter { if case .value = $0.0 { true } else { false } }.count, 12)
      _ = try world.advance(by: .seconds(1))
      XCTAssertEqual(try metric(world, fast, "messages"), 12)
      if block {
        XCTAssertEqual(try metric(world, slow, "messages"), 12, "nothing dropped")
        XCTAssertEqual(try metric(world, client.broker!, "dropped"), 0)
        XCTAssertGreaterThanOrEqual(took, .milliseconds(50 * 7), "the publisher waited for room 7 times")
      } else {
        XCTAssertEqual(try metric(world, slow, "messages"), 5, "one in hand and four in the buffer")
        XCTAssertEqual(try metric(world, client.broker!, "dropped"), 7)
        XCTAssertLessThan(took, .milliseconds(50), "the publisher never waited")
      }
    }
  }

  /// A slow durable subscriber killed while handling a message never handled it; after its
  /// restart the broker resends from its last acknowledged offset, so each message is handled
  /// once in the end.
  func testASlowDurableSubscriberKilledMidMessageHandlesEachMessageOnce() throws {
    let (world, client) = try lab(subscribers: 1)
    let sub = client.subscribers[0]
    _ = try client.subscribe(sub, topic: "t", durable: true, group: nil, pace: .milliseconds(100))
    for k in 1...3 { _ = try client.publish("t", .int(Int64(k))) }
    _ = try world.advance(by: .milliseconds(150))
    _ = try world.kill([sub])
    _ = try world.restart([sub])
    _ = try world.advance(by: .seconds(1))
    XCTAssertEqual(try metric(world, sub, "messages"), 3)
    XCTAssertEqual(try metric(world, sub, "duplicates"), 0)
  }
}
