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

  /// The frame's bytes. Measured first, then written through a pointer into an array of
  /// exactly that size, uninitialised until written: appending byte by byte checked capacity
  /// and uniqueness on every byte, and zeroing first from a shared block of zeros made every
  /// thread that encodes count references to that one block.
  public static func encode(_ frame: Frame) -> [UInt8] {
    // A name longer than its one-byte length allows is cut, between characters, to 255 bytes.
    let long = frame.method.utf8.count > 255 ? Array(truncatedUTF8(frame.method, limit: 255)) : nil
    let nameLength = long?.count ?? frame.method.utf8.count
    var size = 11 + nameLength + (frame.args.count < 255 ? 1 : 5)
    for arg in frame.args { size += encodedSize(arg, depth: 0) }
    return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
      var w = FrameWriter(buffer.baseAddress!)  // safe: `size` is at least 12
      w.uint32(UInt32(size - 4))
      w.byte(frame.kind.rawValue)
      w.byte(frame.flags)
      w.uint32(frame.callID)
      w.byte(UInt8(nameLength))
      if let long { w.bytes(long) } else { w.text(frame.method) }
      if frame.args.count < 255 {
        w.byte(UInt8(frame.args.count))
      } else {
        w.byte(255)
        w.uint32(UInt32(frame.args.count))
      }
      for arg in frame.args { w.value(arg, depth: 0) }
      assert(w.next == buffer.baseAddress! + size, "encodedSize and FrameWriter disagree")
      count = size
    }
  }

  /// How many bytes `FrameWriter.value` writes for `value`.
  static func encodedSize(_ value: Value, depth: Int) -> Int {
    switch value {
    case .null: return 1
    case .bool: return 2
    case .int, .double: return 9
    case .string(let s): return 5 + s.utf8.count
    case .bytes(let b): return 5 + b.count
    case .list(let items):
      let n = depth < maxDepth ? items.count : 0
      var size = 1 + (n < 0xFFFF ? 2 : 6)
      for item in items.prefix(n) { size += encodedSize(item, depth: depth + 1) }
      return size
    case .map(let entries):
      let n = depth < maxDepth ? entries.count : 0
      var size = 1 + (n < 0xFFFF ? 2 : 6)
      for e in entries.prefix(n) {
        size += encodedSize(e.key, depth: depth + 1) + encodedSize(e.value, depth: depth + 1)
      }
      return size
    }
  }

  /// At most `limit` bytes of `s`, cut only between characters' scalars so the rest stays UTF-8.
  static func truncatedUTF8(_ s: String, limit: Int) -> ArraySlice<UInt8> {
    let bytes = Array(s.utf8)
    if bytes.count <= limit { return bytes[...] }
    var end = limit
    while end > 0 && bytes[end] & 0xC0 == 0x80 { end -= 1 }
    return bytes[..<end]
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
