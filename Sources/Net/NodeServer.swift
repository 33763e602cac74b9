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
  /// The running program; nil while the node is down (`ctl.kill`) and its process lives on.
  var program: NodeProgram?
  /// Calls a node made for the shell (`ctl.relay`), by the node called: the shell's connection
  /// and the call ids whose answers go back to it.
  var relayed: [NodeID: (to: NodeID, calls: Set<UInt32>)] = [:]
  var channel: Channel?
  /// Addresses of connections not yet known as nodes (a hand-written client): far above any node's.
  static let firstUnknownPeer = 1_000_000
  var nextPeer = NodeServer.firstUnknownPeer
  /// Where the other nodes listen, as the shell told (`ctl.peers`).
  var addresses: [NodeID: (host: String, port: Int)] = [:]
  /// Frames for a node whose connection is being opened, sent once it is.
  var connecting: [NodeID: [[UInt8]]] = [:]
  var received = 0
  /// Paused: alive but silent, what reaches it waits (in order) until it is resumed.
  var paused = false
  var held: [(Envelope, seq: UInt64?, clock: UInt64?)] = []
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
      context.fire = { [self] token in program?.timer(token: token, context: context) }
      context.route = { [self] to, bytes in open(to, bytes) }
      if role.startsItself { program?.start(context: context) }
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

  func disconnected(_ id: NodeID, _ channel: Channel) {
    if context.peers[id] === channel { context.peers[id] = nil }
  }

  /// A peer says which node it is (`ctl.hello ID`, the first frame a node sends on a connection
  /// it opened): its connection is that node's from now on.
  func identified(_ channel: Channel, as id: NodeID, was old: NodeID) {
    if context.peers[old] === channel { context.peers[old] = nil }
    context.peers[id] = channel
  }

  /// Opens a connection to node `to` at the address the shell gave, saying hello first; `bytes`
  /// and whatever else is sent meanwhile leave once it is open. False when the address is unknown.
  func open(_ to: NodeID, _ bytes: [UInt8]) -> Bool {
    if connecting[to] != nil {
      connecting[to]!.append(bytes)
      return true
    }
    guard let address = addresses[to] else { return false }
    connecting[to] = [bytes]
    let me = context.me
    ClientBootstrap(group: loop)
      .channelOption(.socketOption(.tcp_nodelay), value: 1)
      .channelInitializer { [self] channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
          try channel.pipeline.syncOperations.addHandler(PeerHandler(server: self, known: to))
        }
      }
      .connect(host: address.host, port: address.port)
      .whenComplete { [self] result in
        let waiting = connecting.removeValue(forKey: to) ?? []
        guard case .success(let channel) = result else {
          // Refused: nothing listens there, so the node is down (or gone) as far as anyone can tell.
          report("\(name): cannot reach node \(to.number) at \(address.host):\(address.port)")
          for unit in waiting {
            let stamp = Stamp.unwrap(unit)
            context.record(.drop, peer: to, seq: stamp?.seq, bytes: stamp?.frame ?? unit, detail: .dropped(.nodeDown))
          }
          context.flush()
          return
        }
        let hello = Frame(kind: .request, method: "ctl.hello", args: [.int(Int64(me.number))])
        channel.write(ByteBuffer(bytes: FrameCodec.encode(hello)), promise: nil)
        for b in waiting { channel.write(ByteBuffer(bytes: b), promise: nil) }
        channel.flush()
        context.peers[to] = channel
      }
    return true
  }

  /// A unit from a peer: a control message is the server's; anything else (unstamped from a
  /// plain client, or stamped by a node or the shell) reaches the program, or waits while the
  /// node is paused, or is dropped while it is down (`ctl.kill`).
  func deliver(_ unit: [UInt8], from peer: NodeID) {
    if Self.isControl(unit), let frame = try? FrameCodec.decode(unit) { return control(frame, from: peer) }
    let stamp = Stamp.unwrap(unit)
    let bytes = stamp?.frame ?? unit
    if let shell = relayed[peer], let f = try? FrameCodec.decode(bytes), f.kind == .reply || f.kind == .error,
      shell.calls.contains(f.callID)
    {
      // The answer to a call this node made for the shell (`ctl.relay`): the shell's, not the program's.
      relayed[peer]?.calls.remove(f.callID)
      context.received(from: peer, seq: stamp?.seq, clock: stamp?.clock, bytes: bytes)
      let back = Frame(kind: .message, method: "ctl.relayed", args: [.int(Int64(peer.number)), .bytes(bytes)])
      context.peers[shell.to]?.write(ByteBuffer(bytes: FrameCodec.encode(back)), promise: nil)
      return
    }
    guard program != nil else {
      context.record(.drop, peer: peer, seq: stamp?.seq, bytes: bytes, detail: .dropped(.nodeDown), atReceiver: true)
      return
    }
    received += 1
    let envelope = Envelope(id: received, from: peer, to: context.me, bytes: bytes, sentAt: context.now)
    if paused { return held.append((envelope, stamp?.seq, stamp?.clock)) }
    context.received(from: peer, seq: stamp?.seq, clock: stamp?.clock, bytes: bytes)
    program?.receive(envelope, context: context)
  }

  /// Whether the frame is a request for a `ctl.` method, read off its header without decoding
  /// it (length 4, kind 1, flags 1, call id 4, then the method's length and bytes).
  static func isControl(_ b: [UInt8]) -> Bool {
    b.count >= 15 && b[4] == FrameKind.request.rawValue && b[10] >= 4 && b[11] == 0x63 && b[12] == 0x74
      && b[13] == 0x6c && b[14] == 0x2e
  }

  /// How many frames have reached the program, and a summary of it, read on its loop.
  public func status() throws -> (received: Int, summary: NodeSummary) {
    try loop.submit { [self] in (received, program?.summary() ?? NodeSummary()) }.wait()
  }
}

/// One peer's connection: frames in go to the program; a framing error is reported and ends
/// this connection only.
final class PeerHandler: ChannelInboundHandler {
  typealias InboundIn = [UInt8]

  let server: NodeServer
  var peer: NodeID?
  /// For a connection this node opened: the node at the other end.
  let known: NodeID?
  var remote = "?"

  init(server: NodeServer, known: NodeID? = nil) {
    self.server = server
    self.known = known
  }

  func channelActive(context: ChannelHandlerContext) {
    remote = context.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
    if let known {
      // Registered as that node's connection once its hello and first frames are written.
      peer = known
    } else {
      peer = server.connected(context.channel)
    }
    context.fireChannelActive()
  }

  func channelInactive(context: ChannelHandlerContext) {
    if let peer { server.disconnected(peer, context.channel) }
    context.fireChannelInactive()
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    server.context.flush()
    context.fireChannelReadComplete()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard let current = peer else { return }
    let bytes = unwrapInboundIn(data)
    // A hello renames this connection's peer before anything else it sends is delivered.
    if NodeServer.isControl(bytes), let f = try? FrameCodec.decode(bytes), f.method == "ctl.hello",
      let id = f.args.first?.intValue
    {
      server.identified(context.channel, as: NodeID(Int(id)), was: current)
      peer = NodeID(Int(id))
      return
    }
    server.deliver(bytes, from: current)
  }

  func errorCaught(context: ChannelHandlerContext, error: Error) {
    let why = (error as? FramingError)?.description ?? "\(error)"
    server.report("\(server.name): peer \(remote): \(why)")
    context.close(promise: nil)
  }
}
