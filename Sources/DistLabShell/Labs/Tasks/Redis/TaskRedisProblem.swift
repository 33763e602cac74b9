import DistLab
import DistLabRedis

/// Why a `task` command is refused on a real Redis: what the Redis said, or what has no
/// meaning there (the simulation's trace, a feature this shell's workers lack).
enum TaskRedisProblem: Error {
  case bridge(CeleryBridge.Problem)
  /// Redis did not take a publish: the call and why.
  case notAccepted(String, RedisError)
  /// Grading runs solutions in a sandbox, away from any real server.
  case sandboxed
  /// The simulated lab already has a broker in this world.
  case simulationRuns
  case unknownID(String, sent: [String])
  /// A command that reads or drives what only the simulation has.
  case simulationOnly(Command)
  /// A flag with no meaning on a real Redis.
  case flag(String)
  /// An `expect` subject that reads what only the simulation has, and the subject as typed.
  case simulationSubject(Reading, String)

  enum Command {
    case timeline, inspect, chord, beat
  }

  /// What a subject only the simulation gives a meaning to reads: a run count, duplicates or
  /// redeliveries from its trace, its beat, or its backend's account.
  enum Reading {
    case runs, duplicates, redelivered, beat, account
  }
}

extension Messages {
  static func text(_ p: TaskRedisProblem) -> String {
    switch p {
    case .bridge(let b): return text(b)
    case .notAccepted(let call, let e): return "\(call) was not accepted: \(e)"
    case .sandboxed: return "task start --redis reaches a real Redis, which a graded solution may not"
    case .simulationRuns: return "the simulated task lab runs in this world: 'reset', then 'task start --redis URL'"
    case .unknownID(let id, let sent):
      return "no task '\(id)' was sent from this shell"
        + (sent.isEmpty ? " ('task send' makes T1)" : " (sent: \(NodeSet.compact(sent)))")
    case .simulationOnly(let c): return text(c)
    case .flag(let f): return flag(f)
    case .simulationSubject(let r, let subject): return text(r, subject)
    }
  }

  static func text(_ r: TaskRedisProblem.Reading, _ subject: String) -> String {
    switch r {
    case .runs:
      "\(subject) counts starts in the simulation's trace, which Redis does not keep: 'celery log' shows what"
        + " this shell's workers ran"
    case .duplicates:
      "\(subject) counts runs beyond the first in the simulation's trace, which Redis does not keep: 'celery log'"
        + " shows what this shell's workers ran"
    case .redelivered:
      "\(subject) counts deliveries after a restore in the simulation's trace, which Redis does not keep:"
        + " 'celery log' shows the restores of this shell's workers"
    case .beat:
      "\(subject) reads the simulated beat; beat on Redis is Celery's own scheduler process ('celery beat' on the"
        + " same Redis)"
    case .account:
      "\(subject) reads the simulated backend's account, which Redis does not keep: a charge there only returns"
        + " its amount, which 'expect task.result.KEY' reads"
    }
  }

  static func text(_ c: TaskRedisProblem.Command) -> String {
    switch c {
    case .timeline:
      "task timeline draws the simulation's trace, which Redis does not keep: 'celery log' shows what"
        + " this shell's workers did"
    case .inspect:
      "task inspect needs replies on Celery's pidbox, which this shell's workers do not send: Celery's"
        + " own 'celery inspect' asks real workers"
    case .chord:
      "a chord needs the result backend's chord counter (on_chord_part_return), which this shell's"
        + " workers do not keep: 'task group', then 'task send xsum' on the results"
    case .beat:
      "beat on Redis is Celery's own scheduler process ('celery beat' on the same Redis); 'reset'"
        + " returns to the simulated beat"
    }
  }

  static func flag(_ f: String) -> String {
    switch f {
    case "--prefetch":
      "--prefetch has no meaning on Redis here: each slot of this shell's workers takes one message at a time"
    case "--track-started":
      "--track-started: this shell's workers store no STARTED state (a Celery worker with task_track_started does)"
    case "--reject-on-worker-lost":
      "--reject-on-worker-lost: this shell's workers run tasks in this process, with no pool process to lose"
    case "--rate-limit":
      "--rate-limit: this shell's workers keep no rate limits; in Celery a task declares its rate_limit"
    case "--retries", "--backoff":
      "\(f): on Redis a task declares its retries (max_retries), not the message; this shell's"
        + " workers retry flaky 3 times, 3m apart"
    case "--idempotency-key":
      "--idempotency-key is the simulation's ledger: on Redis the task itself must record its side effect"
    default:
      "\(f): this shell's workers do not stop a task at Celery's timelimit header (a Celery worker does)"
    }
  }
}
