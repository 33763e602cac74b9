import Foundation

/// Single-decree Paxos as a state machine small enough to explore completely: every order in
/// which its messages can be delivered (and, with `duplication`, delivered again), every moment
/// a proposer can give up a ballot, every crash of an acceptor. A lost message is one that is
/// never delivered, which every order already includes, so loss needs no move of its own.
/// Breadth-first, so a violation is found by a shortest trace. Safety is that at most one value
/// is ever chosen (accepted by a majority of acceptors in one ballot).
public struct PaxosModel: Sendable {
  public struct Configuration: Hashable, Sendable {
    public var acceptors: Int
    public var proposers: Int
    /// Ballots each proposer may start.
    public var rounds: Int
    /// Acceptor crashes (each followed by a restart) the search may add.
    public var crashes: Int
    /// Whether a message may be delivered and still stay in the network (duplication).
    public var duplication: Bool
    /// The broken variant: an acceptor forgets its promise and what it accepted on restart.
    public var forgetful: Bool

    public init(acceptors: Int, proposers: Int, rounds: Int, crashes: Int, duplication: Bool, forgetful: Bool) {
      self.acceptors = acceptors
      self.proposers = proposers
      self.rounds = rounds
      self.crashes = crashes
      self.duplication = duplication
      self.forgetful = forgetful
    }

    var majority: Int { acceptors / 2 + 1 }
    /// Ballot numbers 1…: round r (0-based) of proposer p is r × proposers + p + 1, so the
    /// order of numbers is the order of (round, proposer).
    func ballot(round: Int, proposer: Int) -> Int { round * proposers + proposer + 1 }
    func owner(_ ballot: Int) -> Int { (ballot - 1) % proposers }
    var ballots: Int { rounds * proposers }
  }

  /// A message in flight, packed: kind, ballot, acceptor, and (for a promise) the accepted
  /// ballot and value, (for an accept) the value.
  struct Message: Hashable, Comparable {
    enum Kind: UInt8 { case prepare, promise, accept, accepted }
    var kind: Kind
    var ballot: UInt8
    var acceptor: UInt8
    var b2: UInt8 = 0
    var v: UInt8 = 0
    var packed: UInt64 {
      UInt64(kind.rawValue) << 32 | UInt64(ballot) << 24 | UInt64(acceptor) << 16 | UInt64(b2) << 8 | UInt64(v)
    }
    static func < (a: Message, b: Message) -> Bool { a.packed < b.packed }
  }

  struct State: Hashable {
    var promised: [UInt8]
    var accB: [UInt8]
    var accV: [UInt8]
    /// Per proposer: 0 not started, 1 preparing, 2 accepting, 3 decided.
    var phase: [UInt8]
    var round: [UInt8]
    var promises: [UInt8]
    var highB: [UInt8]
    var highV: [UInt8]
    var accepts: [UInt8]
    /// The value each ballot proposed in its phase 2 (0: none yet), by ballot number − 1.
    var ballotValue: [UInt8]
    /// The acceptors that accepted in each ballot, as bits.
    var history: [UInt8]
    var network: [Message]
    var crashes: UInt8
  }

  /// A step of a trace, as a reader follows it.
  public enum Step: Sendable, Equatable {
    case start(proposer: Int, ballot: Int)
    case deliver(String, keep: Bool)
    case crash(acceptor: Int)
  }

  public struct Result: Sendable {
    public var states: Int
    public var transitions: Int
    /// Whether the search stopped at its bound before exploring everything.
    public var stoppedAtBound: Bool
    /// The shortest trace to a state where two values are chosen; nil when safety holds.
    public var counterexample: [Step]?
    /// The two values chosen at the end of the counterexample.
    public var chosen: [Int]
  }

  public let config: Configuration
  public init(_ config: Configuration) { self.config = config }

  /// A rough count of the states a check will explore, from measured runs: 12,960 for 3
  /// acceptors, 2 proposers and one ballot each; about ×130 for each further ballot, ×2 for each
  /// crash, ×8 for each further acceptor, ×60 for each further proposer, ×20 with duplication.
  public static func estimate(_ c: Configuration) -> Double {
    12_960 * pow(130, Double(c.rounds - 1)) * pow(2, Double(c.crashes)) * pow(8, Double(c.acceptors - 3))
      * pow(60, Double(c.proposers - 2)) * (c.duplication ? 20 : 1)
  }

  var initial: State {
    let a = config.acceptors
    let p = config.proposers
    return State(
      promised: Array(repeating: 0, count: a), accB: Array(repeating: 0, count: a),
      accV: Array(repeating: 0, count: a), phase: Array(repeating: 0, count: p), round: Array(repeating: 0, count: p),
      promises: Array(repeating: 0, count: p), highB: Array(repeating: 0, count: p),
      highV: Array(repeating: 0, count: p), accepts: Array(repeating: 0, count: p),
      ballotValue: Array(repeating: 0, count: config.ballots), history: Array(repeating: 0, count: config.ballots),
      network: [], crashes: 0)
  }

  /// The values chosen in `s`: those of ballots a majority accepted.
  func chosen(_ s: State) -> [Int] {
    var values: [Int] = []
    for b in 0..<config.ballots where s.history[b].nonzeroBitCount >= config.majority {
      let v = Int(s.ballotValue[b])
      if !values.contains(v) { values.append(v) }
    }
    return values
  }

  /// Explores every reachable state (up to `bound` of them), checking safety in each.
  public func check(bound: Int = 20_000_000, cancel: () -> Bool = { false }) -> Result {
    search(bound: bound, cancel: cancel) { chosen($0).count > 1 }
  }

  /// Looks for the adversary's schedule FLP promises: one in which every ballot of every
  /// proposer gets as far as phase 2 and is then pre-empted, so that all of them are used up
  /// and nothing is chosen. With more ballots the same schedule goes on; it never has to end.
  public func duel(bound: Int = 20_000_000, cancel: () -> Bool = { false }) -> Result {
    search(bound: bound, cancel: cancel) { s in
      s.ballotValue.allSatisfy { $0 != 0 } && s.history.allSatisfy { $0.nonzeroBitCount < config.majority }
    }
  }

  /// Breadth-first from the initial state until a state satisfies `goal` (its shortest trace
  /// is then the result's `counterexample`) or every reachable state has been seen.
  func search(bound: Int, cancel: () -> Bool, goal: (State) -> Bool) -> Result {
    var index: [State: Int] = [initial: 0]
    var states = [initial]
    var parent: [(Int, Step)] = [(-1, .crash(acceptor: -1))]
    var transitions = 0
    var next = 0
    while next < states.count {
      if next % 4096 == 0 && cancel() { break }
      let s = states[next]
      for (step, t) in successors(s) {
        transitions += 1
        guard index[t] == nil else { continue }
        guard states.count < bound else {
          return Result(
            states: states.count, transitions: transitions, stoppedAtBound: true, counterexample: nil, chosen: [])
        }
        index[t] = states.count
        states.append(t)
        parent.append((next, step))
        if goal(t) {
          let values = chosen(t)
          var trace: [Step] = []
          var i = states.count - 1
          while i > 0 {
            trace.append(parent[i].1)
            i = parent[i].0
          }
          return Result(
            states: states.count, transitions: transitions, stoppedAtBound: false, counterexample: trace.reversed(),
            chosen: values)
        }
      }
      next += 1
    }
    return Result(
      states: states.count, transitions: transitions, stoppedAtBound: next < states.count, counterexample: nil,
      chosen: [])
  }

  func send(_ m: Message, _ s: inout State) {
    var i = 0
    while i < s.network.count && s.network[i] < m { i += 1 }
    if i < s.network.count && s.network[i] == m { return }
    s.network.insert(m, at: i)
  }

  func begin(_ p: Int, _ s: inout State) -> Int {
    let b = config.ballot(round: Int(s.round[p]), proposer: p)
    s.round[p] += 1
    s.phase[p] = 1
    s.promises[p] = 0
    s.accepts[p] = 0
    s.highB[p] = 0
    s.highV[p] = 0
    for a in 0..<config.acceptors { send(Message(kind: .prepare, ballot: UInt8(b), acceptor: UInt8(a)), &s) }
    return b
  }

  /// Removes the messages that can no longer change anything, so that states differing only by
  /// dead messages are one: answers for a ballot its proposer has left, and (unless acceptors
  /// can forget) requests an acceptor has promised away. Promises only grow, so these stay dead.
  func pruned(_ s: State) -> State {
    var t = s
    t.network.removeAll { m in
      let b = Int(m.ballot)
      switch m.kind {
      case .promise, .accepted:
        let p = config.owner(b)
        let current = config.ballot(round: Int(t.round[p]) - 1, proposer: p)
        return current != b || t.phase[p] != (m.kind == .promise ? 1 : 2)
      case .prepare: return !config.forgetful && m.ballot <= t.promised[Int(m.acceptor)]
      case .accept: return !config.forgetful && m.ballot < t.promised[Int(m.acceptor)]
      }
    }
    return t
  }

  func successors(_ s: State) -> [(Step, State)] {
    successorsUnpruned(s).map { ($0.0, pruned($0.1)) }
  }

  func successorsUnpruned(_ s: State) -> [(Step, State)] {
    var out: [(Step, State)] = []
    // A proposer starts its next ballot: first, or giving up the one it is in (a timeout).
    for p in 0..<config.proposers where s.phase[p] != 3 && Int(s.round[p]) < config.rounds {
      var t = s
      let b = begin(p, &t)
      out.append((.start(proposer: p + 1, ballot: b), t))
    }
    for (i, m) in s.network.enumerated() {
      for keep in config.duplication ? [false, true] : [false] {
        var t = s
        if !keep { t.network.remove(at: i) }
        deliver(m, &t)
        if t != s { out.append((.deliver(describe(m), keep: keep), t)) }
      }
    }
    if Int(s.crashes) < config.crashes {
      for a in 0..<config.acceptors {
        var t = s
        t.crashes += 1
        if config.forgetful {
          t.promised[a] = 0
          t.accB[a] = 0
          t.accV[a] = 0
        }
        out.append((.crash(acceptor: a + 1), t))
      }
    }
    return out
  }

  func deliver(_ m: Message, _ s: inout State) {
    let a = Int(m.acceptor)
    let b = m.ballot
    switch m.kind {
    case .prepare:
      guard b > s.promised[a] else { return }
      s.promised[a] = b
      send(Message(kind: .promise, ballot: b, acceptor: m.acceptor, b2: s.accB[a], v: s.accV[a]), &s)
    case .promise:
      let p = config.owner(Int(b))
      guard s.phase[p] == 1, config.ballot(round: Int(s.round[p]) - 1, proposer: p) == Int(b) else { return }
      s.promises[p] |= 1 << m.acceptor
      if m.b2 > s.highB[p] {
        s.highB[p] = m.b2
        s.highV[p] = m.v
      }
      guard s.promises[p].nonzeroBitCount >= config.majority else { return }
      s.phase[p] = 2
      let value = s.highB[p] > 0 ? s.highV[p] : UInt8(p + 1)
      s.ballotValue[Int(b) - 1] = value
      for x in 0..<config.acceptors { send(Message(kind: .accept, ballot: b, acceptor: UInt8(x), v: value), &s) }
    case .accept:
      guard b >= s.promised[a] else { return }
      s.promised[a] = b
      s.accB[a] = b
      s.accV[a] = m.v
      s.history[Int(b) - 1] |= 1 << m.acceptor
      send(Message(kind: .accepted, ballot: b, acceptor: m.acceptor), &s)
    case .accepted:
      let p = config.owner(Int(b))
      guard s.phase[p] == 2, config.ballot(round: Int(s.round[p]) - 1, proposer: p) == Int(b) else { return }
      s.accepts[p] |= 1 << m.acceptor
      if s.accepts[p].nonzeroBitCount >= config.majority { s.phase[p] = 3 }
    }
  }

  func describe(_ m: Message) -> String {
    let b = Int(m.ballot)
    let ballot = "\((b - 1) / config.proposers + 1).\(config.owner(b) + 1)"
    let a = "a\(Int(m.acceptor) + 1)"
    let p = "p\(config.owner(b) + 1)"
    switch m.kind {
    case .prepare: return "prepare \(ballot) to \(a)"
    case .promise:
      let acc = m.b2 == 0 ? "nothing accepted" : "accepted value \(m.v)"
      return "\(a)'s promise for \(ballot) (\(acc)) to \(p)"
    case .accept: return "accept \(ballot) value \(m.v) to \(a)"
    case .accepted: return "\(a)'s accepted \(ballot) to \(p)"
    }
  }
}
