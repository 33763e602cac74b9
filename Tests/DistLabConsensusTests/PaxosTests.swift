import DistLab
import DistLabConsensus
import XCTest

/// Paxos as nodes: one proposer decides; two competing proposers agree; and across 1,000
/// seeds with loss, duplication and an acceptor crashing, at most one value is ever chosen.
final class PaxosTests: XCTestCase {
  func lab(seed: UInt64, random: Bool = true) throws -> (World, PaxosClient) {
    var config = WorldConfig()
    config.seed = seed
    let world = World(config: config, roles: RoleCatalog(PaxosClient.roles))
    let client = PaxosClient(world: world)
    _ = try client.start(acceptors: 3, proposers: 2, learners: 1, randomBackoff: random, forgetful: false)
    return (world, client)
  }

  func testOneProposerDecidesAndTheLearnerLearns() throws {
    let (world, client) = try lab(seed: 1)
    _ = try client.propose(.string("x"), via: client.proposers[0])
    _ = try world.advance(by: .milliseconds(100))
    XCTAssertEqual(client.ledger.values, [.string("x")])
    XCTAssertEqual(try world.summary(of: client.learners[0])?.metric("learned"), 1)
  }

  func testAtMostOneValueIsChosenAcrossAThousandSeedsWithLossDuplicationAndCrashes() throws {
    var decided = 0
    for seed in UInt64(1)...1000 {
      let (world, client) = try lab(seed: seed)
      try world.setLoss(0.1)
      try world.setDuplication(0.1)
      _ = try client.propose(.string("x"), via: client.proposers[0])
      _ = try client.propose(.string("y"), via: client.proposers[1])
      _ = try world.advance(by: .milliseconds(Double(seed % 7) * 3))
      let victim = client.acceptors[Int(seed % 3)]
      _ = try world.kill([victim])
      _ = try world.advance(by: .milliseconds(20))
      _ = try world.restart([victim])
      _ = try world.advance(by: .seconds(3))
      let ledger = client.ledger
      XCTAssertTrue(ledger.isSafe, "seed \(seed): \(ledger.values)")
      if !ledger.values.isEmpty { decided += 1 }
    }
    XCTAssertGreaterThan(decided, 900, "and with random backoff nearly every run decides")
  }

  func testForgetfulAcceptorsCanBreakSafety() throws {
    // The same crash schedule the model checker finds, played with nodes: a forgetful acceptor
    // can accept an older ballot after promising a newer one. Across seeds, some run breaks.
    var broken = 0
    for seed in UInt64(1)...200 {
      var config = WorldConfig()
      config.seed = seed
      let world = World(config: config, roles: RoleCatalog(PaxosClient.roles))
      let client = PaxosClient(world: world)
      _ = try client.start(acceptors: 3, proposers: 2, learners: 0, randomBackoff: false, forgetful: true)
      try world.setLatency(.uniform(mean: .milliseconds(5), spread: .milliseconds(5)))
      _ = try client.propose(.string("x"), via: client.proposers[0])
      _ = try client.propose(.string("y"), via: client.proposers[1])
      for a in client.acceptors {
        _ = try world.advance(by: .milliseconds(3))
        _ = try world.kill([a])
        _ = try world.restart([a])
      }
      _ = try world.advance(by: .seconds(1))
      if !client.ledger.isSafe { broken += 1 }
    }
    XCTAssertGreaterThan(broken, 0)
  }
}
