import ArgumentParser
import DistLab
import DistLabNet
import DistLabShell
import Foundation

/// The `distlab` executable: argument parsing only; everything else lives in DistLabShell.
@main
struct DistLabCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "distlab",
    abstract: "A terminal laboratory for distributed systems.",
    discussion: "With no subcommand, starts the distlab> shell.",
    subcommands: [
      ShellSubcommand.self, RunSubcommand.self, ReplaySubcommand.self, GradeSubcommand.self, BenchSubcommand.self,
      GradeOneSubcommand.self, CheckSubcommand.self, NodeSubcommand.self,
    ],
    defaultSubcommand: ShellSubcommand.self)

  /// As `ParsableCommand.main`, but a mistake on the command line exits 2, like every other
  /// error the tools report (the parser's own choice is 64).
  static func main() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
      FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
      Foundation.exit(2)
    }
  }
}

/// Options that shape a new world.
struct WorldOptions: ParsableArguments {
  @Option(help: "The seed that fixes every random draw in sim mode.")
  var seed: UInt64 = 1

  @Option(help: "sim (virtual clock, deterministic), live (wall clock) or process (every node an OS process).")
  var mode: String = "sim"

  @Option(name: .customLong("max-nodes"), help: "Refuse to spawn more nodes than this.")
  var maxNodes: Int = 1000

  func validate() throws {
    guard WorldMode(rawValue: mode) != nil else {
      throw ValidationError("--mode is sim, live or process, not '\(mode)'")
    }
    let range = WorldConfig.maxNodesRange
    guard range.contains(maxNodes) else {
      throw ValidationError("--max-nodes is between \(range.lowerBound) and \(range.upperBound)")
    }
  }

  var config: WorldConfig {
    var c = WorldConfig()
    c.seed = seed
    c.mode = WorldMode(rawValue: mode) ?? .sim
    c.maxNodes = maxNodes
    return c
  }
}

struct ShellSubcommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "shell", abstract: "Start the distlab> shell (the default).")
  @OptionGroup var world: WorldOptions
  @Option(help: "The folder of lessons (default: $DISTLAB_LESSONS, else ./Lessons, else the one beside distlab).")
  var lessons: String?

  func run() throws {
    let status = InteractiveShell.run(config: world.config, lessons: lessons)
    if status != 0 { throw ExitCode(status) }
  }
}

struct CheckSubcommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Check a Jepsen-format history for linearizability: exit 0 if it is, 1 if not, 2 on bad input.")
  @Option(help: "register, cas-register or kv.")
  var model: String = "register"
  @Argument(help: "A history file: EDN maps or jepsen.util log lines, one event a line.")
  var file: String

  func run() throws {
    let status = CheckFile.run(file, model: model)
    if status != 0 { throw ExitCode(status) }
  }
}

struct RunSubcommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run", abstract: "Run scripts: exit 0 if every expectation held, 1 if one failed, 2 on an error.")
  @OptionGroup var world: WorldOptions
  @Flag(help: "Print each command before its output.")
  var echo = false
  @Argument(help: "Script files (*.distlab).")
  var files: [String]

  func validate() throws {
    guard !files.isEmpty else { throw ValidationError("give at least one script file") }
  }

  func run() throws {
    let status = RunFiles.run(files, config: world.config, echo: echo)
    if status != 0 { throw ExitCode(status) }
  }
}

struct ReplaySubcommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "replay",
    abstract: "Replay transcripts and lessons' worked examples in sim mode; show a diff where output changed.")
  @Flag(help: "Rewrite transcripts and lessons whose output changed.")
  var update = false
  @Option(
    help: "Audit flakiness: run scripts or transcripts under seeds A..B and count how often each expectation held.")
  var seeds: String?
  @Argument(help: "Transcripts, lessons (*.md), scripts (with --seeds), or folders holding them.")
  var paths: [String]

  func validate() throws {
    guard !paths.isEmpty else { throw ValidationError("give at least one transcript, lesson or folder") }
    if let seeds, SeedAudit.parseSeeds(seeds) == nil {
      throw ValidationError("--seeds is a range like 1..50 (at most 100,000 seeds), not '\(seeds)'")
    }
    if seeds != nil && update { throw ValidationError("--seeds audits; it cannot be combined with --update") }
  }

  func run() throws {
    let status: Int32
    if let seeds, let range = SeedAudit.parseSeeds(seeds) {
      status = ReplayFiles.audit(paths, seeds: range)
    } else {
      status = ReplayFiles.run(paths, update: update)
    }
    if status != 0 { throw ExitCode(status) }
  }
}

struct BenchSubcommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench", abstract: "Measure the runtime on this machine.")
  @Flag(help: "Print the figures as JSON.")
  var json = false
  @Flag(help: "Shorter runs, for a quick look (less precise).")
  var quick = false
  @Option(
    help: ArgumentHelp(
      "Run only these groups, comma-separated: \(BenchRunner.groups.joined(separator: ", ")).", valueName: "groups"))
  var only: String?

  func validate() throws {
    for g in selected where !BenchRunner.groups.contains(g) {
      throw ValidationError("--only: no group '\(g)'; the groups are \(BenchRunner.groups.joined(separator: ", "))")
    }
  }

  var selected: Set<String> {
    Set((only ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
  }

  func run() throws {
    let status = BenchRunner.run(json: json, quick: quick, only: selected)
    if status != 0 { throw ExitCode(status) }
  }
}

struct GradeSubcommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "grade",
    abstract:
      "Grade solution scripts (SOLUTIONS/<lesson-id>/<exercise-id>.distlab) against lessons' checks; exit 0 only if all pass."
  )
  @Option(help: "The folder of lessons.")
  var lessons: String
  @Option(help: "The folder of solutions: one subfolder per lesson id, one script per exercise id.")
  var solutions: String
  @Option(help: "Write JUnit XML here.")
  var junit: String?
  @Option(help: "Write TAP version 14 here.")
  var tap: String?
  @Option(help: "Write a JSON report with points here.")
  var json: String?
  @OptionGroup var limitOptions: GradeLimitOptions
  @Option(help: "A folder of <lesson-id>.checks files: graded checks kept out of the lessons.")
  var checks: String?
  @Option(
    name: .customLong("for"),
    help: "Who the reports are for: teacher (every check) or student (hidden checks only counted).")
  var audience: String = "teacher"

  func validate() throws {
    guard GradeCommand.Audience(rawValue: audience) != nil else {
      throw ValidationError("--for is teacher or student")
    }
  }

  func run() throws {
    // Each solution runs in a child process of this executable, so one that crashes or hangs
    // is its own exercise's error and the others are still graded.
    let status = GradeCommand.run(
      lessons: lessons, solutions: solutions, junit: junit, tap: tap, json: json, limits: limitOptions.limits,
      checks: checks,
      audience: GradeCommand.Audience(rawValue: audience) ?? .teacher,
      worker: GradeCommand.executablePath.map { [$0] })
    if status != 0 { throw ExitCode(status) }
  }
}

/// `distlab grade-one`: what `distlab grade` runs in a child process for each exercise.
struct GradeOneSubcommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "grade-one", abstract: "Grade one exercise and print its result as JSON (used by grade).",
    shouldDisplay: false)
  @Option var lessons: String
  @Option var solutions: String
  @Option var checks: String?
  @Option var lesson: String
  @Option var exercise: String
  @OptionGroup var limitOptions: GradeLimitOptions

  func run() throws {
    let status = GradeCommand.one(
      lessons: lessons, solutions: solutions, checks: checks, lesson: lesson, exercise: exercise,
      limits: limitOptions.limits)
    if status != 0 { throw ExitCode(status) }
  }
}

/// The limits a solution is graded under, read the same way by `grade` and `grade-one`.
struct GradeLimitOptions: ParsableArguments {
  @Option(name: .customLong("time-limit"), help: "Wall-clock limit per solution: a duration (2s, 500ms) or seconds.")
  var timeLimit: String = "10s"
  @Option(name: .customLong("virtual-limit"), help: "Virtual-time limit per solution, e.g. 1h.")
  var virtualLimit: String = "1h"
  @Option(name: .customLong("memory-limit"), help: "Memory per solution's grading process, e.g. 2GB (64MB to 64GB).")
  var memoryLimit: String = "2GB"

  func validate() throws {
    guard GradeLimits.wallSeconds(parsing: timeLimit) != nil else {
      throw ValidationError("--time-limit is a duration from 100ms to 1h, like 2s or 500ms (or a number of seconds)")
    }
    guard Units.duration(virtualLimit) != nil else {
      throw ValidationError("--virtual-limit is a duration like 10m or 1h")
    }
    guard let bytes = Units.size(memoryLimit), GradeLimits.memoryRange.contains(bytes) else {
      throw ValidationError("--memory-limit is a size from 64MB to 64GB, like 512MB or 2GB")
    }
  }

  var limits: GradeLimits {
    var limits = GradeLimits()
    limits.wallSeconds = GradeLimits.wallSeconds(parsing: timeLimit) ?? limits.wallSeconds
    limits.virtualTime = Units.duration(virtualLimit) ?? limits.virtualTime
    limits.memoryBytes = Units.size(memoryLimit) ?? limits.memoryBytes
    return limits
  }
}

struct NodeSubcommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "node",
    abstract: "Run one node headless, as its own process, serving the frame codec over TCP until SIGTERM.")
  @Option(help: "HOST:PORT to listen on (port 0 for any free one).")
  var listen: String
  @Option(help: "The role its program runs (the default role when not given).")
  var role: String?
  @Option(help: "The node's name.")
  var name: String?
  @Option(
    help:
      "A folder for the node's disk, kept when the process ends (the disk lasts only as long as the process without it)."
  )
  var disk: String?
  @Flag(help: "End when the process that started this one dies (as a shell's child nodes do).")
  var exitWithParent = false

  func run() throws {
    let status = NodeProcess.run(
      listen: listen, role: role, name: name, disk: disk, exitWithParent: exitWithParent,
      roles: RoleCatalog.builtIn.withProcessRoles())
    if status != 0 { throw ExitCode(status) }
  }
}
