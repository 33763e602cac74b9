import DistLab
import DistLabConsensus

/// `paxos …`: single-decree Paxos as nodes, and its model checker.
enum PaxosCommands {
  static let spec = CommandSpec(
    "paxos", family: .data,
    summary: "single-decree Paxos: acceptors, proposers and learners as nodes, and a model checker",
    details: [
      "Acceptors a1…, proposers p1…, learners l1…. 'paxos propose p1 x' runs the two phases from p1; a",
      "refused or silent ballot is given up for a higher one, at once or after a random backoff. A value",
      "is chosen once a majority accepted it in one ballot; 'paxos status' reads that from the trace.",
    ],
    example: ["paxos start", "paxos propose p1 x", "advance 100ms", "paxos status"],
    subcommands: [
      CommandSpec(
        "start", family: .data, summary: "spawn acceptors, proposers and learners",
        example: ["paxos start --acceptors 3 --proposers 2 --backoff random"],
        flags: [
          FlagSpec("--acceptors", .count, placeholder: "N", help: "how many acceptors (default 3)"),
          FlagSpec("--proposers", .count, placeholder: "N", help: "how many proposers (default 2)"),
          FlagSpec("--learners", .count, placeholder: "N", help: "how many learners (default 1)"),
          FlagSpec(
            "--backoff", .choice(["none", "random"]), placeholder: "none|random",
            help: "after a lost ballot, try again at once (default) or after a random wait"),
          FlagSpec("--forgetful", help: "acceptors keep nothing on disk: a restart forgets the promise"),
        ],
        action: start),
      CommandSpec(
        "propose", family: .data, summary: "a proposer proposes a value",
        example: ["paxos start", "paxos propose p1 x"],
        positionals: [Positional("PROPOSER", .node), Positional("VALUE", .text)],
        action: propose),
      CommandSpec(
        "status", family: .data, summary: "what each proposer decided, and what was chosen (the world's truth)",
        example: ["paxos start", "paxos propose p1 x", "advance 100ms", "paxos status"], action: status),
      CommandSpec(
        "check", family: .observe,
        summary: "explore every delivery order of a small Paxos and check that at most one value is chosen",
        details: [
          "Breadth-first over every order of deliveries, every ballot given up and every acceptor crash,",
          "so a violation comes with a shortest trace. Lost messages are those never delivered.",
        ],
        example: [
          "paxos check --rounds 1 --crashes 1", "paxos check --rounds 1 --crashes 1 --forgetful",
          "paxos check --rounds 1 --duel",
        ],
        flags: [
          FlagSpec("--acceptors", .count, placeholder: "N", help: "acceptors (default 3)"),
          FlagSpec("--proposers", .count, placeholder: "N", help: "proposers (default 2)"),
          FlagSpec("--rounds", .count, placeholder: "R", help: "ballots each proposer may start (default 2)"),
          FlagSpec("--crashes", .count, placeholder: "C", help: "acceptor crashes to add (default 0)"),
          FlagSpec("--duplication", help: "a message may be delivered more than once"),
          FlagSpec("--forgetful", help: "the broken variant: a restarted acceptor forgets its promise"),
          FlagSpec("--duel", help: "find instead a schedule where every ballot is pre-empted and nothing chosen"),
        ],
        action: check),
      CommandSpec(
        "follow", family: .observe,
        summary: "follow a delivery order you wrote, step by step, through the model: an adversary's schedule",
        details: [
          "FILE has one step a line, in the words 'paxos check' prints: 'p1 starts ballot 1.1',",
          "'deliver prepare 1.1 to a1', 'deliver a1's promise for 1.1 (nothing accepted) to p1', …",
          "(a leading '12.' and # comments are skipped). Each step must be possible where the ones",
          "before it led; at the end, what each proposer is doing and what was chosen.",
        ],
        example: ["paxos follow duel.txt"],
        positionals: [Positional("FILE", .path)],
        flags: [
          FlagSpec("--acceptors", .count, placeholder: "N", help: "acceptors (default 3)"),
          FlagSpec("--proposers", .count, placeholder: "N", help: "proposers (default 2)"),
          FlagSpec("--forgetful", help: "the broken variant: a restarted acceptor forgets its promise"),
        ],
        action: follow),
    ])

  static func started(_ s: ShellSession, _ column: Int) throws(ShellError) -> PaxosClient {
    guard s.paxos.isStarted else { throw ShellError("no Paxos yet: 'paxos start' starts it", column: column) }
    return s.paxos
  }

  static func start(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    guard !s.paxos.isStarted else { throw ShellError("Paxos already runs; 'reset' starts over", column: inv.column) }
    let a = try inv.flagInt("--acceptors", range: 1...15) ?? 3
    let p = try inv.flagInt("--proposers", range: 1...5) ?? 2
    let l = try inv.flagInt("--learners", range: 0...5) ?? 1
    var random = false
    if let b = inv.flags["--backoff"] {
      guard ["none", "random"].contains(b.text) else {
        throw ShellError("--backoff is none or random, not '\(b.text)'", column: b.column)
      }
      random = b.text == "random"
    }
    let made = try attempt(inv.column) { () throws(WorldError) in
      try s.paxos.start(
        acceptors: a, proposers: p, learners: l, randomBackoff: random, forgetful: inv.has("--forgetful"))
    }
    return .consensus(.paxosStarted(made, randomBackoff: random, forgetful: inv.has("--forgetful")))
  }

  static func propose(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let lab = try started(s, inv.column)
    let node = try NodeSet.single(inv.positional[0], in: s.world)
    guard lab.proposers.contains(node) else {
      throw ShellError("'\(inv.positional[0].text)' is not a proposer", column: inv.positional[0].column)
    }
    let value = Units.value(inv.positional[1])
    let result = try attempt(inv.column) { () throws(WorldError) in try lab.propose(value, via: node) }
    return .consensus(.proposed(node, value, result))
  }

  static func status(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let lab = try started(s, inv.column)
    let outcomes = try attempt(inv.column) { () throws(WorldError) in try lab.outcomes() }
    return .consensus(.paxosStatus(outcomes, lab.ledger))
  }
}
