/// Why bytes could not be read as a frame.
public struct FrameDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
  public var offset: Int
  public var reason: String
  public var description: String { "bad frame at byte \(offset): \(reason)" }
}

/// The binary codec: a frame is a 4-byte big-endian length, then kind, flags, call id,
/// method name (1-byte length + UTF-8), argument count, and each argument as a tag + payload.
/// Counts are short — one byte for arguments, two for a list's items or a map's entries — and
/// a count at the short field's largest value (255, 65,535) is followed by the real count in
/// four bytes, so nothing is ever cut short.
public enum FrameCodec {
  /// Largest frame accepted, so a corrupt length cannot make a reader allocate gigabytes.
  public static let maxFrameLength = 16 * 1024 * 1024
  static let maxDepth = 16

  public static func encode(_ frame: Frame) -> [UInt8] {
    var out: [UInt8] = []
    // Room for the header and a few scalar arguments, so a small frame is built in one buffer.
    out.reserveCapacity(16 + frame.method.utf8.count + 12 * frame.args.count)
    for _ in 0..<4 { out.append(0) }
    out.append(frame.kind.rawValue)
    out.append(frame.flags)
    appendUInt32(frame.callID, to: &out)
    let nameLength = frame.method.utf8.count
    if nameLength <= 255 {
      out.append(UInt8(nameLength))
      out.append(contentsOf: frame.method.utf8)
    } else {
      let name = FrameCodec.truncatedUTF8(frame.method, limit: 255)
      out.append(UInt8(name.count))
      out.append(contentsOf: name)
    }
    if frame.args.count < 255 {
      out.append(UInt8(frame.args.count))
    } else {
      out.append(255)
      appendUInt32(UInt32(frame.args.count), to: &out)
    }
    for arg in frame.args { encodeValue(arg, into: &out, depth: 0) }
    let length = UInt32(out.count - 4)
    out[0] = UInt8(length >> 24)
    out[1] = UInt8((length >> 16) & 0xff)
    out[2] = UInt8((length >> 8) & 0xff)
    out[3] = UInt8(length & 0xff)
    return out
  }

  /// At most `limit` bytes of `s`, cut only between characters' scalars so the rest stays UTF-8.
  static func truncatedUTF8(_ s: String, limit: Int) -> ArraySlice<UInt8> {
    let bytes = Array(s.utf8)
    if bytes.count <= limit { return bytes[...] }
    var end = limit
    while end > 0 && bytes[end] & 0xC0 == 0x80 { end -= 1 }
    return bytes[..<end]
  }

  @inline(__always)
  static func appendUInt32(_ v: UInt32, to out: inout [UInt8]) {
    out.append(UInt8(v >> 24))
    out.append(UInt8((v >> 16) & 0xff))
    out.append(UInt8((v >> 8) & 0xff))
    out.append(UInt8(v & 0xff))
  }

  @inline(__always)
  static func appendUInt64(_ v: UInt64, to out: inout [UInt8]) {
    var shift: UInt64 = 56
    while true {
      out.append(UInt8((v >> shift) & 0xff))
      if shift == 0 { break }
      shift -= 8
    }
  }

  /// A list's or map's count: two bytes, or 0xFFFF and then four.
  static func appendCount(_ n: Int, to out: inout [UInt8]) {
    if n < 0xFFFF {
      out.append(UInt8(n >> 8))
      out.append(UInt8(n & 0xff))
    } else {
      out.append(0xff)
      out.append(0xff)
      appendUInt32(UInt32(n), to: &out)
    }
  }

  static func encodeValue(_ value: Value, into out: inout [UInt8], depth: Int) {
    out.append(value.tag)
    switch value {
    case .null: break
    case .bool(let b): out.append(b ? 1 : 0)
    case .int(let i): appendUInt64(UInt64(bitPattern: i), to: &out)
    case .double(let d): appendUInt64(d.bitPattern, to: &out)
    case .string(let s):
      appendUInt32(UInt32(s.utf8.count), to: &out)
      out.append(contentsOf: s.utf8)
    case .bytes(let b):
      appendUInt32(UInt32(b.count), to: &out)
      out.append(contentsOf: b)
    case .list(let items):
      let n = depth < maxDepth ? items.count : 0
      appendCount(n, to: &out)
      for item in items.prefix(n) { encodeValue(item, into: &out, depth: depth + 1) }
    case .map(let entries):
      let n = depth < maxDepth ? entries.count : 0
      appendCount(n, to: &out)
      for e in entries.prefix(n) {
        encodeValue(e.key, into: &out, depth: depth + 1)
        encodeValue(e.value, into: &out, depth: depth + 1)
      }
    }
  }

  /// Decodes exactly one frame occupying all of `bytes`.
  public static func decode(_ bytes: [UInt8]) throws(FrameDecodingError) -> Frame {
    var reader = FrameReader(bytes: bytes, annotate: false)
    return try reader.readFrame()
  }

  /// Decodes a frame and explains every field: which bytes, what they mean.
  public static func annotate(_ bytes: [UInt8]) throws(FrameDecodingError) -> [FrameField] {
    var reader = FrameReader(bytes: bytes, annotate: true)
    _ = try reader.readFrame()
    return reader.fields
  }
}

/// One field of an encoded frame, for showing the wire format.
public struct FrameField: Hashable, Sendable {
  public var offset: Int
  public var bytes: [UInt8]
  public var name: String
  public var meaning: String
}

/// A cursor over frame bytes; records fields when annotating.
struct FrameReader {
  let bytes: [UInt8]
  let annotate: Bool
  var position = 0
  var fields: [FrameField] = []

  init(bytes: [UInt8], annotate: Bool) {
    self.bytes = bytes
    self.annotate = annotate
  }

  mutating func fail(_ reason: String) -> FrameDecodingError {
    FrameDecodingError(offset: position, reason: reason)
  }

  mutating func take(_ n: Int, _ what: String) throws(FrameDecodingError) -> ArraySlice<UInt8> {
    guard n >= 0, bytes.count - position >= n else {
      throw fail("\(what) needs \(n) bytes, \(bytes.count - position) left")
    }
    let slice = bytes[position..<position + n]
    position += n
    return slice
  }

  /// Records a field when annotating; `meaning` is only worked out then (decoding is a hot path).
  mutating func note(_ start: Int, _ name: @autoclosure () -> String, _ meaning: @autoclosure () -> String) {
    guard annotate else { return }
    fields.append(
      FrameField(offset: start, bytes: Array(bytes[start..<position]), name: name(), meaning: meaning()))
  }

  /// The next `n` bytes as a big-endian number, read in place (frames are decoded for every
  /// message a node handles, so no slice of the buffer is made).
  @inline(__always)
  mutating func uint(_ n: Int, _ what: String) throws(FrameDecodingError) -> UInt64 {
    guard bytes.count - position >= n else { throw fail("\(what) needs \(n) bytes, \(bytes.count - position) left") }
    var v: UInt64 = 0
    for i in position..<position + n { v = v << 8 | UInt64(bytes[i]) }
    position += n
    return v
  }

  /// The next byte.
  @inline(__always)
  mutating func byte(_ what: String) throws(FrameDecodingError) -> UInt8 {
    guard position < bytes.count else { throw fail("\(what) needs 1 bytes, 0 left") }
    position += 1
    return bytes[position - 1]
  }

  /// The next `n` bytes as text, or nil when they are not UTF-8.
  mutating func text(_ n: Int, _ what: String) throws(FrameDecodingError) -> String? {
    guard n >= 0, bytes.count - position >= n else {
      throw fail("\(what) needs \(n) bytes, \(bytes.count - position) left")
    }
    let start = position
    position += n
    return bytes.withUnsafeBufferPointer { Self.text(UnsafeBufferPointer(rebasing: $0[start..<start + n])) }
  }

  mutating func readFrame() throws(FrameDecodingError) -> Frame {
    let length = Int(try uint(4, "length"))
    note(0, "length", "\(length) bytes follow")
    guard length <= FrameCodec.maxFrameLength else { throw fail("length \(length) exceeds the limit") }
    guard length == bytes.count - 4 else {
      throw fail("length says \(length) bytes follow but \(bytes.count - 4) do")
    }
    var start = position
    let kindByte = try byte("kind")
    guard let kind = FrameKind(rawValue: kindByte) else { throw fail("unknown kind \(kindByte)") }
    note(start, "kind", kind.description)
    start = position
    let flags = try byte("flags")
    note(start, "flags", flags & Frame.atMostOnceFlag != 0 ? "at-most-once" : "none")
    start = position
    let callID = UInt32(try uint(4, "call id"))
    note(start, "call id", callID == 0 ? "none" : CallLabel.label(callID))
    start = position
    let nameLength = Int(try byte("method length"))
    guard let method = try text(nameLength, "method name") else {
      throw fail("method name is not UTF-8")
    }
    note(start, "method", "\(nameLength) bytes \"\(method)\"")
    start = position
    var argc = Int(try byte("argument count"))
    if argc == 255 { argc = Int(try uint(4, "long argument count")) }
    guard argc <= bytes.count - position else { throw fail("\(argc) arguments cannot fit in what is left") }
    note(start, "args", "\(argc) argument\(argc == 1 ? "" : "s")")
    var args: [Value] = []
    args.reserveCapacity(argc)
    for i in 0..<argc {
      start = position
      let v = try readValue(depth: 0)
      note(start, "arg \(i + 1)", v == .null ? "null" : "\(v.typeName) \(v)")
      args.append(v)
    }
    guard position == bytes.count else { throw fail("\(bytes.count - position) stray bytes after the frame") }
    return Frame(kind: kind, flags: flags, callID: callID, method: method, args: args)
  }

  /// Bytes as text, or nil when they are not UTF-8. ASCII — every method name, nearly every
  /// string — is taken as it is, without the general validation.
  static func text(_ buf: UnsafeBufferPointer<UInt8>) -> String? {
    for b in buf where b >= 0x80 { return String(validating: buf, as: UTF8.self) }
    return String(decoding: buf, as: UTF8.self)
  }

  /// A list's or map's count (two bytes, or 0xFFFF and four), no more than the bytes left could
  /// hold, since every item takes at least one.
  mutating func readCount(_ what: String) throws(FrameDecodingError) -> Int {
    var n = Int(try uint(2, "\(what) count"))
    if n == 0xFFFF { n = Int(try uint(4, "long \(what) count")) }
    guard n <= bytes.count - position else { throw fail("\(n) \(what) items cannot fit in what is left") }
    return n
  }

  mutating func readValue(depth: Int) throws(FrameDecodingError) -> Value {
    guard depth <= FrameCodec.maxDepth else { throw fail("values nested too deep") }
    let tag = try byte("value tag")
    switch tag {
    case 0x00: return .null
    case 0x01: return .int(Int64(bitPattern: try uint(8, "int")))
    case 0x02:
      let n = Int(try uint(4, "string length"))
      guard let text = try text(n, "string") else { throw fail("string is not UTF-8") }
      return .string(text)
    case 0x03:
      let b = try byte("bool")
      guard b <= 1 else { throw fail("bool byte \(b) is neither 0 nor 1") }
      return .bool(b == 1)
    case 0x04: return .double(Double(bitPattern: try uint(8, "double")))
    case 0x05:
      let n = Int(try uint(4, "bytes length"))
      return .bytes(Array(try take(n, "bytes")))
    case 0x06:
      let n = try readCount("list")
      var items: [Value] = []
      items.reserveCapacity(min(n, 1024))
      for _ in 0..<n { items.append(try readValue(depth: depth + 1)) }
      return .list(items)
    case 0x07:
      let n = try readCount("map")
      var entries: [MapEntry] = []
      entries.reserveCapacity(min(n, 1024))
      for _ in 0..<n {
        let key = try readValue(depth: depth + 1)
        entries.append(MapEntry(key, try readValue(depth: depth + 1)))
      }
      return .map(entries)
    default:
      position -= 1
      throw fail("unknown value tag 0x\(Hex.byte(tag))")
    }
  }
}
