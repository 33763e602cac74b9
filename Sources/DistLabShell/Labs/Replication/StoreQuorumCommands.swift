import DistLab
import DistLabReplication

/// The quorum store's side of `store start`, `put`, `get` and `workload --nemesis`.
extension StoreCommands {
  static func startQuorum(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    for flag in ["--replicas", "--sync", "--async", "--sync-acks", "--ship", "--failover", "--fencing"]
    where inv.has(flag) {
      throw ShellError("\(flag) is for a primary/replica store, not --quorum", column: inv.flags[flag]?.column)
    }
    let count = try inv.flagInt("--nodes", range: 1...20) ?? 3
    let n = try inv.flagInt("--n", range: 1...20) ?? min(3, count)
    guard n <= count else {
      throw ShellError("--n \(n) is more replicas than the \(count) store nodes", column: inv.flags["--n"]?.column)
    }
    let w = try inv.flagInt("--w", range: 1...20) ?? min(2, n)
    let r = try inv.flagInt("--r", range: 1...20) ?? min(2, n)
    for (flag, q) in [("--w", w), ("--r", r)] where q > n {
      throw ShellError(
        "\(flag) \(q) is larger than --n \(n): a quorum is some of a key's replicas", column: inv.flags[flag]?.column)
    }
    var resolution = Resolution.lww
    if let t = inv.flags["--resolve"] {
      guard let res = Resolution(rawValue: t.text) else {
        throw ShellError("--resolve is lww or siblings, not '\(t.text)'", column: t.column)
      }
      resolution = res
    }
    let antiEntropy = try inv.flagDuration("--anti-entropy")
    if let d = antiEntropy, d < .milliseconds(10) {
      throw ShellError("--anti-entropy is at least 10ms", column: inv.flags["--anti-entropy"]?.column)
    }
    let settings = QuorumSettings(
      me: .client, members: [], n: n, w: w, r: r, sloppy: inv.has("--sloppy"), resolution: resolution,
      antiEntropy: antiEntropy)
    let nodes = try attempt(inv.column) { () throws(WorldError) in
      try s.store.startQuorum(nodes: count, settings: settings)
    }
    return .store(.quorumStarted(nodes, settings))
  }

  static func quorumPut(
    _ key: String, _ value: Value, to: NodeID?, _ inv: Invocation, _ s: ShellSession
  ) throws(ShellError) -> CommandResult {
    let via = to ?? s.store.coordinator(for: key) ?? .client
    let write = try attempt(inv.column) { () throws(WorldError) in try s.store.quorumPut(key, value, via: via) }
    return .store(.quorumPut(key: key, value: value, via: via, write))
  }

  static func quorumGet(_ key: String, from: NodeID?, _ inv: Invocation, _ s: ShellSession) throws(ShellError)
    -> CommandResult
  {
    let via = from ?? s.store.coordinator(for: key) ?? .client
    let read = try attempt(inv.column) { () throws(WorldError) in try s.store.quorumGet(key, via: via) }
    return .store(.quorumGot(key: key, via: via, read))
  }

  /// Whether `--nemesis partition` was asked for, refused when it cannot cut the store in two
  /// or when the network is already cut (its heal would heal that too).
  static func nemesisWanted(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> Bool {
    guard let t = inv.flags["--nemesis"] else { return false }
    guard t.text == "partition" else {
      throw ShellError("--nemesis is partition, not '\(t.text)'", column: t.column)
    }
    guard s.store.nodes.count >= 3 else {
      throw ShellError("--nemesis partition needs at least 3 store nodes to leave a majority", column: t.column)
    }
    guard s.world.network.partitions.isEmpty && s.world.network.cuts.isEmpty else {
      throw ShellError("the network is already cut, and the nemesis heals it after: 'net heal' first", column: t.column)
    }
    return true
  }
}
