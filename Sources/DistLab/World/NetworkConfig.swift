/// An unordered pair of nodes, for per-link settings.
public struct Link: Hashable, Sendable {
  public let a: NodeID
  public let b: NodeID
  public init(_ x: NodeID, _ y: NodeID) {
    a = min(x, y)
    b = max(x, y)
  }
}

/// A directed pair of nodes, for one-way cuts.
public struct DirectedLink: Hashable, Sendable {
  public let from: NodeID
  public let to: NodeID
  public init(from: NodeID, to: NodeID) {
    self.from = from
    self.to = to
  }
}

/// What happens to one message the network is given.
public enum MessageFate: Equatable, Sendable {
  case dropped(reason: DropReason)
  /// One delay per copy that will arrive: one normally, two when duplicated.
  case delivered([Nanoseconds])
}

/// The network's settings: latency, loss, duplication, partitions, cuts and regions. A value,
/// so a live-mode node can keep a private copy and the world can swap in a new one.
public struct NetworkConfig: Sendable, Equatable {
  public var latency: LatencyModel = .default
  public var loss: Double = 0
  public var duplication: Double = 0
  public var linkLatency: [Link: LatencyModel] = [:]
  public var linkLoss: [Link: Double] = [:]
  /// Each partition splits the nodes it names into groups that cannot reach each other.
  public var partitions: [[Set<NodeID>]] = []
  public var cuts: Set<DirectedLink> = []
  public var regions: [String: Region] = Dictionary(uniqueKeysWithValues: Region.catalogue.map { ($0.name, $0) })
  /// Distances given explicitly, overriding coordinates, in km.
  public var distances: [Set<String>: Double] = [:]
  public var placement: [NodeID: String] = [:]

  public init() {}

  /// Whether the network lets a message from `from` reach `to` right now, and if not why.
  public func blockage(from: NodeID, to: NodeID) -> DropReason? {
    if from == to || (cuts.isEmpty && partitions.isEmpty) { return nil }
    if cuts.contains(DirectedLink(from: from, to: to)) { return .cut }
    for groups in partitions {
      var gf = -1
      var gt = -1
      for (i, g) in groups.enumerated() {
        if g.contains(from) { gf = i }
        if g.contains(to) { gt = i }
      }
      if gf >= 0 && gt >= 0 && gf != gt { return .partition }
    }
    return nil
  }

  /// Kilometres between two nodes' regions, or nil when either has none.
  public func distanceKm(_ x: NodeID, _ y: NodeID) -> Double? {
    guard let rx = placement[x], let ry = placement[y] else { return nil }
    return distanceKm(regions: rx, ry)
  }

  public func distanceKm(regions rx: String, _ ry: String) -> Double? {
    if rx == ry { return 0 }
    if let d = distances[[rx, ry]] { return d }
    guard let a = regions[rx], let b = regions[ry] else { return nil }
    return a.distanceKm(to: b)
  }

  /// The light-in-fibre floor between two nodes (zero when not placed in regions).
  public func propagation(_ x: NodeID, _ y: NodeID) -> Nanoseconds {
    guard let km = distanceKm(x, y) else { return .zero }
    return Region.lightFloor(km: km)
  }

  /// The one latency every message gets when nothing else is set (no loss, duplication,
  /// per-link settings, regions, partitions or cuts): then a message's fate is that one draw.
  var plainLatency: LatencyModel? {
    guard loss == 0, duplication == 0, linkLatency.isEmpty, linkLoss.isEmpty, partitions.isEmpty, cuts.isEmpty,
      placement.isEmpty
    else { return nil }
    return latency
  }

  public func latencyModel(_ x: NodeID, _ y: NodeID) -> LatencyModel {
    linkLatency.isEmpty ? latency : (linkLatency[Link(x, y)] ?? latency)
  }

  /// Smallest delay any message can have: how far the simulator may look ahead.
  public var minimumDelay: Nanoseconds {
    var m = latency.lowerBound
    for l in linkLatency.values { m = min(m, l.lowerBound) }
    return m
  }

  /// Decides one message's fate, drawing from `rng` in a fixed order: loss, duplication,
  /// then one latency per copy.
  @inline(__always)
  public func fate(from: NodeID, to: NodeID, rng: inout SeededRandom) -> MessageFate {
    let d = decide(from: from, to: to, rng: &rng)
    if let reason = d.dropReason { return .dropped(reason: reason) }
    return .delivered(d.copies == 1 ? [d.first] : [d.first, d.second])
  }

  /// A message's fate as `fate` decides it (the same draws in the same order), without
  /// allocating: the hot paths of both engines use this.
  struct Decision {
    /// Why the message is lost, or nil when it gets through.
    var dropReason: DropReason?
    /// How many copies arrive: 1, or 2 when duplicated (0 when dropped).
    var copies: Int
    var first: Nanoseconds
    var second: Nanoseconds
  }

  @inline(__always)
  func decide(from: NodeID, to: NodeID, rng: inout SeededRandom) -> Decision {
    if let reason = blockage(from: from, to: to) {
      return Decision(dropReason: reason, copies: 0, first: .zero, second: .zero)
    }
    let lossP = linkLoss.isEmpty ? loss : (linkLoss[Link(from, to)] ?? loss)
    if lossP > 0 && rng.chance(lossP) { return Decision(dropReason: .loss, copies: 0, first: .zero, second: .zero) }
    let copies = duplication > 0 && rng.chance(duplication) ? 2 : 1
    let model = latencyModel(from, to)
    let floor = placement.isEmpty ? .zero : propagation(from, to)
    let first = floor + model.draw(&rng)
    let second = copies == 2 ? floor + model.draw(&rng) : .zero
    return Decision(dropReason: nil, copies: copies, first: first, second: second)
  }
}
