import DistLab
import DistLabSharding

/// The sharding lab's budgets: placing a million keys with every scheme, and one lookup with
/// jump hash and with a ring of 10,000 points.
enum ShardBench {
  static let placeTarget = BenchTarget.atMost(500)
  static let jumpLookupTarget = BenchTarget.atMost(60)
  static let ringLookupTarget = BenchTarget.atMost(150)

  static func measure(keys count: Int, lookups: Int, _ report: (BenchFigure) -> Void) {
    let nodes = (1...10).map { NodeID($0) }
    guard let keys = try? ShardKeyGenerator.keys(.uniform, count: count, seed: 1) else { return }
    for kind in SchemeKind.allCases {
      var note: String? = nil
      var millis: Double? = nil
      do {
        var scheme = try Sharding.makeScheme(kind, nodes: nodes)
        let start = BenchClock.now()
        let placed = scheme.place(keys)
        millis = BenchClock.seconds(since: start) * 1000
        note = "\(placed.count) keys on 10 nodes"
      } catch {
        note = Messages.text(error)
      }
      report(
        BenchFigure(
          id: "shard.place.\(kind.rawValue)", label: "place \(thousands(count)) keys, \(kind.rawValue)", value: millis,
          unit: "ms", target: placeTarget, note: note))
    }
    report(
      lookup("jump", scheme: try? JumpScheme(nodes: nodes), keys: keys, lookups: lookups, target: jumpLookupTarget))
    let hundred = (1...100).map { NodeID($0) }
    report(
      lookup(
        "ring, 10,000 points", scheme: try? RingScheme(nodes: hundred, virtualNodes: 100, seed: 0), keys: keys,
        lookups: lookups,
        target: ringLookupTarget))
  }

  static func thousands(_ n: Int) -> String {
    let digits = Array(String(n))
    var out = ""
    for (i, d) in digits.enumerated() {
      if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
      out.append(d)
    }
    return out
  }

  /// Nanoseconds per `owner(of:)`, over keys already hashed (as a client holding keys would).
  static func lookup(_ name: String, scheme: (any ShardingScheme)?, keys: [ShardKey], lookups: Int, target: BenchTarget)
    -> BenchFigure
  {
    let id = "shard.lookup.\(name.split(separator: ",").first.map(String.init) ?? name)"
    guard let scheme, !keys.isEmpty else {
      return BenchFigure(
        id: id, label: "lookup, \(name)", value: nil, unit: "ns", target: target, note: "scheme not built")
    }
    var sink = 0
    let start = BenchClock.now()
    for i in 0..<lookups { sink &+= scheme.owner(of: keys[i % keys.count])?.number ?? 0 }
    let ns = Double(BenchClock.now() - start) / Double(lookups)
    return BenchFigure(
      id: id, label: "lookup, \(name)", value: ns, unit: "ns", target: target, note: "checksum \(sink % 997)")
  }
}
