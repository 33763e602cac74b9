/// Reads a frame's header fields straight from its bytes, without decoding the frame: how
/// the engines tell replies from everything else on every delivery at no cost.
enum FramePeek {
  /// The call id of a reply or error frame (bytes 4 = kind, 6…9 = call id, as `FrameCodec`
  /// lays them out); nil for any other frame. The frame may still fail to decode.
  @inline(__always)
  static func replyCallID(_ bytes: [UInt8]) -> UInt32? {
    guard bytes.count >= 10 else { return nil }
    let kind = bytes[4]
    guard kind == FrameKind.reply.rawValue || kind == FrameKind.error.rawValue else { return nil }
    return UInt32(bytes[6]) << 24 | UInt32(bytes[7]) << 16 | UInt32(bytes[8]) << 8 | UInt32(bytes[9])
  }
}
