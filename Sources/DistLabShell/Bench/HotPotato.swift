import DistLab
import Synchronization

/// Tells every node of a benchmark world to stop at once.
final class StopFlag: Sendable {
  private let flag = Atomic<Bool>(false)
  var isSet: Bool { flag.load(ordering: .relaxed) }
  func set() { flag.store(true, ordering: .relaxed) }
}

/// The benchmarks' node program: every message received is passed on, unchanged, to another
/// node drawn at random, so a fixed number of messages keeps circulating for ever.
final class HotPotato: NodeProgram {
  private let nodeCount: Int
  private let stop: StopFlag?
  private var received = 0

  init(nodeCount: Int, stop: StopFlag? = nil) {
    self.nodeCount = nodeCount
    self.stop = stop
  }

  func receive(_ envelope: Envelope, context: NodeContext) {
    if let stop, stop.isSet { return }
    received += 1
    context.send(
      to: Self.pick(other: context.me, among: nodeCount, draw: context.randomUInt64()), bytes: envelope.bytes)
  }

  func timer(token: UInt64, context: NodeContext) {}

  func summary() -> NodeSummary {
    var s = NodeSummary()
    s.metrics = [("received", Double(received))]
    return s
  }

  /// A node of `1...count` other than `me`, chosen by `draw`.
  static func pick(other me: NodeID, among count: Int, draw: UInt64) -> NodeID {
    var to = Int(draw % UInt64(count - 1)) + 1
    if to >= me.number { to += 1 }
    return NodeID(to)
  }

  /// Starts `perNode` potatoes at every node of a world of `count` nodes, each potato its own
  /// frame (as real messages are: no two share a buffer).
  static func seed(_ world: World, count: Int, perNode: Int) throws(WorldError) {
    var rng = SeededRandom(seed: 7, stream: 99)
    for i in 1...count {
      let from = NodeID(i)
      for k in 0..<perNode {
        let frame = FrameCodec.encode(.message("potato \(i).\(k)"))
        try world.post(from: from, to: pick(other: from, among: count, draw: rng.next()), bytes: frame)
      }
    }
  }
}
