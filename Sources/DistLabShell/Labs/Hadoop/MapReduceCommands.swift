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
      "OUTPUT/part-00000, … to HDFS. A task processes 50 MB a second. --program runs one of the examples",
      "jar's programs over text put with --from (wordcount, grep, sort); without it a job of sizes runs,",
      "its map output --ratio of its input. In standalone mode the LocalJobRunner runs it in the shell.",
    ],
    example: ["hdfs start --mapreduce", "hdfs put /in 500MB", "mr run /in --output /out", "advance 1m", "mr status"],
    subcommands: [
      CommandSpec(
        "run", family: .data, summary: "submit a job over input files (hadoop jar … wordcount IN OUT)",
        example: [
          "hdfs start --mapreduce", "hdfs put /in 300MB", "mr run /in --output /out --reducers 2",
          "hdfs put /text --from texts/fallacies.txt", "mr run /text --output /counts --program wordcount",
        ],
        positionals: [Positional("INPUT", .text, .many)],
        flags: [
          FlagSpec("--output", .text, placeholder: "PATH", help: "the output directory (required)"),
          FlagSpec(
            "--program", .choice(["wordcount", "grep", "sort"]), placeholder: "NAME",
            help: "an examples-jar program over text: wordcount, grep, sort"),
          FlagSpec("--pattern", .text, placeholder: "REGEX", help: "grep's regular expression (required with grep)"),
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
      CommandSpec(
        "timeline", family: .observe,
        summary: "a picture of a job: a lane per slot, each attempt a bar; shuffles, re-runs, backups marked",
        example: [
          "hdfs start --mapreduce", "hdfs put /in 500MB", "mr run /in --output /out", "advance 30s", "mr timeline",
        ],
        positionals: [Positional("JOB", .text, .optional)], action: timeline),
    ])

  static func run(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    var inputs: [String] = []
    for t in inv.positional { inputs.append(try HDFSCommands.path(t)) }
    guard let o = inv.flags["--output"] else {
      throw ShellError("mr run needs --output PATH, a directory for the reducers' files", column: inv.column)
    }
    let output = try HDFSCommands.path(o)
    let reducers = try inv.flagInt("--reducers", range: 1...100) ?? 1
    let ratio = try inv.flags["--ratio"].map { (t) throws(ShellError) in try inv.ratio(t, what: "--ratio") } ?? 0.3
    let program = try self.program(inv, ratio: ratio)
    if s.hdfs.mode == .standalone {
      guard program.readsText else {
        throw ShellError(
          "standalone jobs read real local files: add --program wordcount, grep or sort", column: inv.column)
      }
      switch s.hdfs.runLocal(program, input: inputs, output: output, reducers: reducers) {
      case .success(let job): return .hdfs(.jobs([job], detail: true))
      case .failure(let f): throw HDFSCommands.failed(f, inv, s)
      }
    }
    let c = try HDFSCommands.client(inv, s)
    guard c.jobtracker != nil else {
      throw ShellError("no JobTracker: 'hdfs start --mapreduce' starts one with the cluster", column: inv.column)
    }
    switch try attempt(
      inv.column,
      { () throws(WorldError) in
        try c.submit(
          input: inputs, output: output, reducers: reducers, program: program,
          speculative: !inv.has("--no-speculative"))
      })
    {
    case .success(let id): return .hdfs(.submitted(id))
    case .failure(let f): throw HDFSCommands.failed(f, inv, s)
    }
  }

  /// The program `--program` names (grep with its `--pattern`), or a job of sizes.
  static func program(_ inv: Invocation, ratio: Double) throws(ShellError) -> JobProgram {
    let pattern = inv.flags["--pattern"]
    guard let t = inv.flags["--program"] else {
      if let pattern { throw ShellError("--pattern goes with --program grep", column: pattern.column) }
      return .sized(ratio: ratio)
    }
    if let r = inv.flags["--ratio"] {
      throw ShellError("--ratio is for a job of sizes; a program's output is what it computes", column: r.column)
    }
    switch t.text {
    case "wordcount", "sort":
      if let pattern { throw ShellError("--pattern goes with --program grep", column: pattern.column) }
      return t.text == "sort" ? .sort : .wordcount
    case "grep":
      guard let pattern else { throw ShellError("grep needs --pattern REGEX, like 'net[a-z]*'", column: t.column) }
      guard pattern.text.count <= 200, JobProgram.regex(pattern.text) != nil else {
        throw ShellError("'\(pattern.text)' is not a regular expression grep can use", column: pattern.column)
      }
      return .grep(pattern.text)
    default:
      throw ShellError("no program '\(t.text)': wordcount, grep or sort", column: t.column)
    }
  }

  /// Every job, from the JobTracker or, in standalone mode, from the LocalJobRunner.
  static func jobs(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> [MapReduceJob] {
    if s.hdfs.mode == .standalone { return s.hdfs.localJobs }
    let c = try HDFSCommands.client(inv, s)
    guard c.jobtracker != nil else {
      throw ShellError("no JobTracker: 'hdfs start --mapreduce' starts one with the cluster", column: inv.column)
    }
    switch try attempt(inv.column, { () throws(WorldError) in try c.jobs() }) {
    case .success(let jobs): return jobs
    case .failure(let f): throw HDFSCommands.failed(f, inv, s)
    }
  }

  /// The job JOB names, or the last one.
  static func job(_ inv: Invocation, _ jobs: [MapReduceJob]) throws(ShellError) -> MapReduceJob {
    guard let last = jobs.last else {
      throw ShellError("no jobs yet: 'mr run INPUT --output PATH' submits one", column: inv.column)
    }
    guard let t = inv.word(0) else { return last }
    guard let job = jobs.first(where: { $0.id == t.text }) else {
      throw ShellError("no job '\(t.text)' (jobs: \(jobs.map(\.id).joined(separator: ", ")))", column: t.column)
    }
    return job
  }

  static func status(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    let jobs = try jobs(inv, s)
    guard inv.word(0) != nil else { return .hdfs(.jobs(jobs, detail: false)) }
    return .hdfs(.jobs([try job(inv, jobs)], detail: true))
  }

  static func timeline(_ inv: Invocation, _ s: ShellSession) throws(ShellError) -> CommandResult {
    .hdfs(.timeline(try job(inv, try jobs(inv, s)), now: s.world.now))
  }
}
