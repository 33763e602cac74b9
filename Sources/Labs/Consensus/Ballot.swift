import DistLab

/// A Paxos ballot: a round and the proposer's number, ordered by round first, so that every
/// proposer's ballots are distinct and any proposer can always go higher.
public struct Ballot: Hashable, Comparable, Sendable, CustomStringConvertible {
  public var round: Int
  public var proposer: Int

  public init(round: Int, proposer: Int) {
    self.round = round
    self.proposer = proposer
  }

  public static let zero = Ballot(round: 0, proposer: 0)
  public static func < (a: Ballot, b: Ballot) -> Bool { (a.round, a.proposer) < (b.round, b.proposer) }
  public var description: String { "\(round).\(proposer)" }

  var value: Value { .list([.int(Int64(round)), .int(Int64(proposer))]) }
  init?(_ v: Value) {
    guard case .list(let l) = v, l.count == 2, let r = l[0].intValue, let p = l[1].intValue else { return nil }
    self.init(round: Int(r), proposer: Int(p))
  }
}
