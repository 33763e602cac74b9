import DistLab
import DistLabSharding

/// The sharding lab's shell side, as `Labs.all` lists it.
enum ShardingLab {
  static let shell = LabShellSide(commands: [ShardCommands.spec], subjects: subjects)

  /// `expect shard.…`: the lab's balance, the last node change, its health, where a key lives.
  static let subjects = SubjectGroup(
    title:
      "The sharding lab (healthy, under and unreachable are the world's truth, which the lab's client learns only by asking: 'shard health')",
    namespace: "shard.",
    subjects: [
      Subject("shard.keys") { s, t throws(ShellError) in .number(Double(try lab(s, t).keys.count)) },
      Subject("shard.balance", "max/mean") { s, t throws(ShellError) in
        _ = try lab(s, t)
        return .number(s.sharding.shardDistribution().maxOverMean)
      },
      Subject("shard.cv") { s, t throws(ShellError) in
        _ = try lab(s, t)
        return .number(s.sharding.shardDistribution().coefficientOfVariation)
      },
      Subject("shard.empty") { s, t throws(ShellError) in
        _ = try lab(s, t)
        return .number(Double(s.sharding.shardDistribution().emptyNodes.count))
      },
      Subject("shard.max") { s, t throws(ShellError) in
        _ = try lab(s, t)
        return .number(Double(s.sharding.shardDistribution().max))
      },
      Subject("shard.moved", "fraction of keys the last add or remove moved") { s, t throws(ShellError) in
        .number(try change(s, t).report.movement.fraction)
      },
      Subject("shard.moved.keys") { s, t throws(ShellError) in
        .number(Double(try change(s, t).report.movement.moved))
      },
      Subject("shard.bytes.moved") { s, t throws(ShellError) in .number(Double(try change(s, t).bytesMoved)) },
      Subject("shard.healthy", "keys with all their copies on up nodes") { s, t throws(ShellError) in
        .number(Double(try truth(s, t).healthy))
      },
      Subject("shard.under", "keys with fewer copies on up nodes than the factor, but some") {
        s, t throws(ShellError) in
        .number(Double(try truth(s, t).underReplicated))
      },
      Subject("shard.unreachable", "keys with no copy on an up node") { s, t throws(ShellError) in
        .number(Double(try truth(s, t).unreachable))
      },
      Subject("shard.nodes") { s, t throws(ShellError) in .number(Double(try lab(s, t).scheme.nodes.count)) },
      Subject("shard.owner.KEY") { s, t throws(ShellError) in
        let lab = try lab(s, t)
        let key = ShardKey(String(t.text.dropFirst("shard.owner.".count)))
        let owner = lab.copies(of: key).first?.node ?? lab.scheme.owner(of: key)
        return .text(owner.map { s.world.name(of: $0) } ?? "none")
      },
    ])

  static func lab(_ s: ShellSession, _ t: Token) throws(ShellError) -> ShardLab {
    guard let lab = s.sharding.shardLab else {
      throw ShellError(
        "'\(t.text)' reads the sharding lab, and no scheme is in use ('shard use SCHEME')", column: t.column)
    }
    return lab
  }

  /// The lab's health as it really is: for every key, how many nodes that are up hold it in
  /// their stores. The checker's view (it reads the world, as `nodes` does), not the client's.
  static func truth(_ s: ShellSession, _ t: Token) throws(ShellError) -> ShardHealth {
    let lab = try lab(s, t)
    var holders: [String: Int] = [:]
    for n in s.world.allNodes where n.status == .up {
      let data = try attempt(t.column) { () throws(WorldError) in try s.world.summary(of: n.id) }?.data ?? [:]
      for key in data.keys { holders[key, default: 0] += 1 }
    }
    var h = ShardHealth(factor: lab.factor, keys: lab.keys.count, healthy: 0, underReplicated: 0, unreachable: 0)
    for key in lab.keys { h.count(live: holders[ShardLab.storeKey(key)] ?? 0) }
    return h
  }

  static func change(_ s: ShellSession, _ t: Token) throws(ShellError) -> ShardChangeOutcome {
    guard let c = try lab(s, t).lastChange else {
      throw ShellError(
        "'\(t.text)' reads the last 'shard add' or 'shard remove', and there has been none", column: t.column)
    }
    return c
  }
}
