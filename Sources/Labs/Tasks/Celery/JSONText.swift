import DistLab

/// JSON as Celery and kombu write it (Python's `json.dumps`: `", "` and `": "` between items)
/// and read back into the project's `Value`: objects keep their keys' order, whole numbers stay
/// integers, and a string may hold any Unicode (escaped `\uXXXX`, surrogate pairs included).
public enum JSONText {
  public struct Problem: Error, Equatable, Sendable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public var description: String { "JSON at byte \(offset): \(reason)" }
  }

  public static func encode(_ v: Value) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(256)
    write(v, to: &out)
    return String(decoding: out, as: UTF8.self)
  }

  static func append(_ s: String, to out: inout [UInt8]) { out.append(contentsOf: s.utf8) }

  static func write(_ v: Value, to out: inout [UInt8]) {
    switch v {
    case .null: append("null", to: &out)
    case .bool(let b): append(b ? "true" : "false", to: &out)
    case .int(let i): append(String(i), to: &out)
    case .double(let d):
      append(d.isFinite && d == d.rounded() && abs(d) < 1e16 ? String(Int64(d)) + ".0" : "\(d)", to: &out)
    case .string(let s): quote(s, to: &out)
    case .bytes(let b): quote(String(decoding: b, as: UTF8.self), to: &out)
    case .list(let l):
      out.append(UInt8(ascii: "["))
      for (i, x) in l.enumerated() {
        if i > 0 { out += [UInt8(ascii: ","), UInt8(ascii: " ")] }
        write(x, to: &out)
      }
      out.append(UInt8(ascii: "]"))
    case .map(let entries):
      out.append(UInt8(ascii: "{"))
      for (i, e) in entries.enumerated() {
        if i > 0 { out += [UInt8(ascii: ","), UInt8(ascii: " ")] }
        quote(e.key.stringValue ?? e.key.description, to: &out)
        out += [UInt8(ascii: ":"), UInt8(ascii: " ")]
        write(e.value, to: &out)
      }
      out.append(UInt8(ascii: "}"))
    }
  }

  static let hexDigits = Array("0123456789abcdef".utf8)

  /// As Python's `json.dumps` with `ensure_ascii`: everything past ASCII as `\uXXXX`.
  static func quote(_ s: String, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    // The common case, all printable ASCII without quotes or backslashes, copied as it is.
    let plain = s.utf8.allSatisfy { b in b >= 0x20 && b < 0x7F && b != 0x22 && b != 0x5C }
    if plain {
      out.append(contentsOf: s.utf8)
    } else {
      for u in s.utf16 {
        switch u {
        case 0x22: out += [0x5C, 0x22]
        case 0x5C: out += [0x5C, 0x5C]
        case 0x0A: out += [0x5C, UInt8(ascii: "n")]
        case 0x0D: out += [0x5C, UInt8(ascii: "r")]
        case 0x09: out += [0x5C, UInt8(ascii: "t")]
        case 0x08: out += [0x5C, UInt8(ascii: "b")]
        case 0x0C: out += [0x5C, UInt8(ascii: "f")]
        case 0x20..<0x7F: out.append(UInt8(u))
        default:
          out += [
            0x5C, UInt8(ascii: "u"), hexDigits[Int(u >> 12)], hexDigits[Int(u >> 8 & 0xF)],
            hexDigits[Int(u >> 4 & 0xF)],
            hexDigits[Int(u & 0xF)],
          ]
        }
      }
    }
    out.append(UInt8(ascii: "\""))
  }

  public static func decode(_ text: String) throws(Problem) -> Value { try decode(bytes: Array(text.utf8)) }

  /// JSON in UTF-8 bytes, as it comes off a Redis list.
  public static func decode(bytes: [UInt8]) throws(Problem) -> Value {
    var p = Parser(bytes: bytes)
    p.space()
    let v = try p.value(depth: 0)
    p.space()
    guard p.at == p.bytes.count else { throw Problem(offset: p.at, reason: "more after the value") }
    return v
  }

  struct Parser {
    let bytes: [UInt8]
    var at = 0

    mutating func space() {
      while at < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[at]) { at += 1 }
    }

    func fail(_ reason: String) -> Problem { Problem(offset: at, reason: reason) }

    mutating func literal(_ word: String, _ v: Value) throws(Problem) -> Value {
      let w = Array(word.utf8)
      guard at + w.count <= bytes.count, Array(bytes[at..<at + w.count]) == w else { throw fail("not a value") }
      at += w.count
      return v
    }

    mutating func value(depth: Int) throws(Problem) -> Value {
      guard depth < 64 else { throw fail("nested more than 64 deep") }
      guard at < bytes.count else { throw fail("the text ends where a value belongs") }
      switch bytes[at] {
      case UInt8(ascii: "n"): return try literal("null", .null)
      case UInt8(ascii: "t"): return try literal("true", .bool(true))
      case UInt8(ascii: "f"): return try literal("false", .bool(false))
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "["):
        at += 1
        var items: [Value] = []
        space()
        if at < bytes.count, bytes[at] == UInt8(ascii: "]") {
          at += 1
          return .list(items)
        }
        while true {
          space()
          items.append(try value(depth: depth + 1))
          space()
          guard at < bytes.count else { throw fail("an array is not closed") }
          if bytes[at] == UInt8(ascii: "]") {
            at += 1
            return .list(items)
          }
          guard bytes[at] == UInt8(ascii: ",") else { throw fail("',' or ']' expected") }
          at += 1
        }
      case UInt8(ascii: "{"):
        at += 1
        var entries: [MapEntry] = []
        space()
        if at < bytes.count, bytes[at] == UInt8(ascii: "}") {
          at += 1
          return .map(entries)
        }
        while true {
          space()
          guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw fail("a key in quotes expected") }
          let key = try string()
          space()
          guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw fail("':' expected") }
          at += 1
          space()
          entries.append(MapEntry(.string(key), try value(depth: depth + 1)))
          space()
          guard at < bytes.count else { throw fail("an object is not closed") }
          if bytes[at] == UInt8(ascii: "}") {
            at += 1
            return .map(entries)
          }
          guard bytes[at] == UInt8(ascii: ",") else { throw fail("',' or '}' expected") }
          at += 1
        }
      default: return try number()
      }
    }

    mutating func number() throws(Problem) -> Value {
      let start = at
      var whole = true
      while at < bytes.count {
        let c = bytes[at]
        if (0x30...0x39).contains(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") {
          at += 1
        } else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
          whole = false
          at += 1
        } else {
          break
        }
      }
      let text = String(decoding: bytes[start..<at], as: UTF8.self)
      if whole, let i = Int64(text) { return .int(i) }
      guard !text.isEmpty, let d = Double(text) else {
        at = start
        throw fail("not a value")
      }
      return .double(d)
    }

    mutating func hex4() throws(Problem) -> UInt16 {
      guard at + 4 <= bytes.count, let u = UInt16(String(decoding: bytes[at..<at + 4], as: UTF8.self), radix: 16)
      else { throw fail("\\u needs four hex digits") }
      at += 4
      return u
    }

    mutating func string() throws(Problem) -> String {
      at += 1
      // The common case: no escape before the closing quote, read as it is.
      var end = at
      while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 {
        end += 1
      }
      if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
        defer { at = end + 1 }
        return String(decoding: bytes[at..<end], as: UTF8.self)
      }
      var units: [UInt16] = []
      var run: [UInt8] = []
      func flush() {
        units += String(decoding: run, as: UTF8.self).utf16
        run.removeAll(keepingCapacity: true)
      }
      while at < bytes.count {
        let c = bytes[at]
        if c == UInt8(ascii: "\"") {
          at += 1
          flush()
          return String(decoding: units, as: UTF16.self)
        }
        if c == UInt8(ascii: "\\") {
          flush()
          at += 1
          guard at < bytes.count else { break }
          let e = bytes[at]
          at += 1
          switch e {
          case UInt8(ascii: "\""): units.append(0x22)
          case UInt8(ascii: "\\"): units.append(0x5C)
          case UInt8(ascii: "/"): units.append(0x2F)
          case UInt8(ascii: "n"): units.append(0x0A)
          case UInt8(ascii: "r"): units.append(0x0D)
          case UInt8(ascii: "t"): units.append(0x09)
          case UInt8(ascii: "b"): units.append(0x08)
          case UInt8(ascii: "f"): units.append(0x0C)
          case UInt8(ascii: "u"): units.append(try hex4())
          default: throw fail("an unknown escape")
          }
          continue
        }
        guard c >= 0x20 else { throw fail("a control character inside a string") }
        run.append(c)
        at += 1
      }
      throw fail("a string is not closed")
    }
  }
}
