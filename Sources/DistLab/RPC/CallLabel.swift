/// How call ids are shown. The shell's calls are numbered from 1 (`rpc#12`); calls a node's
/// program makes have the top bit set, with the caller's incarnation and its own count
/// (`rpc#1.7`: the seventh call of incarnation 1), so the two never share an id.
public enum CallLabel {
  /// The first id of the programs' range; the shell's ids stay below it.
  public static let firstProgramID: UInt32 = 0x8000_0000

  /// A program's id for its `count`th call (counting wraps past 8,388,607) in `incarnation`.
  public static func programID(incarnation: Int, count: UInt32) -> UInt32 {
    firstProgramID | UInt32(truncatingIfNeeded: incarnation & 0xFF) << 23 | (count & 0x7F_FFFF)
  }

  public static func label(_ id: UInt32) -> String {
    guard id >= firstProgramID else { return "rpc#\(id)" }
    return "rpc#\((id >> 23) & 0xFF).\(id & 0x7F_FFFF)"
  }
}
