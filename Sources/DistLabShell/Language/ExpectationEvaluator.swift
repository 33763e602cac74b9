import DistLab
import DistLabSharding

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

  private func observe(_ t: Token) throws(ShellError) -> Observed {
    switch SubjectRegistry.find(t.text) {
    case (let subject?, _): return try subject.read(session, t)
    case (nil, let group?):
      let hint = Suggest.hint(for: t.text, in: group.subjects.map(\.name))
      throw ShellError("unknown subject '\(t.text)'\(hint); see 'help expect'", column: t.column)
    case (nil, nil): return try nodeSubject(t)
    }
  }

  private func nodeSubject(_ t: Token) throws(ShellError) -> Observed {
    let parts = t.text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
    let nodeFields = ["status", "incarnation", "region", "kv"] + world.roles.allMetrics
    if parts.count >= 2, world.node(named: parts[0]) == nil, nodeFields.contains(parts[1]) {
      throw ShellError("no node '\(parts[0])' (\(NodeSet.summary(world)))", column: t.column)
    }
    guard parts.count >= 2, let info = world.node(named: parts[0]) else {
      let hint = Suggest.hint(for: t.text, in: SubjectRegistry.names)
      throw ShellError("unknown subject '\(t.text)'\(hint); see 'help expect'", column: t.column)
    }
    if parts[1] == "status" && parts.count == 2 { return .text(info.status.rawValue) }
    if parts[1] == "incarnation" && parts.count == 2 { return .number(Double(info.incarnation)) }
    if parts[1] == "region" && parts.count == 2 { return .text(info.region ?? "none") }
    let summary = try attempt(t.column) { () throws(WorldError) in try world.summary(of: info.id) }
    let metrics = world.role(of: info.id)?.metrics ?? []
    switch (parts[1], parts.count) {
    case (let name, 2) where metrics.contains(name): return .number(summary?.metric(name) ?? 0)
    case ("kv", 3): return summary?.data[parts[2]].map(Observed.init) ?? .text("null")
    default:
      let fields = ["status"] + metrics + ["kv.KEY", "incarnation", "region"]
      throw ShellError(
        "unknown subject '\(t.text)' (for a node: \(info.name).\(fields.joined(separator: ", .")))", column: t.column)
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
