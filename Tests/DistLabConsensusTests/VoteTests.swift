import DistLab
import DistLabConsensus
import XCTest

/// The naive agreement protocol: with every voter up it agrees; waiting for every vote, one
/// dead voter blocks the rest for ever; with a timeout, a voter that is only slow splits the
/// decisions. And a kill and a long delay look the same, message for message, from a voter.
final class VoteTests: XCTestCase {
  let roles = RoleCatalog([VoteClient.role])

  func lab(timeout: Nanoseconds?) throws -> (World, VoteClient) {
    let world = World(config: WorldConfig(), roles: roles)
    let client = VoteClient(world: world)
    _ = try client.start(values: [.int(3), .int(2), .int(1)], timeout: timeout)
    return (world, client)
  }

  func testEveryoneUpAgreesOnTheSmallestValue() throws {
    let (world, client) = try lab(timeout: nil)
    try client.begin()
    _ = try world.advance(by: .milliseconds(10))
    XCTAssertEqual(client.decisions.map(\.value), [.int(1), .int(1), .int(1)])
  }

  func testWaitingForEveryVoteBlocksForEverWhenOneVoterIsDead() throws {
    let (world, client) = try lab(timeout: nil)
    _ = try world.kill([client.voters[2]])
    try client.begin()
    _ = try world.advance(by: .seconds(3600))
    XCTAssertTrue(client.decisions.isEmpty)
  }

  func testATimeoutSplitsTheDecisionsWhenAVoterIsOnlySlow() throws {
    let (world, client) = try lab(timeout: .milliseconds(100))
    try world.setLatency(.fixed(.milliseconds(150)), link: Link(client.voters[2], client.voters[0]))
    try client.begin()
    _ = try world.advance(by: .seconds(1))
    let byVoter = Dictionary(uniqueKeysWithValues: client.decisions.map { ($0.voter, $0.value) })
    XCTAssertEqual(byVoter[client.voters[0]], .int(2), "v1 never heard v3's 1 in time")
    XCTAssertEqual(byVoter[client.voters[1]], .int(1))
  }

  func testAKillAndALongDelayLookTheSameToAnotherVoter() throws {
    let t = try VoteTwins.run(seed: 5, roles: roles, watch: .seconds(5))
    XCTAssertTrue(t.identical)
    XCTAssertFalse(t.killed.isEmpty, "v1 did see v2's value in both")
    XCTAssertEqual(t.inFlight, 2, "in the slow world v3's two values are on their way")
  }
}
