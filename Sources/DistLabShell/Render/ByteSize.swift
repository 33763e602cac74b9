import Foundation

/// Bytes in binary units with up to two decimals, as Hadoop's `byteDesc` writes them: `512 B`,
/// `128 MB`, `1.5 GB`, `5.29 GB`.
enum ByteSize {
  static func text(_ n: Int64) -> String {
    let units: [(Int64, String)] = [(1 << 40, "TB"), (1 << 30, "GB"), (1 << 20, "MB"), (1 << 10, "KB")]
    for (scale, unit) in units where n >= scale {
      var s = String(format: "%.2f", Double(n) / Double(scale))
      while s.hasSuffix("0") { s.removeLast() }
      if s.hasSuffix(".") { s.removeLast() }
      return "\(s) \(unit)"
    }
    return "\(n) B"
  }
}
