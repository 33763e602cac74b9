import DistLab

/// The shell's network model as one node process applies it to what it sends: for each
/// destination, whether a partition or a one-way cut blocks it, the chance a message is lost
/// or sent twice, and the latency drawn on top of the real network's (the same model, drawn the
/// same way, as sim and live mode draw it). A destination with no rule gets none of it.
struct LinkRules: Equatable {
  struct Rule: Equatable {
    var block: DropReason?
    var loss = 0.0
    var duplication = 0.0
    var latency = LatencyModel.fixed(.zero)
    /// The light-in-fibre floor between the two nodes' regions.
    var floor = Nanoseconds.zero
  }

  var rules: [NodeID: Rule] = [:]

  init() {}

  /// What node `me` may do towards each of `others` (and the shell), read off the network.
  init(network: NetworkConfig, me: NodeID, others: [NodeID]) {
    for to in others + [.client] where to != me {
      var r = Rule()
      r.block = network.blockage(from: me, to: to)
      r.loss = network.linkLoss.isEmpty ? network.loss : (network.linkLoss[Link(me, to)] ?? network.loss)
      r.duplication = network.duplication
      r.latency = network.latencyModel(me, to)
      r.floor = network.placement.isEmpty ? .zero : network.propagation(me, to)
      rules[to] = r
    }
  }

  static let reasons: [(DropReason, String)] = [
    (.loss, "loss"), (.partition, "partition"), (.cut, "cut"), (.nodeDown, "down"), (.noSuchNode, "unknown"),
  ]

  /// `ctl.faults [[TO, BLOCK, LOSS, DUPLICATION, MODEL, MEAN, SPREAD, FLOOR], …]`: BLOCK is
  /// "", "partition" or "cut"; MODEL is fixed, uniform, normal or exponential; times in ns.
  var wire: [Value] {
    rules.keys.sorted().map { to in
      let r = rules[to]!  // safe: a key of rules
      let (kind, mean, spread): (String, Nanoseconds, Nanoseconds) =
        switch r.latency {
        case .fixed(let v): ("fixed", v, .zero)
        case .uniform(let m, let s): ("uniform", m, s)
        case .normal(let m, let s): ("normal", m, s)
        case .exponential(let m): ("exponential", m, .zero)
        }
      let block = r.block.flatMap { b in Self.reasons.first { $0.0 == b }?.1 } ?? ""
      return .list([
        .int(Int64(to.number)), .string(block), .double(r.loss), .double(r.duplication), .string(kind),
        .int(mean.value), .int(spread.value), .int(r.floor.value),
      ])
    }
  }

  /// From the wire form; nil when any rule is malformed.
  init?(wire: [Value]) {
    for item in wire {
      guard let l = item.listValue, l.count == 8, let to = l[0].intValue, let block = l[1].stringValue,
        let loss = Self.probability(l[2]), let dup = Self.probability(l[3]), let kind = l[4].stringValue,
        let mean = l[5].intValue, let spread = l[6].intValue, let floor = l[7].intValue, mean >= 0, spread >= 0,
        floor >= 0
      else { return nil }
      var r = Rule(loss: loss, duplication: dup, floor: Nanoseconds(floor))
      if !block.isEmpty {
        guard let reason = Self.reasons.first(where: { $0.1 == block })?.0 else { return nil }
        r.block = reason
      }
      switch kind {
      case "fixed": r.latency = .fixed(Nanoseconds(mean))
      case "uniform": r.latency = .uniform(mean: Nanoseconds(mean), spread: Nanoseconds(spread))
      case "normal": r.latency = .normal(mean: Nanoseconds(mean), spread: Nanoseconds(spread))
      case "exponential": r.latency = .exponential(mean: Nanoseconds(mean))
      default: return nil
      }
      rules[NodeID(Int(to))] = r
    }
  }

  static func probability(_ v: Value) -> Double? {
    switch v {
    case .double(let d) where d >= 0 && d <= 1: d
    case .int(let i) where i == 0 || i == 1: Double(i)
    default: nil
    }
  }
}
