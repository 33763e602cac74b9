/// Writes a frame in one pass into a buffer of exactly its size (see `FrameCodec.encode`):
/// the size is worked out first, so a frame costs one allocation and no growth. Every message
/// a node sends is encoded here.
struct FrameWriter {
  private let base: UnsafeMutablePointer<UInt8>
  private(set) var count = 0

  init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
    base = buffer.baseAddress!  // safe: `FrameCodec.encode` never asks for an empty buffer
  }

  /// The method name as it is sent: whole, or cut to 255 bytes between characters.
  static func methodName(_ method: String) -> ArraySlice<UInt8>? {
    method.utf8.count <= 255 ? nil : FrameCodec.truncatedUTF8(method, limit: 255)
  }

  /// How many bytes `frame` takes, its 4-byte length included.
  static func size(_ frame: Frame, name: ArraySlice<UInt8>?) -> Int {
    var n = 4 + 1 + 1 + 4 + 1 + (name?.count ?? frame.method.utf8.count) + (frame.args.count < 255 ? 1 : 5)
    for i in frame.args.indices { n += size(frame.args[i], depth: 0) }
    return n
  }

  static func countSize(_ n: Int) -> Int { n < 0xFFFF ? 2 : 6 }

  /// How many bytes `value` takes at `depth` (past the codec's depth a list or map goes empty).
  static func size(_ value: Value, depth: Int) -> Int {
    switch value {
    case .null: return 1
    case .bool: return 2
    case .int, .double: return 9
    case .string(let s): return 5 + s.utf8.count
    case .bytes(let b): return 5 + b.count
    case .list(let items):
      let n = depth < FrameCodec.maxDepth ? items.count : 0
      var total = 1 + countSize(n)
      for i in 0..<n { total += size(items[i], depth: depth + 1) }
      return total
    case .map(let entries):
      let n = depth < FrameCodec.maxDepth ? entries.count : 0
      var total = 1 + countSize(n)
      for i in 0..<n { total += size(entries[i].key, depth: depth + 1) + size(entries[i].value, depth: depth + 1) }
      return total
    }
  }

  @inline(__always)
  mutating func byte(_ b: UInt8) {
    base[count] = b
    count += 1
  }

  @inline(__always)
  mutating func uint32(_ v: UInt32) {
    byte(UInt8(v >> 24))
    byte(UInt8((v >> 16) & 0xff))
    byte(UInt8((v >> 8) & 0xff))
    byte(UInt8(v & 0xff))
  }

  @inline(__always)
  mutating func uint64(_ v: UInt64) {
    uint32(UInt32(v >> 32))
    uint32(UInt32(v & 0xffff_ffff))
  }

  /// A list's or map's count: two bytes, or 0xFFFF and then four.
  mutating func itemCount(_ n: Int) {
    if n < 0xFFFF {
      byte(UInt8(n >> 8))
      byte(UInt8(n & 0xff))
    } else {
      byte(0xff)
      byte(0xff)
      uint32(UInt32(n))
    }
  }

  mutating func bytes(_ buf: UnsafeBufferPointer<UInt8>) {
    guard let source = buf.baseAddress, !buf.isEmpty else { return }
    (base + count).update(from: source, count: buf.count)
    count += buf.count
  }

  mutating func text(_ s: String) {
    var s = s
    s.withUTF8 { bytes($0) }
  }

  mutating func frame(_ frame: Frame, name: ArraySlice<UInt8>?) {
    count = 4
    byte(frame.kind.rawValue)
    byte(frame.flags)
    uint32(frame.callID)
    if let name {
      byte(UInt8(name.count))
      name.withUnsafeBufferPointer { bytes($0) }
    } else {
      byte(UInt8(frame.method.utf8.count))
      text(frame.method)
    }
    if frame.args.count < 255 {
      byte(UInt8(frame.args.count))
    } else {
      byte(255)
      uint32(UInt32(frame.args.count))
    }
    for i in frame.args.indices { value(frame.args[i], depth: 0) }
    let length = UInt32(count - 4)
    base[0] = UInt8(length >> 24)
    base[1] = UInt8((length >> 16) & 0xff)
    base[2] = UInt8((length >> 8) & 0xff)
    base[3] = UInt8(length & 0xff)
  }

  mutating func value(_ value: Value, depth: Int) {
    byte(value.tag)
    switch value {
    case .null: break
    case .bool(let b): byte(b ? 1 : 0)
    case .int(let i): uint64(UInt64(bitPattern: i))
    case .double(let d): uint64(d.bitPattern)
    case .string(let s):
      uint32(UInt32(s.utf8.count))
      text(s)
    case .bytes(let b):
      uint32(UInt32(b.count))
      b.withUnsafeBufferPointer { bytes($0) }
    case .list(let items):
      let n = depth < FrameCodec.maxDepth ? items.count : 0
      itemCount(n)
      for i in 0..<n { self.value(items[i], depth: depth + 1) }
    case .map(let entries):
      let n = depth < FrameCodec.maxDepth ? entries.count : 0
      itemCount(n)
      for i in 0..<n {
        self.value(entries[i].key, depth: depth + 1)
        self.value(entries[i].value, depth: depth + 1)
      }
    }
  }
}
