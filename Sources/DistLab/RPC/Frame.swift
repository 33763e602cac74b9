/// What a frame is for: a one-way message, a call, its answer, or its failure.
public enum FrameKind: UInt8, Sendable, CustomStringConvertible {
  case message = 1
  case request = 2
  case reply = 3
  case error = 4

  public var description: String {
    switch self {
    case .message: "message"
    case .request: "request"
    case .reply: "reply"
    case .error: "error"
    }
  }
}

/// One unit on the wire: every message the runtime carries is a frame encoded by `FrameCodec`.
public struct Frame: Hashable, Sendable {
  public var kind: FrameKind
  /// Bit 0: the caller asks the server to execute this call at most once; bit 1: no reply.
  public var flags: UInt8
  public var callID: UInt32
  /// The method called, or the reply's method echoed back, or `msg` for plain messages.
  public var method: String
  public var args: [Value]

  public static let atMostOnceFlag: UInt8 = 0x01
  /// Bit 1: the caller wants no reply (a one-way request, such as an acknowledgement).
  public static let noReplyFlag: UInt8 = 0x02

  public init(kind: FrameKind, flags: UInt8 = 0, callID: UInt32 = 0, method: String, args: [Value]) {
    self.kind = kind
    self.flags = flags
    self.callID = callID
    self.method = method
    self.args = args
  }

  public var wantsAtMostOnce: Bool { flags & Frame.atMostOnceFlag != 0 }
  public var wantsNoReply: Bool { flags & Frame.noReplyFlag != 0 }

  /// A plain one-way message carrying text.
  public static func message(_ text: String) -> Frame {
    Frame(kind: .message, method: "msg", args: [.string(text)])
  }
}
