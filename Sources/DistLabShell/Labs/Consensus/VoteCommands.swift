import DistLab
import DistLabConsensus

/// `vote …`: the naive agreement protocol, which waits for every vote or for a timeout, and
/// the two worlds one voter cannot tell apart.
enum VoteCommands {
  static let spec = CommandSpec(
    "vote", family: .data,
    summary: "naive agreement: every voter waits for every value (or a timeout) and decides the smallest",
    details: [
      "Voters v1, v2, … each send their value to the others and decide the smallest value they know,",
      "once they know them all — or, with --timeout D, after D with what they have. 'vote twins' shows",
      "a voter's view of a world where v3 was killed beside one where v3 is only slow.",
    ],
    example: ["vote start", "vote begin", "advance 10ms", "vote status"],
    subcommands: [
      CommandSpec(
        "start", family: .data, summary: "spawn voters v1, v2, … with their values",
        example: ["vote start --values 3,2,1 --timeout 100ms"],
        flags: [
          FlagSpec("--values", .text, placeholder: "A,B,…", help: "one value per voter (default 3,2,1)"),
          FlagSpec("--timeout", .duration, placeholder: "D", help: "decide after D with what is known"),
        ],
        action: start),
      CommandSpec(
        "begin", family: .data, summary: "every voter sends its value to the others",
        example: ["vote start", "vote begin"], action: begin),
      CommandSpec(
        "status", family: .data, summary: "each voter's decision, and whether they agree (the world's truth)",
        example: ["vote start", "vote begin", "advance 10ms", "vote status"], action: status),
      CommandSpec(
        "twins", family: .observe,
        summary: "v1's view when v3 is killed, beside its view when v3 is only slow: the same",
        example: ["vote twins --watch 5s"],
        flags: [FlagSpec("--watch", .duration, placeholder: "D", help: "how long v1 is watched (default 5s)")],
        action: twins),
    ])

  static func started(_ s: ShellSession, _ column: Int) throws(ShellError) -> VoteClient {
    guard !s.vote.voters.isEmpty else { throw ShellError("no voters yet: 'vote start' starts them", column: column) }
    return s.vote
  }

  static func start(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    guard s.vote.voters.isEmpty else {
      throw ShellError("the voters already run; 'reset' starts over", column: inv.column)
    }
    var values: [Value] = [.int(3), .int(2), .int(1)]
    if let t = inv.flags["--values"] {
      let words = t.text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      guard (2...20).contains(words.count), words.allSatisfy({ !$0.isEmpty }) else {
        throw ShellError("--values is 2 to 20 values separated by commas, like 3,2,1", column: t.column)
      }
      values = words.map { Units.value(Token($0, column: t.column)) }
    }
    let timeout = try inv.flagDuration("--timeout")
    if let timeout, timeout <= .zero {
      throw ShellError("--timeout is more than 0", column: inv.flags["--timeout"]?.column)
    }
    let made = try attempt(inv.column) { () throws(WorldError) in try s.vote.start(values: values, timeout: timeout) }
    return .consensus(.voteStarted(made, values, timeout: timeout))
  }

  static func begin(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let lab = try started(s, inv.column)
    try attempt(inv.column) { () throws(WorldError) in try lab.begin() }
    return .consensus(.voteBegun)
  }

  static func status(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let lab = try started(s, inv.column)
    return .consensus(.voteStatus(lab.voters, lab.decisions.map { ($0.voter, $0.value, $0.known) }))
  }

  static func twins(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let watch = try inv.flagDuration("--watch") ?? .seconds(5)
    guard watch > .zero, watch <= .seconds(600) else {
      throw ShellError("--watch is between 1ms and 10m", column: inv.flags["--watch"]?.column)
    }
    let twins = try attempt(inv.column) { () throws(WorldError) in
      try VoteTwins.run(seed: s.world.seed, roles: s.world.roles, watch: watch)
    }
    return .consensus(.twins(twins))
  }
}
