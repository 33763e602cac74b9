import DistLab
import NIOCore
import NIOPosix
import Synchronization

/// One node as an OS process: a role's program on a single event loop, listening on a TCP
/// port for peers that speak the frame codec. Each connection is a peer with an address of its
/// own; a request's answer goes back on the connection it came in on. A peer that breaks the
/// framing (a length past the limit, a stream cut mid-frame) is reported in one line and
/// dropped; the node goes on serving the others.
///
/// `@unchecked Sendable`: `group` and `channel` are set before the server is shared and never
/// again; the rest (`program`, `context`, `nextPeer`, `received`) is touched only on the one
/// event loop, where every channel callback and timer runs.
public final class NodeServer: @unchecked Sendable {
  public let role: Role
  public let name: String
  let group: MultiThreadedEventLoopGroup
  let loop: EventLoop
  let context: ProcessContext
  var program: NodeProgram
  var channel: Channel?
  var nextPeer = 1
  var received = 0
  /// Paused: alive but silent, what reaches it waits (in order) until it is resumed.
  var paused = false
  var held: [Envelope] = []
  let stopped = Atomic<Bool>(false)
  /// Where a peer's misbehaviour is reported (one line each): standard error by default.
  public let report: @Sendable (String) -> Void

  /// The node `name` running `role`, not yet listening, with `disk` (a fresh one unless given)
  /// and its incarnation.
  public init(
    role: Role, name: String, disk: NodeDisk = NodeDisk(), incarnation: Int = 1,
    report: @escaping @Sendable (String) -> Void
  ) {
    self.role = role
    self.name = name
    self.report = report
    group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    loop = group.next()
    context = ProcessContext(me: NodeID(0), incarnation: incarnation, disk: disk, loop: loop)
    program = role.makeProgram()
  }

  /// Binds `host:port` (port 0 for any free one) and starts the program; answers the address
  /// bound, or why not (a port in use, an address not of this machine).
  public func listen(host: String, port: Int) throws -> (host: String, port: Int) {
    let startProgram: @Sendable () -> Void = { [self] in
      context.fire = { [self] token in program.timer(token: token, context: context) }
      if role.startsItself { program.start(context: context) }
    }
    try loop.submit(startProgram).wait()
    let bootstrap = ServerBootstrap(group: group)
      .serverChannelOption(.backlog, value: 256)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
      .childChannelInitializer { [self] channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
          try channel.pipeline.syncOperations.addHandler(PeerHandler(server: self))
        }
      }
    let ch = try bootstrap.bind(host: host, port: port).wait()
    channel = ch
    return (host, ch.localAddress?.port ?? port)
  }

  /// Blocks until the server is closed.
  public func wait() throws { try channel?.closeFuture.wait() }

  /// Asks the server to close: the listening socket and every peer's connection close on the
  /// loop, and `wait()` returns. Safe from any thread, any number of times.
  public func close() {
    loop.execute { [self] in
      for p in context.peers.values { p.close(promise: nil) }
      channel?.close(promise: nil)
    }
  }

  /// Closes (if not yet) and ends the event loop's thread: a clean exit. Call once, from the
  /// thread that waited.
  public func stop() {
    guard stopped.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
      return
    }
    if channel != nil { close() }
    try? channel?.closeFuture.wait()
    try? group.syncShutdownGracefully()
  }

  /// A new connection: a peer with the next address.
  func connected(_ channel: Channel) -> NodeID {
    let id = NodeID(nextPeer)
    nextPeer += 1
    context.peers[id] = channel
    return id
  }

  func disconnected(_ id: NodeID) { context.peers[id] = nil }

  func deliver(_ bytes: [UInt8], from peer: NodeID) {
    if Self.isControl(bytes), let frame = try? FrameCodec.decode(bytes) { return control(frame, from: peer) }
    received += 1
    let envelope = Envelope(id: received, from: peer, to: context.me, bytes: bytes, sentAt: context.now)
    if paused { return held.append(envelope) }
    program.receive(envelope, context: context)
  }

  /// Whether the frame is a request for a `ctl.` method, read off its header without decoding
  /// it (length 4, kind 1, flags 1, call id 4, then the method's length and bytes).
  static func isControl(_ b: [UInt8]) -> Bool {
    b.count >= 15 && b[4] == FrameKind.request.rawValue && b[10] >= 4 && b[11] == 0x63 && b[12] == 0x74
      && b[13] == 0x6c && b[14] == 0x2e
  }

  /// The shell's control messages, answered by the process, not the program: `ctl.status`
  /// ([name, role, incarnation, frames received, paused, [[metric, value], …]]), `ctl.pause`
  /// and `ctl.resume` (what arrived meanwhile is handed over then, in order).
  func control(_ f: Frame, from peer: NodeID) {
    var answer: Frame
    switch f.method {
    case "ctl.status":
      let metrics: [Value] = program.summary().metrics.map { .list([.string($0.0), .double($0.1)]) }
      answer = Frame(
        kind: .reply, callID: f.callID, method: f.method,
        args: [
          .string(name), .string(role.name), .int(Int64(context.incarnation)), .int(Int64(received)), .bool(paused),
          .list(metrics),
        ])
    case "ctl.pause":
      paused = true
      answer = Frame(kind: .reply, callID: f.callID, method: f.method, args: [])
    case "ctl.resume":
      paused = false
      let waiting = held
      held = []
      for e in waiting { program.receive(e, context: context) }
      answer = Frame(kind: .reply, callID: f.callID, method: f.method, args: [])
    default:
      answer = Frame(
        kind: .error, callID: f.callID, method: f.method, args: [.string("unknown control message \(f.method)")])
    }
    context.peers[peer]?.writeAndFlush(ByteBuffer(bytes: FrameCodec.encode(answer)), promise: nil)
  }

  /// How many frames have reached the program, and a summary of it, read on its loop.
  public func status() throws -> (received: Int, summary: NodeSummary) {
    try loop.submit { [self] in (received, program.summary()) }.wait()
  }
}

/// One peer's connection: frames in go to the program; a framing error is reported and ends
/// this connection only.
final class PeerHandler: ChannelInboundHandler {
  typealias InboundIn = [UInt8]

  let server: NodeServer
  var peer: NodeID?
  var remote = "?"

  init(server: NodeServer) { self.server = server }

  func channelActive(context: ChannelHandlerContext) {
    remote = context.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
    peer = server.connected(context.channel)
    context.fireChannelActive()
  }

  func channelInactive(context: ChannelHandlerContext) {
    if let peer { server.disconnected(peer) }
    context.fireChannelInactive()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard let peer else { return }
    server.deliver(unwrapInboundIn(data), from: peer)
  }

  func errorCaught(context: ChannelHandlerContext, error: Error) {
    let why = (error as? FramingError)?.description ?? "\(error)"
    server.report("\(server.name): peer \(remote): \(why)")
    context.close(promise: nil)
  }
}
