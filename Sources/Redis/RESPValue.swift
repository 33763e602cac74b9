/// One value of Redis's protocol (RESP2): what a command is sent as and what Redis answers.
public indirect enum RESPValue: Equatable, Sendable, CustomStringConvertible {
  /// `+OK`
  case simple(String)
  /// `-ERR …`: Redis refused the command; the text is Redis's.
  case error(String)
  /// `:42`
  case integer(Int64)
  /// `$5 hello`; nil is Redis's null (`$-1`), a key that is not there.
  case bulk([UInt8]?)
  /// `*2 …`; nil is the null array (`*-1`), a BRPOP that timed out or an EXEC that was aborted.
  case array([RESPValue]?)

  /// A bulk string of text.
  public static func text(_ s: String) -> RESPValue { .bulk(Array(s.utf8)) }

  /// The value as text: a simple or bulk string (UTF-8), an integer's digits; nil otherwise.
  public var string: String? {
    switch self {
    case .simple(let s): s
    case .bulk(let b?): String(decoding: b, as: UTF8.self)
    case .integer(let i): String(i)
    default: nil
    }
  }

  public var int: Int64? {
    switch self {
    case .integer(let i): i
    case .bulk(let b?): Int64(String(decoding: b, as: UTF8.self))
    default: nil
    }
  }

  public var array: [RESPValue]? {
    if case .array(let a?) = self { return a }
    return nil
  }

  public var isNull: Bool {
    switch self {
    case .bulk(nil), .array(nil): true
    default: false
    }
  }

  public var description: String {
    switch self {
    case .simple(let s): s
    case .error(let e): "(error) \(e)"
    case .integer(let i): "(integer) \(i)"
    case .bulk(let b?): "\"\(String(decoding: b, as: UTF8.self))\""
    case .bulk(nil), .array(nil): "(nil)"
    case .array(let a?): "[" + a.map(\.description).joined(separator: ", ") + "]"
    }
  }
}
