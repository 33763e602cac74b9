/// "Did you mean …": the closest known word by edit distance, when close enough.
public enum Suggest {
  public static func closest(to word: String, in candidates: [String]) -> String? {
    let w = Array(word.lowercased())
    var best: (String, Int)?
    for c in candidates where !numberedAlike(word, c) {
      let d = distance(w, Array(c.lowercased()))
      if best == nil || d < best!.1 { best = (c, d) }  // safe: checked for nil first
    }
    guard let (c, d) = best else { return nil }
    let limit = max(1, min(3, w.count / 3 + 1))
    if d <= limit { return c }
    if c.hasPrefix(word.lowercased()) && word.count >= 2 { return c }
    return nil
  }

  /// Whether two words are the same name with different numbers (`n9` and `n1`): a number is
  /// not a typo, so such a pair is never suggested.
  static func numberedAlike(_ a: String, _ b: String) -> Bool {
    func split(_ s: String) -> (Substring, Substring) {
      let digits = s.reversed().prefix { $0.isNumber }.count
      return (s.dropLast(digits), s.suffix(digits))
    }
    let (pa, na) = split(a.lowercased())
    let (pb, nb) = split(b.lowercased())
    return !na.isEmpty && !nb.isEmpty && pa == pb && na != nb
  }

  /// " (did you mean 'x'?)" or "".
  public static func hint(for word: String, in candidates: [String]) -> String {
    closest(to: word, in: candidates).map { " (did you mean '\($0)'?)" } ?? ""
  }

  static func distance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev = Array(0...b.count)
    var cur = prev
    for i in 1...a.count {
      cur[0] = i
      for j in 1...b.count {
        cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      swap(&prev, &cur)
    }
    return prev[b.count]
  }
}
