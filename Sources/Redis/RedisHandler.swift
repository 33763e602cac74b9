import NIOCore

/// Cuts Redis's byte stream into whole replies.
struct RESPDecoder: ByteToMessageDecoder {
  typealias InboundOut = RESPValue

  mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
    guard buffer.readableBytes > 0, let bytes = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes)
    else { return .needMoreData }
    var at = 0
    // Every whole reply in what has come, from one copy of it.
    while let (value, next) = try RESPCodec.decode(bytes, at: at) {
      context.fireChannelRead(wrapInboundOut(value))
      at = next
    }
    buffer.moveReaderIndex(forwardBy: at)
    return .needMoreData
  }

  mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
    -> DecodingState
  {
    _ = try decode(context: context, buffer: &buffer)
    buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
    return .needMoreData
  }
}

/// Matches replies to the commands that asked for them, in order; in subscriber mode, hands
/// each published message to the subscriber. A protocol error or a closed connection fails
/// every command still waiting.
///
/// `@unchecked Sendable`: `waiting` and `subscriber` are touched only on the channel's event
/// loop (channel callbacks, and `setSubscriber`'s hop onto it).
final class RedisHandler: ChannelDuplexHandler, @unchecked Sendable {
  typealias InboundIn = RESPValue
  typealias OutboundIn = Outbound
  typealias OutboundOut = ByteBuffer

  /// Bytes for one or more commands, and the promise of each one's answer.
  struct Outbound {
    var bytes: [UInt8]
    var promises: [EventLoopPromise<RESPValue>]
    /// Or one promise for the answers of `count` commands, all of them (a pipeline read whole).
    var batch: (count: Int, promise: EventLoopPromise<[RESPValue]>)?

    init(bytes: [UInt8], batch: EventLoopPromise<[RESPValue]>, count: Int) {
      self.bytes = bytes
      promises = []
      self.batch = (count, batch)
    }

    init(bytes: [UInt8], promise: EventLoopPromise<RESPValue>) {
      self.bytes = bytes
      promises = [promise]
    }

    init(bytes: [UInt8], promises: [EventLoopPromise<RESPValue>]) {
      self.bytes = bytes
      self.promises = promises
    }
  }

  let address: String
  /// Who waits for the next answers, in order: one command, or a batch still collecting.
  enum Waiter {
    case one(EventLoopPromise<RESPValue>)
    case batch(remaining: Int, answers: [RESPValue], promise: EventLoopPromise<[RESPValue]>)

    func fail(_ e: Error) {
      switch self {
      case .one(let p): p.fail(e)
      case .batch(_, _, let p): p.fail(e)
      }
    }
  }

  private var waiting = CircularBuffer<Waiter>()
  private var subscriber: (@Sendable (String, [UInt8]) -> Void)?
  private var closed = false

  init(address: String) { self.address = address }

  func setSubscriber(_ f: @escaping @Sendable (String, [UInt8]) -> Void, on loop: EventLoop) {
    if loop.inEventLoop {
      subscriber = f
    } else {
      try? loop.submit { self.subscriber = f }.wait()
    }
  }

  func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
    let out = unwrapOutboundIn(data)
    if closed {
      for p in out.promises { p.fail(RedisError.connectionClosed(address)) }
      out.batch?.promise.fail(RedisError.connectionClosed(address))
      promise?.fail(RedisError.connectionClosed(address))
      return
    }
    for p in out.promises { waiting.append(.one(p)) }
    if let b = out.batch {
      if b.count == 0 {
        b.promise.succeed([])
      } else {
        waiting.append(.batch(remaining: b.count, answers: [], promise: b.promise))
      }
    }
    context.write(wrapOutboundOut(ByteBuffer(bytes: out.bytes)), promise: promise)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let value = unwrapInboundIn(data)
    if let subscriber, let a = value.array, a.count == 3, a[0].string == "message", let name = a[1].string,
      case .bulk(let payload?) = a[2]
    {
      return subscriber(name, payload)
    }
    guard !waiting.isEmpty else { return }
    switch waiting.removeFirst() {
    case .one(let p): p.succeed(value)
    case .batch(let remaining, var answers, let p):
      answers.append(value)
      if remaining == 1 {
        p.succeed(answers)
      } else {
        waiting.prepend(.batch(remaining: remaining - 1, answers: answers, promise: p))
      }
    }
  }

  func errorCaught(context: ChannelHandlerContext, error: Error) {
    let why = (error as? RESPCodec.ProtocolError).map { RedisError.protocolError("\($0)") }
    failAll(why ?? .connectionClosed(address))
    context.close(promise: nil)
  }

  func channelInactive(context: ChannelHandlerContext) {
    failAll(.connectionClosed(address))
    context.fireChannelInactive()
  }

  private func failAll(_ e: RedisError) {
    closed = true
    while !waiting.isEmpty { waiting.removeFirst().fail(e) }
  }
}
