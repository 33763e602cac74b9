/// Redis's protocol, RESP2, as bytes: a command goes out as an array of bulk strings; an answer
/// is read back whole or not at all, so a reader fed a stream in pieces waits for the rest.
public enum RESPCodec {
  /// A command (`SET k v`) as Redis reads it.
  public static func command(_ args: [[UInt8]]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(16 + args.reduce(0) { $0 + $1.count + 16 })
    header(UInt8(ascii: "*"), args.count, to: &out)
    for a in args {
      header(UInt8(ascii: "$"), a.count, to: &out)
      out += a
      out += [13, 10]
    }
    return out
  }

  /// `*3\r\n`, `$5\r\n`: a type byte, a count in decimal, CRLF.
  static func header(_ type: UInt8, _ n: Int, to out: inout [UInt8]) {
    out.append(type)
    var digits: [UInt8] = []
    var v = n
    repeat {
      digits.append(UInt8(48 + v % 10))
      v /= 10
    } while v > 0
    out += digits.reversed()
    out += [13, 10]
  }

  public static func command(_ args: [String]) -> [UInt8] { command(args.map { Array($0.utf8) }) }

  /// A value as Redis would send it (a test's fake server, a value written back).
  public static func encode(_ v: RESPValue) -> [UInt8] {
    switch v {
    case .simple(let s): Array("+\(s)\r\n".utf8)
    case .error(let e): Array("-\(e)\r\n".utf8)
    case .integer(let i): Array(":\(i)\r\n".utf8)
    case .bulk(nil): Array("$-1\r\n".utf8)
    case .bulk(let b?): Array("$\(b.count)\r\n".utf8) + b + [13, 10]
    case .array(nil): Array("*-1\r\n".utf8)
    case .array(let a?): Array("*\(a.count)\r\n".utf8) + a.flatMap(encode)
    }
  }

  /// Why bytes are not RESP: the connection cannot be trusted after it.
  public enum ProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    case badType(UInt8)
    case badLength(String)
    case tooLarge(Int)
    case tooDeep

    public var description: String {
      switch self {
      case .badType(let b):
        "the server sent byte \(b) where a Redis reply begins (+, -, :, $ or *): it does not speak Redis's protocol"
      case .badLength(let s): "the server sent '\(s)' where a Redis length belongs"
      case .tooLarge(let n): "the server announced a reply of \(n) bytes, past the 512 MB Redis allows"
      case .tooDeep: "the server nested replies more than 32 deep"
      }
    }
  }

  /// Redis's own limit on a bulk string.
  static let maxBulk = 512 << 20

  /// Reads one whole value from `bytes` starting at `at`: the value and where the next begins,
  /// nil when more bytes are needed, or a protocol error.
  public static func decode(_ bytes: [UInt8], at start: Int = 0) throws(ProtocolError) -> (RESPValue, Int)? {
    try decode(bytes, at: start, depth: 0)
  }

  static func decode(_ b: [UInt8], at start: Int, depth: Int) throws(ProtocolError) -> (RESPValue, Int)? {
    guard depth <= 32 else { throw .tooDeep }
    guard start < b.count else { return nil }
    guard let (line, next) = Self.line(b, from: start + 1) else { return nil }
    switch b[start] {
    case UInt8(ascii: "+"): return (.simple(line), next)
    case UInt8(ascii: "-"): return (.error(line), next)
    case UInt8(ascii: ":"):
      guard let i = Int64(line) else { throw .badLength(line) }
      return (.integer(i), next)
    case UInt8(ascii: "$"):
      guard let n = Int(line), n >= -1 else { throw .badLength(line) }
      if n == -1 { return (.bulk(nil), next) }
      guard n <= maxBulk else { throw .tooLarge(n) }
      guard next + n + 2 <= b.count else { return nil }
      return (.bulk(Array(b[next..<next + n])), next + n + 2)
    case UInt8(ascii: "*"):
      guard let n = Int(line), n >= -1, n <= 1 << 24 else { throw .badLength(line) }
      if n == -1 { return (.array(nil), next) }
      var items: [RESPValue] = []
      items.reserveCapacity(n)
      var at = next
      for _ in 0..<n {
        guard let (v, after) = try decode(b, at: at, depth: depth + 1) else { return nil }
        items.append(v)
        at = after
      }
      return (.array(items), at)
    default: throw .badType(b[start])
    }
  }

  /// The text up to the next CRLF from `from`, and where the line after begins; nil when the
  /// CRLF has not come yet.
  static func line(_ b: [UInt8], from: Int) -> (String, Int)? {
    var i = from
    while i + 1 < b.count {
      if b[i] == 13 && b[i + 1] == 10 { return (String(decoding: b[from..<i], as: UTF8.self), i + 2) }
      i += 1
    }
    return nil
  }
}
