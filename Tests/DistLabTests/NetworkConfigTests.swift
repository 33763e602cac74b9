import DistLab
import XCTest

/// The network as a value: what blocks a message, what becomes of it, how far apart regions are.
final class NetworkConfigTests: XCTestCase {
  let n1 = NodeID(1)
  let n2 = NodeID(2)
  let n3 = NodeID(3)
  let n4 = NodeID(4)

  func testAFreshNetworkBlocksNothing() {
    let net = NetworkConfig()
    for a in [NodeID.client, n1, n2] {
      for b in [NodeID.client, n1, n2] { XCTAssertNil(net.blockage(from: a, to: b)) }
    }
    XCTAssertEqual(net.loss, 0)
    XCTAssertEqual(net.duplication, 0)
    XCTAssertEqual(net.latency, .default)
  }

  func testAOneWayCutBlocksOnlyItsDirection() {
    var net = NetworkConfig()
    net.cuts.insert(DirectedLink(from: n1, to: n2))
    XCTAssertEqual(net.blockage(from: n1, to: n2), .cut)
    XCTAssertNil(net.blockage(from: n2, to: n1))
    XCTAssertNil(net.blockage(from: n1, to: n3))
  }

  func testAPartitionBlocksBetweenGroupsBothWaysAndNothingElse() {
    var net = NetworkConfig()
    net.partitions.append([[n1, n2], [n3, .client]])
    XCTAssertEqual(net.blockage(from: n1, to: n3), .partition)
    XCTAssertEqual(net.blockage(from: n3, to: n2), .partition)
    XCTAssertEqual(net.blockage(from: .client, to: n1), .partition)
    XCTAssertNil(net.blockage(from: n1, to: n2), "same group")
    XCTAssertNil(net.blockage(from: n3, to: .client), "same group")
    XCTAssertNil(net.blockage(from: n4, to: n1), "a node in no group is not cut off")
    XCTAssertNil(net.blockage(from: n1, to: n1), "a node always reaches itself")
  }

  func testSeveralPartitionsAllApply() {
    var net = NetworkConfig()
    net.partitions.append([[n1], [n2]])
    net.partitions.append([[n3], [n4]])
    XCTAssertEqual(net.blockage(from: n1, to: n2), .partition)
    XCTAssertEqual(net.blockage(from: n4, to: n3), .partition)
    XCTAssertNil(net.blockage(from: n1, to: n3))
  }

  func testBlockedMessagesAreDroppedWithTheReason() {
    var net = NetworkConfig()
    net.partitions.append([[n1], [n2]])
    var rng = SeededRandom(seed: 1)
    XCTAssertEqual(net.fate(from: n1, to: n2, rng: &rng), .dropped(reason: .partition))
  }

  func testLossOneDropsEverythingAndLossZeroNothing() {
    var rng = SeededRandom(seed: 2)
    var net = NetworkConfig()
    net.loss = 1
    for _ in 0..<1000 { XCTAssertEqual(net.fate(from: n1, to: n2, rng: &rng), .dropped(reason: .loss)) }
    net.loss = 0
    for _ in 0..<1000 { XCTAssertEqual(net.fate(from: n1, to: n2, rng: &rng), .delivered([.milliseconds(1)])) }
  }

  func testPartialLossDropsAboutThatShare() {
    var rng = SeededRandom(seed: 3)
    var net = NetworkConfig()
    net.loss = 0.25
    let dropped = (0..<20_000).filter { _ in net.fate(from: n1, to: n2, rng: &rng) == .dropped(reason: .loss) }.count
    XCTAssertEqual(Double(dropped) / 20_000, 0.25, accuracy: 0.015)
  }

  func testDuplicationOneGivesTwoCopies() {
    var rng = SeededRandom(seed: 4)
    var net = NetworkConfig()
    net.duplication = 1
    net.latency = .uniform(mean: .milliseconds(10), spread: .milliseconds(5))
    for _ in 0..<200 {
      guard case .delivered(let delays) = net.fate(from: n1, to: n2, rng: &rng) else { return XCTFail("dropped") }
      XCTAssertEqual(delays.count, 2)
      for d in delays { XCTAssertTrue((Nanoseconds.milliseconds(5)...Nanoseconds.milliseconds(15)).contains(d)) }
    }
  }

  func testPerLinkSettingsOverrideTheGlobalOnesOnThatLinkOnly() {
    var rng = SeededRandom(seed: 5)
    var net = NetworkConfig()
    net.linkLatency[Link(n2, n1)] = .fixed(.milliseconds(50))
    net.linkLoss[Link(n1, n3)] = 1
    XCTAssertEqual(net.fate(from: n1, to: n2, rng: &rng), .delivered([.milliseconds(50)]))
    XCTAssertEqual(net.fate(from: n2, to: n1, rng: &rng), .delivered([.milliseconds(50)]), "a link is both ways")
    XCTAssertEqual(net.fate(from: n3, to: n1, rng: &rng), .dropped(reason: .loss))
    XCTAssertEqual(net.fate(from: n2, to: n3, rng: &rng), .delivered([.milliseconds(1)]))
  }

  func testMinimumDelayIsTheSmallestFloorOfAnyModel() {
    var net = NetworkConfig()
    net.latency = .fixed(.milliseconds(10))
    XCTAssertEqual(net.minimumDelay, .milliseconds(10))
    net.linkLatency[Link(n1, n2)] = .uniform(mean: .milliseconds(5), spread: .milliseconds(2))
    XCTAssertEqual(net.minimumDelay, .milliseconds(3))
    net.linkLatency[Link(n1, n3)] = .exponential(mean: .milliseconds(5))
    XCTAssertEqual(net.minimumDelay, .zero)
  }

  func testTheSameSeedGivesTheSameFates() {
    var net = NetworkConfig()
    net.loss = 0.3
    net.duplication = 0.3
    net.latency = .normal(mean: .milliseconds(8), spread: .milliseconds(3))
    func run(_ seed: UInt64) -> [MessageFate] {
      var rng = SeededRandom(seed: seed)
      return (0..<300).map { _ in net.fate(from: n1, to: n2, rng: &rng) }
    }
    XCTAssertEqual(run(1), run(1))
    XCTAssertNotEqual(run(1), run(2))
  }

  // MARK: Regions and the speed of light

  func testLightCoversTwoHundredThousandKilometresOfFibreASecond() {
    XCTAssertEqual(Region.lightFloor(km: 200_000), .seconds(1))
    XCTAssertEqual(Region.lightFloor(km: 0), .zero)
    XCTAssertEqual(Region.lightFloor(km: 1), .microseconds(5))
    XCTAssertEqual(Region.lightFloor(km: 2_000), .milliseconds(10))
  }

  func testGreatCircleDistances() {
    let origin = Region(name: "a", latitude: 0, longitude: 0)
    let quarter = Region(name: "b", latitude: 0, longitude: 90)
    let north = Region(name: "n", latitude: 90, longitude: 0)
    let south = Region(name: "s", latitude: -90, longitude: 0)
    let r = 6371.0
    XCTAssertEqual(origin.distanceKm(to: origin), 0, accuracy: 1e-9)
    XCTAssertEqual(origin.distanceKm(to: quarter), 2 * .pi * r / 4, accuracy: 1e-6)
    XCTAssertEqual(north.distanceKm(to: south), .pi * r, accuracy: 1e-6)
    XCTAssertEqual(quarter.distanceKm(to: origin), origin.distanceKm(to: quarter), accuracy: 1e-9)
  }

  func testPlacedNodesGetTheLightFloorAddedToTheirLatency() throws {
    var net = NetworkConfig()
    net.placement[n1] = "us-east"
    net.placement[n2] = "eu-west"
    let km = try XCTUnwrap(net.distanceKm(n1, n2))
    // Ashburn to Dublin is roughly 5,400 km over the globe.
    XCTAssertTrue((5_000...6_000).contains(km), "\(km) km")
    XCTAssertEqual(net.propagation(n1, n2), Region.lightFloor(km: km))
    XCTAssertEqual(net.propagation(n1, n3), .zero, "n3 is not placed")
    var rng = SeededRandom(seed: 1)
    XCTAssertEqual(net.fate(from: n1, to: n2, rng: &rng), .delivered([Region.lightFloor(km: km) + .milliseconds(1)]))
  }

  func testAnExplicitDistanceOverridesCoordinates() {
    var net = NetworkConfig()
    net.distances[["us-east", "eu-west"]] = 10_000
    XCTAssertEqual(net.distanceKm(regions: "eu-west", "us-east"), 10_000)
    XCTAssertEqual(net.distanceKm(regions: "us-east", "us-east"), 0)
    XCTAssertNil(net.distanceKm(regions: "us-east", "nowhere"))
  }

  func testTheCatalogueHasUniqueNamesOnEarth() {
    XCTAssertEqual(Set(Region.catalogue.map(\.name)).count, Region.catalogue.count)
    for r in Region.catalogue {
      XCTAssertTrue((-90...90).contains(r.latitude) && (-180...180).contains(r.longitude), r.name)
      XCTAssertNotNil(NetworkConfig().regions[r.name])
    }
  }
}
