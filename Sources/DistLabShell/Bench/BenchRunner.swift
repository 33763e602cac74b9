import DistLab
import Foundation

/// `distlab bench`: measures the runtime on this machine and prints each figure beside its
/// target. A missed target is a finding, not a failure: the exit status is 0 either way.
public enum BenchRunner {
  public static func run(json: Bool, quick: Bool) -> Int32 {
    let plan = BenchPlan(quick: quick)
    var report = BenchReport(cores: ProcessInfo.processInfo.activeProcessorCount, quick: quick)
    if !json { Output.line(BenchRendering.header(cores: report.cores, quick: quick)) }
    plan.measure { figure in
      report.figures.append(figure)
      if !json { Output.line(BenchRendering.line(figure)) }
    }
    Output.line(json ? BenchRendering.json(report) : BenchRendering.footer(report))
    return 0
  }
}

/// How long each measurement runs, and the targets they are held to.
struct BenchPlan {
  var pingPongSeconds = 1.0
  var throughputSeconds = 1.5
  var rpcCalls = 20_000
  var promptAttempts = 5

  init(quick: Bool) {
    if quick {
      pingPongSeconds = 0.3
      throughputSeconds = 0.4
      rpcCalls = 3_000
      promptAttempts = 2
    }
  }

  /// Runs every measurement in turn, handing each figure to `report` as soon as it is known.
  func measure(_ report: (BenchFigure) -> Void) {
    let baseline = PingPongBench.run(seconds: pingPongSeconds)
    report(
      BenchFigure(
        id: "baseline.roundTripsPerSecond", label: "thread ping-pong (baseline)", value: baseline, unit: "round trips/s",
        note: "Locked mailbox + semaphore park, 2 threads"))

    let nodes = ThroughputBench.nodes
    switch Result(catching: { () throws(WorldError) in try ThroughputBench.sim(seconds: throughputSeconds) }) {
    case .success(let r):
      report(
        BenchFigure(
          id: "sim.messagesPerSecond", label: "sim, \(nodes) nodes", value: r.messagesPerSecond, unit: "msg/s",
          target: .atLeast(300_000)))
      report(
        BenchFigure(
          id: "sim.baselineRatio", label: "sim ÷ baseline", value: r.messagesPerSecond / baseline, unit: "×",
          target: .atLeast(0.65)))
    case .failure(let e):
      report(BenchFigure(id: "sim.messagesPerSecond", label: "sim, \(nodes) nodes", value: nil, unit: "msg/s", target: .atLeast(300_000), note: e.message))
      report(BenchFigure(id: "sim.baselineRatio", label: "sim ÷ baseline", value: nil, unit: "×", target: .atLeast(0.65), note: e.message))
    }

    let live = Result(catching: { () throws(WorldError) in try ThroughputBench.live(seconds: throughputSeconds) })
    report(
      BenchFigure(
        id: "live.messagesPerSecond", label: "live, \(nodes) nodes", value: try? live.get().messagesPerSecond, unit: "msg/s",
        target: .atLeast(2_000_000), note: live.failureMessage))

    let rpc = Result(catching: { () throws(WorldError) in try RPCBench.run(calls: rpcCalls) })
    let rpcNote = rpc.failureMessage ?? (try? rpc.get()).flatMap { $0.failures > 0 ? "\($0.failures) calls failed" : nil }
    report(
      BenchFigure(
        id: "rpc.p50Micros", label: "live RPC round trip, p50", value: try? rpc.get().p50Micros, unit: "µs",
        target: .atMost(10), note: rpcNote ?? "\(rpcCalls) calls"))
    report(
      BenchFigure(id: "rpc.p99Micros", label: "live RPC round trip, p99", value: try? rpc.get().p99Micros, unit: "µs", target: .atMost(50), note: rpcNote))

    for (count, limit) in [(1_000, 100.0), (10_000, 1_000.0)] {
      let spawn = Result(catching: { () throws(WorldError) in try SpawnBench.run(count: count) })
      let name = BenchRendering.grouped(Int64(count))
      let ready = (try? spawn.get()).map { "all answering after \(BenchRendering.number($0.readyMillis)) ms" }
      report(
        BenchFigure(
          id: "spawn\(count).millis", label: "spawn \(name) nodes", value: try? spawn.get().millis, unit: "ms",
          target: .atMost(limit), note: spawn.failureMessage ?? ready))
      report(
        BenchFigure(
          id: "spawn\(count).rssGrowthMB", label: "spawn \(name) nodes, RSS growth", value: try? spawn.get().rssGrowthMB,
          unit: "MB", target: count == 10_000 ? .atMost(150) : nil, note: spawn.failureMessage))
      // Let the threads of the world just dropped wind down before the next measurement.
      BenchClock.sleep(seconds: 0.2)
    }

    switch FirstPromptBench.run(attempts: promptAttempts) {
    case .success(let ms):
      report(
        BenchFigure(
          id: "shell.firstPromptMillis", label: "time to first prompt", value: ms, unit: "ms", target: .atMost(50),
          note: "best of \(promptAttempts), on a pseudo-terminal"))
    case .failure(let f):
      report(
        BenchFigure(id: "shell.firstPromptMillis", label: "time to first prompt", value: nil, unit: "ms", target: .atMost(50), note: f.description))
    }
  }
}

extension Result where Failure == WorldError {
  fileprivate var failureMessage: String? {
    if case .failure(let e) = self { return e.message }
    return nil
  }
}
