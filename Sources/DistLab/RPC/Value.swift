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

  public var listValue: [Value]? {
    if case .list(let l) = self { return l }
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

/// Escapes for text shown to a user: control characters (C0, DEL, C1), line separators and
/// bidirectional overrides become `\n`, `\r`, `\t` or `\u{1b}`, so stray bytes cannot break a
/// line, reorder it or drive the terminal. With `quotes`, `"` and `\` are escaped too, giving
/// text the shell's lexer reads back inside quotes.
public enum TextEscape {
  /// Characters never shown as themselves: they move the cursor, change colours or reorder
  /// text on the screen.
  public static func isHostile(_ u: Unicode.Scalar) -> Bool {
    u.value < 0x20 || u.value == 0x7f || (0x80..<0xa0).contains(u.value) || u == "\u{2028}" || u == "\u{2029}"
      || (0x202a...0x202e).contains(u.value) || (0x2066...0x2069).contains(u.value)
  }

  /// Output for a terminal: every hostile character escaped except line breaks and tabs, and
  /// except, with `keepingColour`, the colour sequences (`ESC [ … m`) the shell's styles write.
  public static func terminal(_ s: String, keepingColour: Bool) -> String {
    guard s.unicodeScalars.contains(where: { isHostile($0) && $0 != "\n" && $0 != "\t" }) else { return s }
    let scalars = Array(s.unicodeScalars)
    var out = String.UnicodeScalarView()
    var i = 0
    while i < scalars.count {
      let u = scalars[i]
      if u == "\u{1B}", keepingColour, let end = colourEnd(scalars, from: i) {
        out.append(contentsOf: scalars[i...end])
        i = end + 1
        continue
      }
      if isHostile(u) && u != "\n" && u != "\t" {
        out.append(contentsOf: escaped(String(u), quotes: false).unicodeScalars)
      } else {
        out.append(u)
      }
      i += 1
    }
    return String(out)
  }

  /// The index of the `m` ending a colour sequence `ESC [ digits;… m` starting at `i`.
  private static func colourEnd(_ s: [Unicode.Scalar], from i: Int) -> Int? {
    guard i + 2 < s.count, s[i + 1] == "[" else { return nil }
    var j = i + 2
    while j < s.count, ("0"..."9").contains(s[j]) || s[j] == ";" { j += 1 }
    return j < s.count && s[j] == "m" ? j : nil
  }

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
        if isHostile(u) {
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
