import Dispatch
import DistLab
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// What the shell's side of process mode shares between its own thread and the event loop its
/// connections run on: the clock, the merged trace, and the answers that came back.
final class ShellSide: Sendable {
  let group: MultiThreadedEventLoopGroup
  let merger: TraceMerger
  /// Answers by call id: replies to the shell's calls and to its control messages.
  let answers = Locked<[UInt32: Answer]>([:])
  /// Signalled whenever something arrives that the shell may be waiting for.
  let wake = DispatchSemaphore(value: 0)
  let started = DispatchTime.now().uptimeNanoseconds
  /// The shell's Lamport clock (it sends as the client, address 0).
  let clock = Atomic<UInt64>(0)
  let nextControl = Atomic<UInt32>(ShellSide.firstControlID)

  struct Answer: Sendable {
    var from: NodeID
    var frame: Frame
    var at: Nanoseconds
  }

  init(traceLimit: Int) {
    group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    merger = TraceMerger(traceLimit: traceLimit)
  }

  var now: Nanoseconds { Nanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started)) }

  /// Moves the clock past a stamp and one more: a receive.
  func tick(past stamp: UInt64 = 0) -> UInt64 {
    var old = clock.load(ordering: .relaxed)
    while true {
      let new = max(old, stamp) + 1
      let (done, seen) = clock.compareExchange(expected: old, desired: new, ordering: .relaxed)
      if done { return new }
      old = seen
    }
  }

  func answered(_ a: Answer) {
    answers.withLock { $0[a.frame.callID] = a }
    wake.signal()
  }
}

/// The shell's connection to one node process: frames out, and in — answers, the node's trace
/// events, and what the node sent the shell. The shell is the node's client (address 0).
final class NodeLink: Sendable {
  let node: NodeID
  let channel: Channel
  let side: ShellSide

  private init(node: NodeID, channel: Channel, side: ShellSide) {
    self.node = node
    self.channel = channel
    self.side = side
  }

  /// Connects to the node at `host:port` and says the shell is the client; nil and why when
  /// nothing answers there.
  static func open(node: NodeID, host: String, port: Int, side: ShellSide) -> Result<NodeLink, Error> {
    let handler = LinkHandler(node: node, side: side)
    let bootstrap = ClientBootstrap(group: side.group)
      .connectTimeout(.seconds(2))
      .channelOption(.socketOption(.tcp_nodelay), value: 1)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
          try channel.pipeline.syncOperations.addHandler(handler)
        }
      }
    do {
      let channel = try bootstrap.connect(host: host, port: port).wait()
      let link = NodeLink(node: node, channel: channel, side: side)
      link.write(FrameCodec.encode(Frame(kind: .request, method: "ctl.hello", args: [.int(0)])))
      return .success(link)
    } catch {
      return .failure(error)
    }
  }

  var isOpen: Bool { channel.isActive }

  func write(_ bytes: [UInt8]) {
    channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
  }

  /// Writes after `delay` (the network model's latency on the shell's own messages).
  func write(_ bytes: [UInt8], after delay: Nanoseconds) {
    guard delay > .zero else { return write(bytes) }
    let channel = self.channel
    channel.eventLoop.scheduleTask(in: .nanoseconds(delay.value)) {
      channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
    }
  }

  func close() { channel.close(promise: nil) }
}

/// Reads what a node sends the shell, on the event loop.
final class LinkHandler: ChannelInboundHandler, Sendable {
  typealias InboundIn = [UInt8]
  let node: NodeID
  let side: ShellSide

  init(node: NodeID, side: ShellSide) {
    self.node = node
    self.side = side
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let unit = unwrapInboundIn(data)
    let stamp = Stamp.unwrap(unit)
    let bytes = stamp?.frame ?? unit
    guard let frame = try? FrameCodec.decode(bytes) else { return }
    let now = side.now
    switch (frame.kind, frame.method) {
    case (.message, "ctl.trace"):
      side.merger.merge(frame.args.compactMap(TraceWire.decode), from: node)
      side.wake.signal()
    case (.message, "ctl.relayed"):
      // The answer to a call a node made for the shell: from the node it called.
      guard frame.args.count == 2, let callee = frame.args[0].intValue, case .bytes(let reply) = frame.args[1],
        let answer = try? FrameCodec.decode(reply)
      else { return }
      side.answered(ShellSide.Answer(from: NodeID(Int(callee)), frame: answer, at: now))
    case (.reply, _), (.error, _):
      if let stamp {
        let clock = side.tick(past: stamp.clock)
        side.merger.shellReceived(from: node, seq: stamp.seq, at: now, clock: clock, bytes: bytes)
      }
      side.answered(ShellSide.Answer(from: node, frame: frame, at: now))
    default:
      let clock = side.tick(past: stamp?.clock ?? 0)
      side.merger.shellReceived(from: node, seq: stamp?.seq, at: now, clock: clock, bytes: bytes)
    }
  }

  func channelInactive(context: ChannelHandlerContext) {
    side.wake.signal()
    context.fireChannelInactive()
  }

  func errorCaught(context: ChannelHandlerContext, error: Error) {
    context.close(promise: nil)
  }
}

extension ShellSide {
  /// How long the shell looks for an answer before it sleeps.
  static let spinNanos: UInt64 = 100_000

  /// Control call ids, far above any the world gives its calls.
  static let firstControlID: UInt32 = 0xF000_0000

  /// Waits until `done` holds, something arrives, or the deadline (monotonic ns) passes; true
  /// when `done` held.
  func wait(until deadline: UInt64, cancel: () -> Bool = { false }, _ done: () -> Bool) -> Bool {
    // A node usually answers within tens of microseconds: look without sleeping first, as
    // live mode's shell does, then sleep on the semaphore in slices.
    let spinUntil = min(deadline, DispatchTime.now().uptimeNanoseconds + Self.spinNanos)
    while DispatchTime.now().uptimeNanoseconds < spinUntil {
      if done() { return true }
      sched_yield()
    }
    while true {
      if done() { return true }
      let now = DispatchTime.now().uptimeNanoseconds
      if now >= deadline || cancel() { return done() }
      _ = wake.wait(timeout: .now() + .nanoseconds(Int(min(deadline - now, 5_000_000))))
    }
  }

  /// Takes the answer to call `id`, if it came.
  func take(_ id: UInt32) -> Answer? { answers.withLock { $0.removeValue(forKey: id) } }

  /// Sends control messages to several nodes at once and waits for every answer (nil where a
  /// node did not answer within `timeout`).
  func control(_ requests: [(NodeLink, String, [Value])], timeout: Nanoseconds = .seconds(2)) -> [Frame?] {
    var ids: [UInt32] = []
    for (link, method, args) in requests {
      let id = nextControl.wrappingAdd(1, ordering: .relaxed).oldValue
      ids.append(id)
      link.write(FrameCodec.encode(Frame(kind: .request, callID: id, method: method, args: args)))
    }
    var got = [Frame?](repeating: nil, count: ids.count)
    let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout.value)
    _ = wait(until: deadline) {
      for (i, id) in ids.enumerated() where got[i] == nil { got[i] = take(id)?.frame }
      return got.allSatisfy { $0 != nil } || requests.allSatisfy { !$0.0.isOpen }
    }
    return got
  }

  func control(_ link: NodeLink, _ method: String, _ args: [Value] = [], timeout: Nanoseconds = .seconds(2)) -> Frame? {
    control([(link, method, args)], timeout: timeout)[0]
  }

  /// The node's clock against the shell's, from the fastest of three readings.
  func measureOffset(_ link: NodeLink) -> TraceMerger.Offset? {
    var best: TraceMerger.Offset?
    for _ in 0..<3 {
      let t0 = now
      guard let f = control(link, "ctl.clock"), let c = f.args.first?.intValue else { continue }
      let t1 = now
      let half = Nanoseconds((t1 - t0).value / 2)
      let o = TraceMerger.Offset(offset: Nanoseconds(c) - (t0 + half), error: half)
      if best == nil || o.error < best!.error { best = o }
    }
    return best
  }
}
