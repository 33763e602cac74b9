import Dispatch
import DistLab
import NIOCore
import NIOPosix

/// Why a Redis command got no answer: said in a line.
public enum RedisError: Error, Equatable, Sendable, CustomStringConvertible {
  /// Nothing answers at the address, or the name does not resolve.
  case unreachable(String, why: String)
  /// The connection closed (Redis stopped, or the network failed) before the answer came.
  case connectionClosed(String)
  /// The answer did not come in time.
  case timeout(String, seconds: Double)
  /// The server's bytes are not Redis's protocol.
  case protocolError(String)

  public var description: String {
    switch self {
    case .unreachable(let a, let why): "Redis at \(a) is unreachable: \(why)"
    case .connectionClosed(let a): "the connection to Redis at \(a) closed before the answer came"
    case .timeout(let a, let s): "Redis at \(a) did not answer within \(s) s"
    case .protocolError(let why): why
    }
  }
}

/// A connection to a Redis server, on a SwiftNIO event loop: commands are written as soon as
/// they are asked for and answered in order (pipelining), each with a future; blocking callers
/// (the shell's thread) wait on that future with a timeout. A connection that has subscribed
/// (`subscribe`) receives the channels' messages through its handler and nothing else, as
/// Redis's protocol has it.
public final class RedisClient: Sendable {
  public let address: String
  let channel: Channel
  let handler: RedisHandler
  let group: MultiThreadedEventLoopGroup?

  init(address: String, channel: Channel, handler: RedisHandler, group: MultiThreadedEventLoopGroup?) {
    self.address = address
    self.channel = channel
    self.handler = handler
    self.group = group
  }

  /// `redis://HOST:PORT/DB` (the port 6379 and database 0 when left out), or nil.
  public static func parse(url: String) -> (host: String, port: Int, db: Int)? {
    guard url.hasPrefix("redis://") else { return nil }
    var rest = Substring(url.dropFirst(8))
    var db = 0
    if let slash = rest.firstIndex(of: "/") {
      guard let n = Int(rest[rest.index(after: slash)...]), n >= 0 else { return nil }
      db = n
      rest = rest[..<slash]
    }
    var host = rest
    var port = 6379
    if let colon = rest.lastIndex(of: ":") {
      guard let p = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(p) else { return nil }
      port = p
      host = rest[..<colon]
    }
    guard !host.isEmpty, !host.contains("@") else { return nil }
    return (String(host), port, db)
  }

  /// Connects (within `timeout`), selecting database `db` when it is not 0. On its own event
  /// loop unless given one (`group`).
  public static func connect(
    host: String, port: Int, db: Int = 0, timeout: Double = 2, on group: EventLoopGroup? = nil
  ) throws(RedisError) -> RedisClient {
    let own = group == nil ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : nil
    let loops: EventLoopGroup = group ?? own!  // safe: one of the two is set
    let address = "\(host):\(port)"
    let handler = RedisHandler(address: address)
    let bootstrap = Self.bootstrap(loops, timeout: timeout, handler: handler)
    let channel: Channel
    do {
      channel = try bootstrap.connect(host: host, port: port).wait()
    } catch {
      try? own?.syncShutdownGracefully()
      throw .unreachable(address, why: Self.reason(error))
    }
    let client = RedisClient(address: address, channel: channel, handler: handler, group: own)
    if db != 0 {
      let answer = try client.call(["SELECT", String(db)], timeout: timeout)
      if case .error(let e) = answer {
        client.close()
        throw .unreachable(address, why: "SELECT \(db): \(e)")
      }
    }
    return client
  }

  /// Connects without waiting, on `loop` (from the loop itself, say, to reconnect a consumer):
  /// the client, or `unreachable` with why.
  public static func connecting(host: String, port: Int, db: Int = 0, timeout: Double = 2, on loop: EventLoop)
    -> EventLoopFuture<RedisClient>
  {
    let address = "\(host):\(port)"
    let handler = RedisHandler(address: address)
    return Self.bootstrap(loop, timeout: timeout, handler: handler)
      .connect(host: host, port: port)
      .flatMapErrorThrowing { error in throw RedisError.unreachable(address, why: Self.reason(error)) }
      .flatMap { channel in
        let client = RedisClient(address: address, channel: channel, handler: handler, group: nil)
        guard db != 0 else { return loop.makeSucceededFuture(client) }
        return client.send(["SELECT", String(db)]).flatMapThrowing { answer in
          if case .error(let e) = answer {
            client.close(waiting: false)
            throw RedisError.unreachable(address, why: "SELECT \(db): \(e)")
          }
          return client
        }
      }
  }

  /// A connection's set-up: Nagle off, replies cut by the RESP decoder, answers matched by
  /// `handler`.
  static func bootstrap(_ group: EventLoopGroup, timeout: Double, handler: RedisHandler) -> ClientBootstrap {
    ClientBootstrap(group: group)
      .connectTimeout(.milliseconds(Int64(timeout * 1000)))
      .channelOption(.socketOption(.tcp_nodelay), value: 1)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPDecoder()))
          try channel.pipeline.syncOperations.addHandler(handler)
        }
      }
  }

  static func reason(_ error: Error) -> String {
    if let e = error as? NIOConnectionError, let first = e.connectionErrors.first { return reason(first.error) }
    if let e = error as? IOError {
      switch e.errnoCode {
      case ECONNREFUSED: return "connection refused"
      case EHOSTUNREACH, ENETUNREACH: return "no route to that host"
      default: return e.description
      }
    }
    if let e = error as? ChannelError, case .connectTimeout = e { return "no answer to the connection" }
    if error is SocketAddressError.UnknownHost { return "no such host" }
    return "\(error)"
  }

  /// Sends a command now; its answer (or a Redis error reply) completes the future.
  public func send(_ args: [[UInt8]]) -> EventLoopFuture<RESPValue> {
    let promise = channel.eventLoop.makePromise(of: RESPValue.self)
    write(RedisHandler.Outbound(bytes: RESPCodec.command(args), promise: promise))
    return promise.futureResult
  }

  /// Writes commands; a write that fails (the connection is gone) fails their answers at once,
  /// so nothing waits for what was never sent. (A promise completed twice keeps the first.)
  func write(_ out: RedisHandler.Outbound) {
    let written = channel.eventLoop.makePromise(of: Void.self)
    let address = self.address
    written.futureResult.whenFailure { _ in
      for p in out.promises { p.fail(RedisError.connectionClosed(address)) }
    }
    channel.writeAndFlush(out, promise: written)
  }

  public func send(_ args: [String]) -> EventLoopFuture<RESPValue> { send(args.map { Array($0.utf8) }) }

  /// Sends several commands at once, in one write: each answer's future, in order.
  public func send(all commands: [[[UInt8]]]) -> [EventLoopFuture<RESPValue>] {
    let promises = commands.map { _ in channel.eventLoop.makePromise(of: RESPValue.self) }
    var bytes: [UInt8] = []
    for c in commands { bytes += RESPCodec.command(c) }
    write(RedisHandler.Outbound(bytes: bytes, promises: promises))
    return promises.map(\.futureResult)
  }

  /// Sends several commands at once, in one write, with one future for all their answers.
  public func send(batch commands: [[[UInt8]]]) -> EventLoopFuture<[RESPValue]> {
    let promise = channel.eventLoop.makePromise(of: [RESPValue].self)
    var bytes: [UInt8] = []
    for c in commands { bytes += RESPCodec.command(c) }
    let out = RedisHandler.Outbound(bytes: bytes, batch: promise, count: commands.count)
    let written = channel.eventLoop.makePromise(of: Void.self)
    let address = self.address
    written.futureResult.whenFailure { _ in promise.fail(RedisError.connectionClosed(address)) }
    channel.writeAndFlush(out, promise: written)
    return promise.futureResult
  }

  /// The event loop this connection's answers complete on.
  public var eventLoop: EventLoop { channel.eventLoop }

  /// Sends several commands at once, in one write, and waits for every answer, in order.
  public func pipeline(_ commands: [[[UInt8]]], timeout: Double = 5) throws(RedisError) -> [RESPValue] {
    let promises = commands.map { _ in channel.eventLoop.makePromise(of: RESPValue.self) }
    var bytes: [UInt8] = []
    for c in commands { bytes += RESPCodec.command(c) }
    write(RedisHandler.Outbound(bytes: bytes, promises: promises))
    return try promises.map { p throws(RedisError) in try wait(p.futureResult, timeout: timeout) }
  }

  /// Sends a command and waits for its answer (the shell's thread; never the event loop's).
  public func call(_ args: [String], timeout: Double = 5) throws(RedisError) -> RESPValue {
    try wait(send(args), timeout: timeout)
  }

  public func call(bytes args: [[UInt8]], timeout: Double = 5) throws(RedisError) -> RESPValue {
    try wait(send(args), timeout: timeout)
  }

  func wait(_ f: EventLoopFuture<RESPValue>, timeout: Double) throws(RedisError) -> RESPValue {
    let done = Locked<Result<RESPValue, Error>?>(nil)
    let signal = DispatchSemaphore(value: 0)
    f.whenComplete { r in
      done.withLock { $0 = r }
      signal.signal()
    }
    guard signal.wait(timeout: .now() + .milliseconds(Int(timeout * 1000))) == .success,
      let result = done.withLock({ $0 })
    else { throw .timeout(address, seconds: timeout) }
    switch result {
    case .success(let v): return v
    case .failure(let e as RedisError): throw e
    case .failure: throw .connectionClosed(address)
    }
  }

  /// Puts this connection in subscriber mode on `channels`: each message published there is
  /// handed to `onMessage` (channel, payload) on the event loop. Waits for Redis's confirmation.
  public func subscribe(
    _ channels: [String], timeout: Double = 5, onMessage: @escaping @Sendable (String, [UInt8]) -> Void
  ) throws(RedisError) {
    handler.setSubscriber(onMessage, on: channel.eventLoop)
    for c in channels {
      let answer = try call(["SUBSCRIBE", c], timeout: timeout)
      guard answer.array?.first?.string == "subscribe" else {
        throw .protocolError("SUBSCRIBE \(c) was answered with \(answer)")
      }
    }
  }

  public var isOpen: Bool { channel.isActive }

  /// Closes the connection (and its own event loop); pending commands fail as closed. On the
  /// connection's event loop itself, `waiting: false` closes without waiting for it.
  public func close(waiting: Bool = true) {
    guard waiting else { return channel.close(promise: nil) }
    try? channel.close().wait()
    try? group?.syncShutdownGracefully()
  }
}
