import DistLab
import DistLabConsensus

/// The consensus lab's results as text.
struct ConsensusRenderer {
  let style: Style
  let view: WorldView

  func render(_ r: ConsensusResult) -> String {
    switch r {
    case .paxosStarted(let nodes, let random, let forgetful):
      var text = "started " + NodeSet.compact(nodes.map(\.name))
      text +=
        "\na lost ballot is "
        + (random ? "retried after a random wait, doubling its range each time" : "retried at once")
      if forgetful { text += "\n" + style.warn("acceptors keep nothing on disk: a restart forgets the promise") }
      return text
    case .proposed(let p, let value, let result):
      guard case .value(let v) = result else { return style.error("\(view.name(p)) did not take the proposal") }
      return "\(view.name(p)) proposes \(value), starting with ballot \(ConsensusLab.ballot(v.first ?? .null))"
    case .paxosStatus(let outcomes, let ledger): return status(outcomes, ledger)
    case .checked(let c, let r): return checked(c, r)
    case .dueled(let c, let r): return dueled(c, r)
    case .followed(let file, let c, let f): return followed(file, c, f)
    case .voteStarted(let nodes, let values, let timeout):
      let each = zip(nodes, values).map { "\($0.name) = \($1)" }.joined(separator: ", ")
      return "started voters: \(each)\n"
        + (timeout.map { "each decides the smallest value it knows \($0) after it begins" }
          ?? "each decides the smallest value once it knows every voter's")
    case .voteBegun: return "every voter that is up sent its value to the others"
    case .voteStatus(let voters, let decisions): return voteStatus(voters, decisions)
    case .twins(let t): return VoteTwinsRenderer(style: style, view: view).render(t)
    }
  }

  func voteStatus(_ voters: [NodeID], _ decisions: [(NodeID, Value, Int)]) -> String {
    var table = TextTable(["VOTER", "DECIDED", "FROM VALUES"], rightAligned: [2])
    for v in voters {
      if let d = decisions.first(where: { $0.0 == v }) {
        table.add([view.name(v), d.1.description, "\(d.2) of \(voters.count)"])
      } else {
        table.add([view.name(v), "-", ""])
      }
    }
    let values = Set(decisions.map(\.1))
    let verdict =
      decisions.isEmpty
      ? "nobody has decided"
      : values.count == 1
        ? style.ok("agreement: every decision is \(decisions[0].1)")
        : style.error("AGREEMENT VIOLATED: \(values.count) different decisions")
    return table.render(style: style) + "\n" + style.dim("the world's truth, from the trace: ") + verdict
  }

  func status(_ outcomes: [(NodeID, [Value]?)], _ ledger: PaxosLedger) -> String {
    var table = TextTable(["PROPOSER", "DECIDED", "BALLOTS TRIED"], rightAligned: [2])
    for (p, v) in outcomes {
      guard let v, v.count == 3 else {
        table.add([view.name(p), "no answer", ""])
        continue
      }
      table.add([view.name(p), v[0] == .null ? "-" : v[0].description, v[1].description])
    }
    var lines = [table.render(style: style), style.dim("the world's truth, from the acceptors:")]
    if ledger.chosen.isEmpty {
      lines.append("nothing chosen yet (\(ledger.ballots) ballot\(ledger.ballots == 1 ? "" : "s") with acceptances)")
    } else {
      let chosen = ledger.chosen.map { "\($0.value) in ballot \($0.ballot)" }.joined(separator: ", ")
      lines.append("chosen: " + chosen)
      lines.append(
        ledger.isSafe
          ? style.ok("safe: one value chosen") : style.error("UNSAFE: \(ledger.values.count) different values chosen"))
    }
    return lines.joined(separator: "\n")
  }

  func dueled(_ c: PaxosModel.Configuration, _ r: PaxosModel.Result) -> String {
    let n = c.rounds * c.proposers
    var lines = [
      "\(c.acceptors) acceptors, \(c.proposers) proposers, \(c.rounds) ballot\(c.rounds == 1 ? "" : "s") each:"
    ]
    lines.append("explored \(Grouped.number(Int64(r.states))) states (\(Grouped.number(Int64(r.transitions))) moves)")
    guard let trace = r.counterexample else {
      lines.append(style.ok("no schedule pre-empts every ballot without choosing a value"))
      return lines.joined(separator: "\n")
    }
    lines.append(
      style.warn("a duel: each ballot's prepares reach a majority before the ballot before it is accepted,")
        + "\nso every ballot but the last is pre-empted, all \(n) reach phase 2 and nothing is chosen;"
        + "\nthe schedule, \(trace.count) steps:")
    lines += steps(trace, c)
    return lines.joined(separator: "\n")
  }

  func steps(_ trace: [PaxosModel.Step], _ c: PaxosModel.Configuration) -> [String] {
    trace.enumerated().map { i, step in
      let text = step.text(c)
      return String(repeating: " ", count: i < 9 ? 3 : 2) + "\(i + 1). \(text)"
    }
  }

  func checked(_ c: PaxosModel.Configuration, _ r: PaxosModel.Result) -> String {
    var what = "\(c.acceptors) acceptors, \(c.proposers) proposers, \(c.rounds) ballot\(c.rounds == 1 ? "" : "s") each"
    what += ", \(c.crashes) crash\(c.crashes == 1 ? "" : "es")" + (c.duplication ? ", duplication" : "")
    if c.forgetful { what += ", forgetful acceptors" }
    var lines = [
      what + ":", "explored \(Grouped.number(Int64(r.states))) states (\(Grouped.number(Int64(r.transitions))) moves)",
    ]
    if r.stoppedAtBound { lines.append(style.warn("stopped before the end: the answer holds for the states explored")) }
    guard let trace = r.counterexample else {
      lines.append(style.ok("safe: no reachable state has two values chosen"))
      return lines.joined(separator: "\n")
    }
    lines.append(
      style.error("UNSAFE: values \(r.chosen.map(String.init).joined(separator: " and ")) both chosen")
        + "; a shortest trace, \(trace.count) steps:")
    lines += steps(trace, c)
    return lines.joined(separator: "\n")
  }

  func followed(_ file: String, _ c: PaxosModel.Configuration, _ f: PaxosModel.Followed) -> String {
    var lines = [
      "followed \(f.steps) step\(f.steps == 1 ? "" : "s") of \(file) (\(c.acceptors) acceptors, \(c.proposers) proposers"
        + (c.forgetful ? ", forgetful" : "") + ")"
    ]
    let phases = ["not started", "preparing", "accepting", "decided"]
    for (i, p) in f.proposers.enumerated() {
      lines.append("p\(i + 1): " + phases[p.phase] + (p.ballot.map { " in ballot \($0)" } ?? ""))
    }
    if !f.unaccepted.isEmpty {
      lines.append("reached phase 2 without a majority accepting: " + f.unaccepted.joined(separator: ", "))
    }
    let chosen =
      f.chosen.isEmpty
      ? "nothing chosen"
      : f.chosen.count == 1
        ? "chosen: value \(f.chosen[0])"
        : style.error("UNSAFE: values \(f.chosen.map(String.init).joined(separator: " and ")) chosen")
    lines.append(chosen + "; \(f.inFlight) message\(f.inFlight == 1 ? "" : "s") in flight")
    return lines.joined(separator: "\n")
  }
}
