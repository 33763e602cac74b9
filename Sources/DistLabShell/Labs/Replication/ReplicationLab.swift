import DistLab
import DistLabReplication

/// The replication lab's shell side, as `Labs.all` lists it.
enum ReplicationLab {
  static let shell = LabShellSide(
    commands: [CheckCommands.spec, StoreCommands.spec, PubSubCommands.spec], subjects: subjects,
    events: event)

  /// How the store's trace events read.
  @Sendable static func event(_ topic: String, _ values: [Value]) -> String? {
    let n = values.map { $0.intValue ?? 0 }
    switch topic {
    case "store.promoted": return "took over as primary in epoch \(n.first ?? 0)"
    case "store.stepped-down": return "stepped down: epoch \(n.first ?? 0) has another primary"
    case "quorum.dropped" where values.count == 3:
      return
        "last-writer-wins dropped \(values[0].stringValue ?? "?")'s write \(n[1])#\(n[2]) (a newer one had not seen it)"
    default: return nil
    }
  }

  static let subjects = SubjectGroup(
    title: "Histories (the last 'check linearizable') and the replicated store", namespace: nil,
    subjects: [
      Subject("history.linearizable", "true or false") { s, t throws(ShellError) in
        .text(String(try verdict(s, t).linearizable))
      },
      Subject("history.operations") { s, t throws(ShellError) in .number(Double(try verdict(s, t).operations)) },
      Subject(
        "store.lost",
        "acknowledged writes the primary does not hold (its data, as 'nodes' reads it); quorum: lost to last-writer-wins"
      ) {
        s, t throws(ShellError) in
        if s.store.quorum != nil { return .number(Double(s.store.lostWrites(try quorumParts(s, t)).lost)) }
        guard let primary = s.store.primary else {
          throw ShellError("no store yet: 'store start' starts a primary and replicas", column: t.column)
        }
        let held = try attempt(t.column) { () throws(WorldError) in try s.world.summary(of: primary) }?.data ?? [:]
        return .number(Double(s.store.lostWrites(holding: held).count))
      },
      Subject("store.acknowledged") { s, _ throws(ShellError) in .number(Double(s.store.acknowledged.count)) },
      Subject("store.epoch", "the newest epoch any up store node is in") { s, t throws(ShellError) in
        var newest = 0.0
        for n in s.store.nodes where s.world.info(n)?.status == .up {
          let summary = try attempt(t.column) { () throws(WorldError) in try s.world.summary(of: n) }
          newest = max(newest, summary?.metric("epoch") ?? 0)
        }
        return .number(newest)
      },
      Subject("store.primaries", "up store nodes that believe they are the primary") { s, t throws(ShellError) in
        var count = 0
        for n in s.store.nodes where s.world.info(n)?.status == .up {
          let summary = try attempt(t.column) { () throws(WorldError) in try s.world.summary(of: n) }
          if summary?.metric("primary") == 1 { count += 1 }
        }
        return .number(Double(count))
      },
      Subject("store.dropped", "quorum: writes last-writer-wins dropped, acknowledged or not (asks every node)") {
        s, t throws(ShellError) in .number(Double(s.store.lostWrites(try quorumParts(s, t)).dropped))
      },
      Subject("store.siblings", "quorum: the most keys with siblings on one node (asks every node)") {
        s, t throws(ShellError) in
        .number(try quorumParts(s, t).map { $0.1?["siblings"]?.intValue ?? 0 }.max().map(Double.init) ?? 0)
      },
      Subject("store.hints", "quorum: hinted writes held for home replicas (asks every node)") {
        s, t throws(ShellError) in .number(try quorumSum(s, t) { $0["hints"] })
      },
      Subject("store.repairs", "quorum: versions read repair sent (asks every node)") {
        s, t throws(ShellError) in .number(try quorumSum(s, t) { $0["counts"]?["read_repairs"] })
      },
      Subject("store.synced", "quorum: keys anti-entropy updated (asks every node)") {
        s, t throws(ShellError) in .number(try quorumSum(s, t) { $0["counts"]?["synced"] })
      },
      Subject("workload.refused", "operations of the last workload refused (they did nothing)") {
        s, t throws(ShellError) in .number(Double(try lastHistory(s, t).failed))
      },
      Subject("workload.timeouts", "operations of the last workload that never completed") {
        s, t throws(ShellError) in .number(Double(try lastHistory(s, t).operations.filter { $0.complete == nil }.count))
      },
    ])

  static func quorumParts(_ s: ShellSession, _ t: Token) throws(ShellError) -> [(NodeID, Value?)] {
    guard s.store.quorum != nil else {
      throw ShellError("'\(t.text)' is about a quorum store: 'store start --quorum' starts one", column: t.column)
    }
    return try attempt(t.column) { () throws(WorldError) in try s.store.quorumParts() }
  }

  static func quorumSum(_ s: ShellSession, _ t: Token, _ field: (Value) -> Value?) throws(ShellError) -> Double {
    Double(try quorumParts(s, t).reduce(0) { $0 + ($1.1.flatMap(field)?.intValue ?? 0) })
  }

  static func lastHistory(_ s: ShellSession, _ t: Token) throws(ShellError) -> History {
    guard let h = s.store.lastHistory else {
      throw ShellError("'\(t.text)' reads the last 'store workload', and there has been none", column: t.column)
    }
    return h
  }

  static func verdict(_ s: ShellSession, _ t: Token) throws(ShellError) -> LinearizabilityVerdict {
    guard let v = s.replication.lastVerdict else {
      throw ShellError(
        "'\(t.text)' reads the last 'check linearizable', and there has been none", column: t.column)
    }
    return v
  }
}
