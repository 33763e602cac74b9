import DistLab
import NIOCore

/// Why a peer's bytes could not be framed: the stream is closed, since nothing after a bad
/// length can be trusted to start a frame.
public enum FramingError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The 4-byte length asked for more than a frame may hold.
  case tooLarge(length: Int)
  /// The peer closed the stream with part of a frame sent.
  case cutShort(have: Int, need: Int)

  public var description: String {
    switch self {
    case .tooLarge(let n): "a frame of \(n) bytes (the limit is \(FrameCodec.maxFrameLength)): connection closed"
    case .cutShort(let have, let need): "disconnected in the middle of a frame (\(have) of \(need) bytes)"
    }
  }
}

/// Cuts a TCP stream into frames by the codec's 4-byte big-endian length prefix: each frame is
/// passed on whole, prefix included, as `FrameCodec.decode` reads it.
struct FrameDecoder: ByteToMessageDecoder {
  typealias InboundOut = [UInt8]

  mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
    guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
    guard Int(length) <= FrameCodec.maxFrameLength else { throw FramingError.tooLarge(length: Int(length)) }
    guard buffer.readableBytes >= 4 + Int(length), let bytes = buffer.readBytes(length: 4 + Int(length)) else {
      return .needMoreData
    }
    context.fireChannelRead(wrapInboundOut(bytes))
    return .continue
  }

  mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
    -> DecodingState
  {
    while try decode(context: context, buffer: &buffer) == .continue {}
    if buffer.readableBytes > 0 {
      let need = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self).map { Int($0) + 4 } ?? 4
      let have = buffer.readableBytes
      buffer.moveReaderIndex(forwardBy: have)
      throw FramingError.cutShort(have: have, need: need)
    }
    return .needMoreData
  }
}
