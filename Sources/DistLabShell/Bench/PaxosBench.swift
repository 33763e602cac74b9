import DistLabConsensus

/// The Paxos model checker on 3 acceptors and 2 proposers, two ballots each, every delivery
/// order: how many states a minute it explores, and that safety holds in all of them.
enum PaxosBench {
  static func run(bound: Int) -> (statesPerMinute: Double, states: Int, safe: Bool, complete: Bool) {
    let start = BenchClock.now()
    let r = PaxosModel(.init(acceptors: 3, proposers: 2, rounds: 2, crashes: 0, duplication: false, forgetful: false))
      .check(bound: bound)
    let seconds = BenchClock.seconds(since: start)
    return (Double(r.states) / seconds * 60, r.states, r.counterexample == nil, !r.stoppedAtBound)
  }
}
