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
}
