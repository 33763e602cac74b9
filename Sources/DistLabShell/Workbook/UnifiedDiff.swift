/// A unified diff of two texts, line by line, with three lines of context.
public enum UnifiedDiff {
  public static func diff(_ a: [String], _ b: [String], fromName: String, toName: String, context: Int = 3) -> String {
    let ops = script(a, b)
    guard ops.contains(where: { $0.kind != .same }) else { return "" }
    var out = ["--- \(fromName)", "+++ \(toName)"]
    var i = 0
    while i < ops.count {
      guard let start = ops[i...].firstIndex(where: { $0.kind != .same }) else { break }
      var end = start
      var j = start
      while j < ops.count {
        if ops[j].kind != .same {
          end = j
          j += 1
          continue
        }
        let nextChange = ops[j...].firstIndex(where: { $0.kind != .same })
        if let n = nextChange, n - j <= 2 * context {
          j = n
        } else {
          break
        }
      }
      let lo = max(0, start - context)
      let hi = min(ops.count - 1, end + context)
      let hunk = ops[lo...hi]
      let aStart = hunk.first.map { $0.aIndex } ?? 0
      let bStart = hunk.first.map { $0.bIndex } ?? 0
      let aCount = hunk.filter { $0.kind != .insert }.count
      let bCount = hunk.filter { $0.kind != .delete }.count
      out.append("@@ -\(aStart + (aCount > 0 ? 1 : 0)),\(aCount) +\(bStart + (bCount > 0 ? 1 : 0)),\(bCount) @@")
      for op in hunk {
        switch op.kind {
        case .same: out.append(" " + op.text)
        case .delete: out.append("-" + op.text)
        case .insert: out.append("+" + op.text)
        }
      }
      i = hi + 1
    }
    return out.joined(separator: "\n")
  }

  struct Op {
    enum Kind { case same, delete, insert }
    var kind: Kind
    var text: String
    /// Position in `a` (for same/delete) or where the insertion happens.
    var aIndex: Int
    var bIndex: Int
  }

  /// The edit script by longest common subsequence (quadratic; transcripts are small).
  static func script(_ a: [String], _ b: [String]) -> [Op] {
    let n = a.count
    let m = b.count
    if n * m > 25_000_000 {
      return a.enumerated().map { Op(kind: .delete, text: $1, aIndex: $0, bIndex: 0) }
        + b.enumerated().map { Op(kind: .insert, text: $1, aIndex: n, bIndex: $0) }
    }
    var lcs = Array(repeating: Array(repeating: 0, count: m + 1), count: n + 1)
    for i in stride(from: n - 1, through: 0, by: -1) {
      for j in stride(from: m - 1, through: 0, by: -1) {
        lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
      }
    }
    var ops: [Op] = []
    var i = 0
    var j = 0
    while i < n || j < m {
      if i < n && j < m && a[i] == b[j] {
        ops.append(Op(kind: .same, text: a[i], aIndex: i, bIndex: j))
        i += 1
        j += 1
      } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
        ops.append(Op(kind: .delete, text: a[i], aIndex: i, bIndex: j))
        i += 1
      } else {
        ops.append(Op(kind: .insert, text: b[j], aIndex: i, bIndex: j))
        j += 1
      }
    }
    return ops
  }
}
