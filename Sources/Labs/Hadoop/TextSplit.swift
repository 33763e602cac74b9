/// Hadoop's LineRecordReader over one split: a split that does not start the file skips its
/// first line (the split before it reads that one), and every split reads on past its end,
/// into the next block, to finish its last line. So a line that crosses a block boundary is
/// read once, by the split it starts in, and a map reads a little of the next block remotely.
public enum TextSplit {
  /// The lines of a split: `block` is its bytes, `next` what follows it up to and including the
  /// first newline (from as many blocks as that takes; nil for the file's last block), `first`
  /// whether the split starts the file. A line is its bytes without the newline (and without a `\r` before it).
  public static func lines(_ block: [UInt8], next: [UInt8]?, first: Bool) -> [ArraySlice<UInt8>] {
    let text = next.map { block + $0 } ?? block
    var pos = 0
    if !first {
      guard let k = block.firstIndex(of: newline) else { return [] }
      pos = k + 1
    }
    var out: [ArraySlice<UInt8>] = []
    // A line starting exactly at the split's end is this split's too (Hadoop reads while
    // its position is at most the end); the next split skips it as its first line.
    while pos <= block.count, pos < text.count {
      let end = text[pos...].firstIndex(of: newline) ?? text.count
      var line = text[pos..<end]
      if line.last == carriageReturn { line = line.dropLast() }
      out.append(line)
      pos = end + 1
    }
    return out
  }

  /// The start of a block that a split before it reads: up to and including its first newline,
  /// or all of it when it has none (the line goes on into the block after).
  public static func firstLine(_ block: [UInt8]) -> [UInt8] {
    guard let k = block.firstIndex(of: newline) else { return block }
    return Array(block[...k])
  }

  static let newline: UInt8 = 10
  static let carriageReturn: UInt8 = 13
}
