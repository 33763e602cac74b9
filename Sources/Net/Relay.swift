import DistLab

/// The process benches' node program: a message whose text is a node count N is passed on,
/// unchanged, to another node of `1...N` drawn at random, so messages keep circulating among
/// node processes for as long as they run. It serves no methods; `ctl.status` reads its count.
final class Relay: NodeProgram {
  private var received = 0

  func receive(_ envelope: Envelope, context: NodeContext) {
    guard let f = try? FrameCodec.decode(envelope.bytes), f.kind == .message,
      let count = f.args.first?.stringValue.flatMap(Int.init), count > 1
    else { return }
    received += 1
    var to = Int(context.randomUInt64() % UInt64(count - 1)) + 1
    if to >= context.me.number { to += 1 }
    context.send(to: NodeID(to), bytes: envelope.bytes)
  }

  func timer(token: UInt64, context: NodeContext) {}

  func summary() -> NodeSummary {
    var s = NodeSummary()
    s.metrics = [("received", Double(received))]
    return s
  }

  /// `distlab node --role relay`: for benches, not among the roles the shell spawns.
  static let role = Role("relay", summary: "passes each message on to a random other node (benches)") { Relay() }
}

extension RoleCatalog {
  /// The roles a node process can run: the shell's, and the benches' relay.
  public func withProcessRoles() -> RoleCatalog { adding(Relay.role) }
}
