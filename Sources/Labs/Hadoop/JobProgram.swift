import DistLab
import Foundation

/// The code a MapReduce job runs: a job of sizes (map output a share of the input, for files
/// put by size), or one of the programs Hadoop's examples jar ships — word count, grep and
/// sort — over real text. Map output is kept as key → count, which is what the combiner of word
/// count and grep makes of it, and for sort the same records told more briefly.
public enum JobProgram: Sendable, Equatable {
  case sized(ratio: Double)
  /// `wordcount`: words split on whitespace as Java's StringTokenizer does; a combiner sums.
  case wordcount
  /// `grep REGEX`: every match of the pattern, counted, the most frequent first.
  case grep(String)
  /// `sort`: the lines in byte order, each part sorted (the default HashPartitioner; a total
  /// order needs TeraSort's TotalOrderPartitioner).
  case sort

  public var name: String {
    switch self {
    case .sized: "sized"
    case .wordcount: "wordcount"
    case .grep: "grep"
    case .sort: "sort"
    }
  }

  /// Whether the job reads its input's bytes, not just its size.
  public var readsText: Bool { if case .sized = self { false } else { true } }

  /// Whether map output is combined on the map side before the shuffle.
  public var combines: Bool {
    switch self {
    case .wordcount, .grep: true
    case .sized, .sort: false
    }
  }

  var value: Value {
    switch self {
    case .sized(let r): .list([.string(name), .double(r)])
    case .grep(let p): .list([.string(name), .string(p)])
    case .wordcount, .sort: .list([.string(name)])
    }
  }

  init?(_ v: Value) {
    guard let l = v.listValue, let n = l.first?.stringValue else { return nil }
    switch (n, l.count) {
    case ("sized", 2):
      guard case .double(let r) = l[1] else { return nil }
      self = .sized(ratio: r)
    case ("wordcount", 1): self = .wordcount
    case ("sort", 1): self = .sort
    case ("grep", 2):
      guard let p = l[1].stringValue else { return nil }
      self = .grep(p)
    default: return nil
    }
  }

  /// A grep pattern Foundation can compile, or nil.
  public static func regex(_ pattern: String) -> NSRegularExpression? { try? NSRegularExpression(pattern: pattern) }

  /// What one map made of its lines: key → count after the combiner, and Hadoop's counters.
  public struct MapOutput: Sendable, Equatable {
    public var counts: [String: Int64] = [:]
    public var inputRecords: Int64 = 0
    /// Records the map emitted, before any combining.
    public var outputRecords: Int64 = 0
  }

  public func map(_ lines: [ArraySlice<UInt8>]) -> MapOutput {
    var out = MapOutput()
    out.inputRecords = Int64(lines.count)
    switch self {
    case .sized: break
    case .wordcount:
      for line in lines {
        var start: Int?
        for i in line.indices {
          if Self.isDelimiter(line[i]) {
            if let s = start { out.counts[String(decoding: line[s..<i], as: UTF8.self), default: 0] += 1 }
            start = nil
          } else if start == nil {
            start = i
          }
        }
        if let s = start { out.counts[String(decoding: line[s..<line.endIndex], as: UTF8.self), default: 0] += 1 }
      }
    case .grep(let pattern):
      guard let re = Self.regex(pattern) else { break }
      for line in lines {
        let text = String(decoding: line, as: UTF8.self)
        let ns = text as NSString
        for m in re.matches(in: text, range: NSRange(location: 0, length: ns.length)) where m.range.length > 0 {
          out.counts[ns.substring(with: m.range), default: 0] += 1
        }
      }
    case .sort:
      for line in lines { out.counts[String(decoding: line, as: UTF8.self), default: 0] += 1 }
    }
    out.outputRecords = out.counts.values.reduce(0, +)
    return out
  }

  /// Java's StringTokenizer's default delimiters: space, tab, newline, carriage return, form feed.
  static func isDelimiter(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == 10 || b == 13 || b == 12 }

  /// Hadoop's HashPartitioner over a Text key: `(hashBytes(key) & Integer.MAX_VALUE) % R`, with
  /// WritableComparator.hashBytes (31 × hash + each byte, signed, from 1), so a word goes to the
  /// same reducer here as in Hadoop.
  public static func partition(_ key: String, reducers: Int) -> Int {
    var h: Int32 = 1
    for b in key.utf8 { h = h &* 31 &+ Int32(Int8(bitPattern: b)) }
    return Int(h & Int32.max) % max(1, reducers)
  }

  /// Splits a map's output into each reducer's share, each sorted by key bytes.
  public static func partitions(_ counts: [String: Int64], reducers: Int) -> [[(String, Int64)]] {
    var parts = Array(repeating: [(String, Int64)](), count: max(1, reducers))
    for (k, v) in counts { parts[partition(k, reducers: reducers)].append((k, v)) }
    return parts.map { $0.sorted { Self.before($0.0, $1.0) } }
  }

  /// Text's order: byte by byte.
  static func before(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

  /// The bytes a share of map output takes on the wire: each record as `key TAB count NEWLINE`.
  public static func bytes(_ part: [(String, Int64)]) -> Int64 {
    part.reduce(Int64(0)) { $0 + Int64($1.0.utf8.count + String($1.1).utf8.count + 2) }
  }

  /// What a reducer writes from the merged counts of its share: its part file's text and how
  /// many records (lines) it holds.
  public func reduce(_ merged: [String: Int64]) -> (text: [UInt8], records: Int64) {
    var out = ""
    var records: Int64 = 0
    switch self {
    case .sized: return ([], 0)
    case .wordcount:
      for k in merged.keys.sorted(by: Self.before) {
        out += "\(k)\t\(merged[k]!)\n"
        records += 1
      }
    case .grep:
      let keys = merged.keys.sorted { a, b in merged[a]! != merged[b]! ? merged[a]! > merged[b]! : Self.before(a, b) }
      for k in keys {
        out += "\(merged[k]!)\t\(k)\n"
        records += 1
      }
    case .sort:
      for k in merged.keys.sorted(by: Self.before) {
        for _ in 0..<merged[k]! { out += k + "\n" }
        records += merged[k]!
      }
    }
    return (Array(out.utf8), records)
  }
}
