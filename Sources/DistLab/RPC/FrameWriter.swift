/// Writes a frame's fields through a pointer into memory the encoder sized exactly
/// (`FrameCodec.encodedSize`), without an array's checks on every byte.
struct FrameWriter {
  private var p: UnsafeMutablePointer<UInt8>

  init(_ start: UnsafeMutablePointer<UInt8>) { p = start }

  /// Where the next byte goes.
  var next: UnsafeMutablePointer<UInt8> { p }

  @inline(__always)
  mutating func byte(_ b: UInt8) {
    p.pointee = b
    p += 1
  }

  @inline(__always)
  mutating func uint32(_ v: UInt32) {
    UnsafeMutableRawPointer(p).storeBytes(of: v.bigEndian, as: UInt32.self)
    p += 4
  }

  @inline(__always)
  mutating func uint64(_ v: UInt64) {
    UnsafeMutableRawPointer(p).storeBytes(of: v.bigEndian, as: UInt64.self)
    p += 8
  }

  mutating func bytes(_ b: [UInt8]) {
    b.withUnsafeBufferPointer { src in
      guard let base = src.baseAddress else { return }
      p.update(from: base, count: src.count)
      p += src.count
    }
  }

  /// A string's UTF-8 bytes, no length.
  mutating func text(_ s: String) {
    let copied = s.utf8.withContiguousStorageIfAvailable { src -> Bool in
      if let base = src.baseAddress {
        p.update(from: base, count: src.count)
        p += src.count
      }
      return true
    }
    if copied == nil {
      for b in s.utf8 { byte(b) }
    }
  }

  /// A list's or map's count: two bytes, or 0xFFFF and then four.
  @inline(__always)
  mutating func count(_ n: Int) {
    if n < 0xFFFF {
      byte(UInt8(n >> 8))
      byte(UInt8(n & 0xff))
    } else {
      byte(0xff)
      byte(0xff)
      uint32(UInt32(n))
    }
  }

  mutating func value(_ v: Value, depth: Int) {
    byte(v.tag)
    switch v {
    case .null: break
    case .bool(let b): byte(b ? 1 : 0)
    case .int(let i): uint64(UInt64(bitPattern: i))
    case .double(let d): uint64(d.bitPattern)
    case .string(let s):
      uint32(UInt32(s.utf8.count))
      text(s)
    case .bytes(let b):
      uint32(UInt32(b.count))
      bytes(b)
    case .list(let items):
      let n = depth < FrameCodec.maxDepth ? items.count : 0
      count(n)
      for item in items.prefix(n) { value(item, depth: depth + 1) }
    case .map(let entries):
      let n = depth < FrameCodec.maxDepth ? entries.count : 0
      count(n)
      for e in entries.prefix(n) {
        value(e.key, depth: depth + 1)
        value(e.value, depth: depth + 1)
      }
    }
  }
}
