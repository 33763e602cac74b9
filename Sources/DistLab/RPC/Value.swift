/// A typed value carried in a frame: what RPC arguments, results and key/value data are made of.
public enum Value: Hashable, Sendable, CustomStringConvertible {
  case null
  case bool(Bool)
  case int(Int64)
  case double(Double)
  case string(String)
  case bytes([UInt8])
  case list([Value])
  /// Keys and values in order (the order they were written in is the order they travel in).
  case map([MapEntry])

  /// The one-byte tag that precedes the value on the wire.
  public var tag: UInt8 {
    switch self {
    case .null: 0x00
    case .int: 0x01
    case .string: 0x02
    case .bool: 0x03
    case .double: 0x04
    case .bytes: 0x05
    case .list: 0x06
    case .map: 0x07
    }
  }

  /// The type's name as the shell and `expect` spell it.
  public var typeName: String {
    switch self {
    case .null: "null"
    case .bool: "bool"
    case .int: "int"
    case .double: "double"
    case .string: "string"
    case .bytes: "bytes"
    case .list: "list"
    case .map: "map"
    }
  }

  /// The value written as the shell would accept it back.
  public var description: String {
    switch self {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .int(let i): return String(i)
    case .double(let d): return Value.format(d)
    case .string(let s): return Value.quoteIfNeeded(s)
    case .bytes(let b): return "0x" + b.map { Hex.byte($0) }.joined()
    case .list(let l): return "[" + l.map(\.description).joined(separator: ", ") + "]"
    case .map(let m): return "{" + m.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
    }
  }

  public var intValue: Int64? {
    if case .int(let i) = self { return i }
    return nil
  }

  public var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  static func format(_ d: Double) -> String {
    if d.isFinite && d == d.rounded() && abs(d) < 1e15 { return String(Int64(d)) + ".0" }
    return String(d)
  }

  public static func quoteIfNeeded(_ s: String) -> String {
    let plain =
      !s.isEmpty
      && s.unicodeScalars.allSatisfy {
        ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-./:@".unicodeScalars.contains($0))
      }
      && !["null", "true", "false"].contains(s) && Int64(s) == nil && Double(s) == nil
    if plain { return s }
    return "\"" + TextEscape.escaped(s, quotes: true) + "\""
  }
}

/// One key and its value in a `Value.map`.
public struct MapEntry: Hashable, Sendable {
  public var key: Value
  public var value: Value
  public init(_ key: Value, _ value: Value) {
    self.key = key
    self.value = value
  }
}

extension Value {
  /// A map from text keys, in the order given.
  public static func map(_ pairs: KeyValuePairs<String, Value>) -> Value {
    .map(pairs.map { MapEntry(.string($0.key), $0.value) })
  }

  /// The value under `key` in a map, if this is one and it has it.
  public subscript(key: String) -> Value? {
    guard case .map(let entries) = self else { return nil }
    return entries.first { $0.key == .string(key) }?.value
  }
}

/// Escapes for text shown to a user: control characters become `\n`, `\r`, `\t` or
/// `\u{1b}`, so stray bytes cannot break a line or drive the terminal. With `quotes`, `"` and
/// `\` are escaped too, giving text the shell's lexer reads back inside quotes.
public enum TextEscape {
  public static func escaped(_ s: String, quotes: Bool) -> String {
    var out = ""
    for u in s.unicodeScalars {
      switch u {
      case "\"" where quotes: out += "\\\""
      case "\\" where quotes: out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if u.value < 0x20 || u.value == 0x7f || (0x80..<0xa0).contains(u.value) || u == "\u{2028}" || u == "\u{2029}" {
          out += "\\u{" + String(u.value, radix: 16) + "}"
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    return out
  }
}

/// Hex spelling shared by the codec's annotations and value printing.
public enum Hex {
  private static let digits = Array("0123456789abcdef")

  /// Two lowercase hex digits for one byte.
  public static func byte(_ b: UInt8) -> String {
    String([digits[Int(b >> 4)], digits[Int(b & 0x0f)]])
  }

  /// Bytes as space-separated hex pairs.
  public static func spaced<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    bytes.map(byte).joined(separator: " ")
  }
}
