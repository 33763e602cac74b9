/// What a node process puts before every frame it sends another node: the sender's count of
/// messages sent (so the receiver's trace can name the send it matches) and its Lamport clock
/// (so the merged trace orders them by happens-before). The unit keeps the codec's 4-byte
/// length prefix, so the stream is framed as before; a marker byte where a frame's kind would
/// be tells a stamped unit from a bare frame (the shell's, a hand-written client's).
enum Stamp {
  static let marker: UInt8 = 0xFE
  /// Length, marker, count, clock.
  static let headerSize = 4 + 1 + 8 + 8

  static func wrap(_ frame: [UInt8], seq: UInt64, clock: UInt64) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(headerSize + frame.count)
    let length = UInt32(1 + 16 + frame.count)
    for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: length >> UInt32(shift))) }
    out.append(marker)
    for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: seq >> UInt64(shift))) }
    for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: clock >> UInt64(shift))) }
    out += frame
    return out
  }

  /// The count, the clock and the frame inside a stamped unit; nil when `unit` is a bare frame
  /// or too short to be stamped.
  static func unwrap(_ unit: [UInt8]) -> (seq: UInt64, clock: UInt64, frame: [UInt8])? {
    guard unit.count >= headerSize + 4, unit[4] == marker else { return nil }
    var seq: UInt64 = 0
    var clock: UInt64 = 0
    for i in 5..<13 { seq = seq << 8 | UInt64(unit[i]) }
    for i in 13..<21 { clock = clock << 8 | UInt64(unit[i]) }
    return (seq, clock, Array(unit[headerSize...]))
  }
}
