import DistLab

/// The shell's own expectation subjects: the last call, the last send, the world, traffic.
enum CoreSubjects {
  static let groups: [SubjectGroup] = [lastCall, lastSend, world, traffic]

  static let lastCall = SubjectGroup(
    title: "The last call (rpc, kv)", namespace: nil,
    subjects: [
      Subject("value") { s, t throws(ShellError) in try lastValue(s, t) },
      Subject("error", "none, timeout, interrupted or the error's text") { s, t throws(ShellError) in
        .text(try call(s, t).errorWord)
      },
      Subject("attempts") { s, t throws(ShellError) in .number(Double(try call(s, t).attempts)) },
      Subject("rtt") { s, t throws(ShellError) in .duration(try call(s, t).roundTrip) },
    ])

  static let lastSend = SubjectGroup(
    title: "The last send", namespace: nil,
    subjects: [
      Subject("delivered") { s, t throws(ShellError) in .number(Double(try send(s, t).count(.delivered))) },
      Subject("dropped") { s, t throws(ShellError) in .number(Double(try send(s, t).count(.dropped))) },
      Subject("order", "the texts in the order they arrived") { s, t throws(ShellError) in
        let o = try send(s, t)
        let byID = Dictionary(o.messages.map { ($0.id, $0.text) }, uniquingKeysWith: { a, _ in a })
        return .text(o.arrivalOrder.compactMap { byID[$0] }.joined(separator: ","))
      },
      Subject("reordered", "true or false") { s, t throws(ShellError) in
        let o = try send(s, t)
        let sentOrder = o.messages.filter { if case .delivered = $0.fate { true } else { false } }.map(\.id)
        return .text(o.arrivalOrder != sentOrder ? "true" : "false")
      },
    ])

  static let world = SubjectGroup(
    title: "The world", namespace: nil,
    subjects: [
      Subject("time") { s, _ in .duration(s.world.now) },
      Subject("pending", "events waiting") { s, _ in .number(Double(s.world.pendingEvents)) },
      Subject("nodes") { s, _ in .number(Double(s.world.allNodes.count)) },
    ]
      + NodeStatus.allCases.map { status in
        Subject("nodes.\(status.rawValue)") { s, _ in
          .number(Double(s.world.allNodes.filter { $0.status == status }.count))
        }
      })

  static let traffic = SubjectGroup(
    title: "Traffic (since the last 'stats reset')", namespace: nil,
    subjects: [
      Subject("stats.sent") { s, _ in .number(Double(s.world.trace.stats.sent)) },
      Subject("stats.delivered") { s, _ in .number(Double(s.world.trace.stats.delivered)) },
      Subject("stats.dropped") { s, _ in .number(Double(s.world.trace.stats.dropped)) },
      Subject("stats.duplicated") { s, _ in .number(Double(s.world.trace.stats.duplicated)) },
    ]
      + [("stats.p50", 0.5), ("stats.p90", 0.9), ("stats.p99", 0.99), ("stats.max", 1.0)].map { name, q in
        Subject(name) { s, t throws(ShellError) in
          guard let v = s.world.trace.stats.latencyPercentile(q) else {
            throw ShellError("no message has been delivered yet, so '\(t.text)' has no value", column: t.column)
          }
          return .duration(v)
        }
      })

  /// How `help expect` describes a node's subjects, which any node's name begins.
  static let nodeHelp = (
    title: "A node (any node's name in place of NODE)",
    words: [
      "NODE.status", "NODE.METRIC (what its role counts: received, executed, keys for a standard node)",
      "NODE.kv.KEY", "NODE.incarnation", "NODE.region",
    ]
  )

  static func call(_ s: ShellSession, _ t: Token) throws(ShellError) -> CallOutcome {
    guard let c = s.lastCall else {
      throw ShellError("'\(t.text)' reads the last 'rpc' or 'kv', and there has been none", column: t.column)
    }
    return c
  }

  static func send(_ s: ShellSession, _ t: Token) throws(ShellError) -> SendOutcome {
    guard let o = s.lastSend else {
      throw ShellError("'\(t.text)' reads the last 'send', and there has been none", column: t.column)
    }
    return o
  }

  static func lastValue(_ s: ShellSession, _ t: Token) throws(ShellError) -> Observed {
    guard case .value(let values) = try call(s, t).result else { return .text("none") }
    guard values.count == 1 else { return .text(values.map(\.description).joined(separator: " ")) }
    return Observed(values[0])
  }
}

extension Observed {
  /// A value as `expect` compares it: numbers as numbers, text as text, the rest as written.
  init(_ v: Value) {
    switch v {
    case .int(let i): self = .number(Double(i))
    case .double(let d): self = .number(d)
    case .string(let s): self = .text(s)
    default: self = .text(v.description)
    }
  }
}

extension SendOutcome {
  enum FateKind { case delivered, dropped }

  func count(_ kind: FateKind) -> Int {
    messages.filter { m in
      switch (m.fate, kind) {
      case (.delivered, .delivered), (.dropped, .dropped): true
      default: false
      }
    }.count
  }
}
