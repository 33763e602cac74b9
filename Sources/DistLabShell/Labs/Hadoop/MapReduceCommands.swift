import DistLab
import DistLabHadoop

/// `mr …`: MapReduce jobs on the cluster `hdfs start --mapreduce` started — submit one, read
/// the JobTracker's progress and counters.
enum MapReduceCommands {
  static let spec = CommandSpec(
    "mr", family: .data, summary: "MapReduce on HDFS: submit a job to the JobTracker, read its tasks and counters",
    details: [
      "A job runs one map per block of its input; the JobTracker hands maps to TaskTrackers at their",
      "heartbeats, data-local first, then rack-local, then anywhere; reduces start after 5% of the maps",
      "(mapred.reduce.slowstart.completed.maps), fetch their share of every map's output, and write",
      "OUTPUT/part-00000, … to HDFS. A task processes 50 MB a second; map output is --ratio of its input.",
    ],
    example: ["hdfs start --mapreduce", "hdfs put /in 500MB", "mr run /in --output /out", "advance 1m", "mr status"],
    subcommands: [
      CommandSpec(
        "run", family: .data, summary: "submit a job over input files (hadoop jar … wordcount IN OUT)",
        example: ["hdfs start --mapreduce", "hdfs put /in 300MB", "mr run /in --output /out --reducers 2"],
        positionals: [Positional("INPUT", .text, .many)],
        flags: [
          FlagSpec("--output", .text, placeholder: "PATH", help: "the output directory (required)"),
          FlagSpec("--reducers", .count, placeholder: "R", help: "mapred.reduce.tasks (default 1)"),
          FlagSpec("--ratio", .ratio, placeholder: "P", help: "map output as a share of input (default 30%)"),
          FlagSpec(
            "--no-speculative", help: "no backup attempts for stragglers (mapred.map.tasks.speculative.execution)"),
        ],
        action: run),
      CommandSpec(
        "status", family: .observe, summary: "every job's progress, or one job's tasks and counters",
        example: ["hdfs start --mapreduce", "mr status"], positionals: [Positional("JOB", .text, .optional)],
        action: status),
    ])

  static func run(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let c = try HDFSCommands.client(inv, s)
    guard c.jobtracker != nil else {
      throw ShellError("no JobTracker: 'hdfs start --mapreduce' starts one with the cluster", column: inv.column)
    }
    var inputs: [String] = []
    for t in inv.positional { inputs.append(try HDFSCommands.path(t)) }
    guard let o = inv.flags["--output"] else {
      throw ShellError("mr run needs --output PATH, a directory for the reducers' files", column: inv.column)
    }
    let output = try HDFSCommands.path(o)
    let reducers = try inv.flagInt("--reducers", range: 1...100) ?? 1
    let ratio = try inv.flags["--ratio"].map { (t) throws(ShellError) in try inv.ratio(t, what: "--ratio") } ?? 0.3
    switch try attempt(
      inv.column,
      { () throws(WorldError) in
        try c.submit(
          input: inputs, output: output, reducers: reducers, ratio: ratio, speculative: !inv.has("--no-speculative"))
      })
    {
    case .success(let id): return .hdfs(.submitted(id))
    case .failure(let f): throw HDFSCommands.failed(f, inv, s)
    }
  }

  static func status(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let c = try HDFSCommands.client(inv, s)
    guard c.jobtracker != nil else {
      throw ShellError("no JobTracker: 'hdfs start --mapreduce' starts one with the cluster", column: inv.column)
    }
    switch try attempt(inv.column, { () throws(WorldError) in try c.jobs() }) {
    case .success(let jobs):
      guard let t = inv.word(0) else { return .hdfs(.jobs(jobs, detail: false)) }
      guard let job = jobs.first(where: { $0.id == t.text }) else {
        throw ShellError("no job '\(t.text)' (jobs: \(jobs.map(\.id).joined(separator: ", ")))", column: t.column)
      }
      return .hdfs(.jobs([job], detail: true))
    case .failure(let f): throw HDFSCommands.failed(f, inv, s)
    }
  }
}
