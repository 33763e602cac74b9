import Foundation

/// A schedule a student writes, one step a line in the words the model checker prints
/// (`p1 starts ballot 1.1`, `deliver prepare 1.1 to a1`, …), followed step by step through the
/// model: the adversary's delivery order made explicit, and checked to be possible.
extension PaxosModel.Step {
  /// The step as a schedule line, and as the checker prints it.
  public func text(_ c: PaxosModel.Configuration) -> String {
    switch self {
    case .start(let p, let b): "p\(p) starts ballot \((b - 1) / c.proposers + 1).\(p)"
    case .deliver(let m, let keep): "deliver \(m)" + (keep ? " (a copy stays)" : "")
    case .crash(let a): "a\(a) crashes and restarts" + (c.forgetful ? ", forgetting everything" : "")
    }
  }
}

extension PaxosModel {
  /// Where a followed schedule left the model.
  public struct Followed: Sendable, Equatable {
    public var steps: Int
    /// Per proposer: its phase (0 not started, 1 preparing, 2 accepting, 3 decided) and the
    /// ballot it is in ("2.1"), if any.
    public var proposers: [(phase: Int, ballot: String?)]
    /// Ballots that reached phase 2 and were not accepted by a majority, in order.
    public var unaccepted: [String]
    /// The values chosen (proposer p's own value is p).
    public var chosen: [Int]
    public var inFlight: Int

    public static func == (a: Followed, b: Followed) -> Bool {
      a.steps == b.steps && a.proposers.map(\.phase) == b.proposers.map(\.phase)
        && a.proposers.map(\.ballot) == b.proposers.map(\.ballot) && a.unaccepted == b.unaccepted
        && a.chosen == b.chosen && a.inFlight == b.inFlight
    }
  }

  /// Why a schedule could not be followed: the line (0-based) whose step is not possible in
  /// the state the earlier lines led to, and the steps that were.
  public struct ImpossibleStep: Error, Sendable, Equatable {
    public var line: Int
    public var text: String
    public var possible: [String]
  }

  /// Follows `lines` (blank lines, `#` comments and a leading `12.` are skipped) from the
  /// initial state; every line must name a step possible at that point.
  public func follow(_ lines: [String]) -> Swift.Result<Followed, ImpossibleStep> {
    var s = initial
    var steps = 0
    for (i, raw) in lines.enumerated() {
      var text = raw.trimmingCharacters(in: .whitespaces)
      if text.isEmpty || text.hasPrefix("#") { continue }
      if let dot = text.firstIndex(of: "."), text[..<dot].allSatisfy(\.isNumber), !text[..<dot].isEmpty {
        text = text[text.index(after: dot)...].trimmingCharacters(in: .whitespaces)
      }
      let next = successorsUnpruned(s)
      guard let found = next.first(where: { $0.0.text(config) == text }) else {
        return .failure(ImpossibleStep(line: i, text: text, possible: next.map { $0.0.text(config) }))
      }
      s = found.1
      steps += 1
    }
    let proposers = (0..<config.proposers).map { p -> (phase: Int, ballot: String?) in
      let r = Int(s.round[p])
      return (Int(s.phase[p]), r == 0 ? nil : "\(r).\(p + 1)")
    }
    var unaccepted: [String] = []
    for b in 0..<config.ballots where s.ballotValue[b] != 0 && s.history[b].nonzeroBitCount < config.majority {
      unaccepted.append("\(b / config.proposers + 1).\(b % config.proposers + 1)")
    }
    return .success(
      Followed(steps: steps, proposers: proposers, unaccepted: unaccepted, chosen: chosen(s), inFlight: s.network.count)
    )
  }
}
