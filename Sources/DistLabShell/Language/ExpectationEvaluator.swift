import DistLab

/// A value an expectation compares: a number, a duration, or text.
enum Observed: Sendable, CustomStringConvertible {
  case number(Double)
  case duration(Nanoseconds)
  case text(String)

  var description: String {
    switch self {
    case .number(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    case .duration(let n): n.description
    case .text(let t): t
    }
  }
}

/// Evaluates expectations against the session's last result and the world, read through
/// their typed values.
struct ExpectationEvaluator {
  let session: ShellSession
  var world: World { session.world }

  func evaluate(_ e: Expectation, text: String) throws(ShellError) -> ExpectationOutcome {
    var found: [String] = []
    let held = try check(e, found: &found)
    return ExpectationOutcome(text: text, held: held, found: found.joined(separator: ", "))
  }

  private func check(_ e: Expectation, found: inout [String]) throws(ShellError) -> Bool {
    switch e {
    case .and(let a, let b):
      let x = try check(a, found: &found)
      let y = try check(b, found: &found)
      return x && y
    case .or(let a, let b):
      let x = try check(a, found: &found)
      let y = try check(b, found: &found)
      return x || y
    case .compare(let subject, let op, let literal):
      let actual = try observe(subject)
      var shown = actual.description
      if literal.text.hasSuffix("%"), case .number(let v) = actual {
        shown = Percent.format((v * 1000).rounded() / 1000)
      }
      let note = "\(subject.text) = \(shown)"
      if !found.contains(note) { found.append(note) }
      let order = try compare(actual, literal, op: op)
      return op.holds(order)
    }
  }

  private func compare(_ actual: Observed, _ literal: Token, op: Comparison) throws(ShellError) -> Int {
    switch actual {
    case .number(let a):
      guard !literal.quoted,
        let b = Double(literal.text) ?? (literal.text.hasSuffix("%") ? Units.ratio(literal.text) : nil)
      else {
        throw ShellError("'\(literal.text)' is not a number", column: literal.column)
      }
      return a < b ? -1 : a > b ? 1 : 0
    case .duration(let a):
      guard let b = Units.duration(literal.text) else {
        throw ShellError("'\(literal.text)' is not a duration (like 10ms)", column: literal.column)
      }
      return a < b ? -1 : a > b ? 1 : 0
    case .text(let a):
      if a == "null" && op != .eq && op != .ne {
        throw ShellError(
          "it has no value yet (null), so it cannot be compared with \(op.rawValue)", column: literal.column)
      }
      guard op == .eq || op == .ne else {
        throw ShellError("'\(a)' is text: compare it with == or !=", column: literal.column)
      }
      return a == literal.text ? 0 : 1
    }
  }

  static let subjects = [
    "value", "error", "attempts", "rtt", "delivered", "dropped", "order", "reordered", "time", "pending", "nodes",
    "nodes.up",
    "nodes.down", "nodes.paused", "stats.sent", "stats.delivered", "stats.dropped", "stats.duplicated", "stats.p50",
    "stats.p90", "stats.p99", "stats.max",
  ]

  private func observe(_ t: Token) throws(ShellError) -> Observed {
    let s = t.text
    switch s {
    case "value": return try lastValue(t)
    case "error": return .text(try lastCall(t).errorWord)
    case "attempts": return .number(Double(try lastCall(t).attempts))
    case "rtt": return .duration(try lastCall(t).roundTrip)
    case "delivered", "dropped":
      guard let o = session.lastSend else {
        throw ShellError("'\(s)' reads the last 'send', and there has been none", column: t.column)
      }
      let n = o.messages.filter { m in
        if case .delivered = m.fate { return s == "delivered" }
        if case .dropped = m.fate { return s == "dropped" }
        return false
      }.count
      return .number(Double(n))
    case "order":
      guard let o = session.lastSend else {
        throw ShellError("'order' reads the last 'send', and there has been none", column: t.column)
      }
      let byID = Dictionary(o.messages.map { ($0.id, $0.text) }, uniquingKeysWith: { a, _ in a })
      return .text(o.arrivalOrder.compactMap { byID[$0] }.joined(separator: ","))
    case "reordered":
      guard let o = session.lastSend else {
        throw ShellError("'reordered' reads the last 'send', and there has been none", column: t.column)
      }
      let sentOrder = o.messages.filter { if case .delivered = $0.fate { return true } else { return false } }.map(\.id)
      return .text(o.arrivalOrder != sentOrder ? "true" : "false")
    case "time": return .duration(world.now)
    case "pending": return .number(Double(world.pendingEvents))
    case "nodes": return .number(Double(world.allNodes.count))
    case "nodes.up", "nodes.down", "nodes.paused":
      let status = String(s.dropFirst(6))
      return .number(Double(world.allNodes.filter { $0.status.rawValue == status }.count))
    case "stats.sent": return .number(Double(world.trace.stats.sent))
    case "stats.delivered": return .number(Double(world.trace.stats.delivered))
    case "stats.dropped": return .number(Double(world.trace.stats.dropped))
    case "stats.duplicated": return .number(Double(world.trace.stats.duplicated))
    case "stats.p50", "stats.p90", "stats.p99", "stats.max":
      let quantiles: [String: Double] = ["stats.p50": 0.5, "stats.p90": 0.9, "stats.p99": 0.99, "stats.max": 1.0]
      let q = quantiles[s] ?? 1
      guard let v = world.trace.stats.latencyPercentile(q) else {
        throw ShellError("no message has been delivered yet, so '\(s)' has no value", column: t.column)
      }
      return .duration(v)
    default:
      if s.hasPrefix("shard.") { return try shardSubject(t) }
      return try nodeSubject(t)
    }
  }

  static let shardSubjects = [
    "shard.keys", "shard.balance", "shard.cv", "shard.empty", "shard.max", "shard.moved", "shard.moved.keys",
    "shard.bytes.moved",
    "shard.healthy", "shard.under", "shard.unreachable", "shard.nodes", "shard.owner.KEY",
  ]

  /// The sharding lab: its balance, the last node change, its health, where a key lives.
  private func shardSubject(_ t: Token) throws(ShellError) -> Observed {
    guard let lab = world.shardLab else {
      throw ShellError(
        "'\(t.text)' reads the sharding lab, and no scheme is in use ('shard use SCHEME')", column: t.column)
    }
    let d = world.shardDistribution()
    let h = world.shardHealth()
    func change() throws(ShellError) -> ShardChangeOutcome {
      guard let c = lab.lastChange else {
        throw ShellError(
          "'\(t.text)' reads the last 'shard add' or 'shard remove', and there has been none", column: t.column)
      }
      return c
    }
    switch t.text {
    case "shard.keys": return .number(Double(lab.keys.count))
    case "shard.nodes": return .number(Double(lab.scheme.nodes.count))
    case "shard.balance": return .number(d.maxOverMean)
    case "shard.cv": return .number(d.coefficientOfVariation)
    case "shard.empty": return .number(Double(d.emptyNodes.count))
    case "shard.max": return .number(Double(d.max))
    case "shard.moved": return .number(try change().report.movement.fraction)
    case "shard.moved.keys": return .number(Double(try change().report.movement.moved))
    case "shard.bytes.moved": return .number(Double(try change().bytesMoved))
    case "shard.healthy": return .number(Double(h.healthy))
    case "shard.under": return .number(Double(h.underReplicated))
    case "shard.unreachable": return .number(Double(h.unreachable))
    default:
      if t.text.hasPrefix("shard.owner.") {
        let key = ShardKey(String(t.text.dropFirst("shard.owner.".count)))
        return .text(
          lab.copies(of: key).first.map { world.name(of: $0.node) } ?? lab.scheme.owner(of: key).map {
            world.name(of: $0)
          } ?? "none")
      }
      throw ShellError(
        "unknown subject '\(t.text)'\(Suggest.hint(for: t.text, in: Self.shardSubjects)); see 'help expect'",
        column: t.column)
    }
  }

  private func nodeSubject(_ t: Token) throws(ShellError) -> Observed {
    let parts = t.text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
    let nodeFields = ["status", "incarnation", "region", "kv"] + world.roles.allMetrics
    if parts.count >= 2, world.node(named: parts[0]) == nil, nodeFields.contains(parts[1]) {
      throw ShellError("no node '\(parts[0])' (\(NodeSet.summary(world)))", column: t.column)
    }
    guard parts.count >= 2, let info = world.node(named: parts[0]) else {
      let hint = Suggest.hint(for: t.text, in: Self.subjects)
      throw ShellError("unknown subject '\(t.text)'\(hint); see 'help expect'", column: t.column)
    }
    if parts[1] == "status" && parts.count == 2 { return .text(info.status.rawValue) }
    if parts[1] == "incarnation" && parts.count == 2 { return .number(Double(info.incarnation)) }
    if parts[1] == "region" && parts.count == 2 { return .text(info.region ?? "none") }
    let summary = try attempt(t.column) { () throws(WorldError) in try world.summary(of: info.id) }
    let metrics = world.role(of: info.id)?.metrics ?? []
    switch (parts[1], parts.count) {
    case (let name, 2) where metrics.contains(name): return .number(summary?.metric(name) ?? 0)
    case ("kv", 3):
      guard let v = summary?.data[parts[2]] else { return .text("null") }
      if case .int(let i) = v { return .number(Double(i)) }
      if case .double(let d) = v { return .number(d) }
      if case .string(let s) = v { return .text(s) }
      return .text(v.description)
    default:
      let fields = ["status"] + metrics + ["kv.KEY", "incarnation", "region"]
      throw ShellError(
        "unknown subject '\(t.text)' (for a node: \(info.name).\(fields.joined(separator: ", .")))", column: t.column)
    }
  }

  private func lastCall(_ t: Token) throws(ShellError) -> CallOutcome {
    guard let c = session.lastCall else {
      throw ShellError("'\(t.text)' reads the last 'rpc' or 'kv', and there has been none", column: t.column)
    }
    return c
  }

  private func lastValue(_ t: Token) throws(ShellError) -> Observed {
    let call = try lastCall(t)
    guard case .value(let values) = call.result else {
      return .text("none")
    }
    guard values.count == 1 else { return .text(values.map(\.description).joined(separator: " ")) }
    switch values[0] {
    case .int(let i): return .number(Double(i))
    case .double(let d): return .number(d)
    case .string(let s): return .text(s)
    default: return .text(values[0].description)
    }
  }
}

extension CallOutcome {
  /// `none`, `timeout`, `interrupted`, or the server's error text.
  public var errorWord: String {
    switch result {
    case .value: "none"
    case .timeout: "timeout"
    case .interrupted: "interrupted"
    case .error(let e): e
    }
  }
}
