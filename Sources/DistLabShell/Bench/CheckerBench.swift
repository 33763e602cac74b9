import DistLab
import DistLabReplication

/// The linearizability checker on generated histories (linearizable by construction): the
/// time of the check alone, and whether it agreed.
enum CheckerBench {
  static func run(operations: Int, processes: Int, keys: Int, model: LinearizabilityModel) -> (
    millis: Double, agreed: Bool
  ) {
    let history = HistoryGenerator.linearizable(
      operations: operations, processes: processes, keys: keys, model: model, seed: 7)
    let start = BenchClock.now()
    let verdict = LinearizabilityChecker.check(history, model: model)
    return (Double(BenchClock.now() - start) / 1e6, verdict.linearizable)
  }
}
