import DistLab
import DistLabReplication

/// The replication lab's shell side, as `Labs.all` lists it.
enum ReplicationLab {
  static let shell = LabShellSide(
    commands: [CheckCommands.spec, StoreCommands.spec, PubSubCommands.spec], subjects: subjects)

  static let subjects = SubjectGroup(
    title: "Histories (the last 'check linearizable') and the replicated store", namespace: nil,
    subjects: [
      Subject("history.linearizable", "true or false") { s, t throws(ShellError) in
        .text(String(try verdict(s, t).linearizable))
      },
      Subject("history.operations") { s, t throws(ShellError) in .number(Double(try verdict(s, t).operations)) },
      Subject("store.lost", "acknowledged writes the primary does not hold (its stored data, as 'nodes' reads it)") {
        s, t throws(ShellError) in
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
    ])

  static func verdict(_ s: ShellSession, _ t: Token) throws(ShellError) -> LinearizabilityVerdict {
    guard let v = s.replication.lastVerdict else {
      throw ShellError(
        "'\(t.text)' reads the last 'check linearizable', and there has been none", column: t.column)
    }
    return v
  }
}
