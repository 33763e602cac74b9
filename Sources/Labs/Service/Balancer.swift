import DistLab
import Foundation

/// How a load generator or a gateway spreads requests over the servers.
public enum Balancer: String, Sendable, CaseIterable {
  case roundRobin = "round-robin"
  case random
  /// The server with the fewest requests this balancer is still waiting on.
  case leastOutstanding = "least-outstanding"
}

/// What a balancer remembers between requests: where round robin is, and how many requests
/// each server has not answered yet. It knows only what its own calls told it.
struct BalancerState {
  var next = 0
  var outstanding: [NodeID: Int] = [:]

  mutating func pick(_ balancer: Balancer, among servers: [NodeID], _ node: ProgramNode) -> NodeID {
    let server: NodeID
    switch balancer {
    case .roundRobin:
      next += 1
      server = servers[(next - 1) % servers.count]
    case .random: server = servers[Int(node.random() % UInt64(servers.count))]
    case .leastOutstanding:
      server = servers.min { (outstanding[$0] ?? 0, $0) < (outstanding[$1] ?? 0, $1) } ?? servers[0]
    }
    outstanding[server, default: 0] += 1
    return server
  }

  mutating func done(_ server: NodeID) { outstanding[server, default: 1] -= 1 }
}

/// A draw from an exponential distribution of mean `mean`: −mean × ln(U), U uniform in (0, 1].
func exponential(_ node: ProgramNode, mean: Double) -> Nanoseconds {
  let u = (Double(node.random() >> 11) + 1) / Double(1 << 53)
  return Nanoseconds(Int64((-log(u) * mean).rounded()))
}
