import DistLab

/// Reads histories in Jepsen's two text forms, one event a line:
///
/// - EDN maps: `{:process 0, :type :invoke, :f :read, :value nil}` … `:ok`, `:fail`, `:info`;
/// - jepsen.util log lines: `INFO  jepsen.util - 3	:ok	:read	4` (process, type, function,
///   value, separated by tabs).
///
/// A `cas` value is `[old new]`; a `kv` operation names its key with `:key k`, or carries
/// `[k v]` as its value, as Jepsen's independent keys do (`:read`/`:write` on a key read as
/// `get`/`put`). Lines for the `:nemesis` process, blank lines and `;` comments are skipped.
public enum JepsenHistory {
  /// Why a line was refused: its number and what was wrong.
  public struct Problem: Error, Equatable, Sendable {
    public var line: Int
    public var message: String
  }

  public static func parse(_ text: String, model: LinearizabilityModel) throws(Problem) -> History {
    var builder = HistoryBuilder()
    for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = trimmed(raw)
      if line.isEmpty || line.hasPrefix(";") { continue }
      let fields: [String: EDN]
      do throws(EDN.Problem) {
        fields = line.hasPrefix("{") ? try EDN.map(line) : try logLine(line)
      } catch {
        throw Problem(line: n + 1, message: error.message)
      }
      if fields["process"] == .keyword("nemesis") { continue }
      guard case .int(let process)? = fields["process"] else {
        throw Problem(line: n + 1, message: "no :process number")
      }
      guard case .keyword(let typeName)? = fields["type"], let type = HistoryBuilder.EventType(rawValue: typeName)
      else { throw Problem(line: n + 1, message: ":type is :invoke, :ok, :fail or :info") }
      guard case .keyword(var f)? = fields["f"] else { throw Problem(line: n + 1, message: "no :f keyword") }
      var value = fields["value"] ?? .nil
      var key = fields["key"].map(\.text)
      if model == .kv, key == nil, case .vector(let pair) = value, pair.count == 2 {
        key = pair[0].text
        value = pair[1]
      }
      if model == .kv { f = ["read": "get", "write": "put"][f] ?? f }
      guard let function = HistoryOperation.Function(rawValue: f), model.accepts(function) else {
        throw Problem(line: n + 1, message: "the \(model.rawValue) model has no :\(f)")
      }
      if model == .kv && key == nil { throw Problem(line: n + 1, message: "a kv operation needs a key") }
      var expected = Value.null
      var v = value.value
      if function == .cas {
        guard case .vector(let pair) = value, pair.count == 2 else {
          if type == .invoke { throw Problem(line: n + 1, message: "a :cas value is [old new]") }
          continue
        }
        expected = pair[0].value
        v = pair[1].value
      }
      do {
        try builder.add(process: process, type: type, function: function, key: key, value: v, expected: expected)
      } catch {
        switch error {
        case .completionWithoutInvocation(_, let p):
          throw Problem(line: n + 1, message: "process \(p) completes an operation it never invoked")
        case .invocationWhileOpen(_, let p):
          throw Problem(line: n + 1, message: "process \(p) invokes again before its last operation completed")
        }
      }
    }
    return builder.build()
  }

  /// The text without spaces, tabs and carriage returns at either end.
  static func trimmed(_ text: Substring) -> String {
    var t = text
    while let c = t.first, c == " " || c == "\t" || c == "\r" { t.removeFirst() }
    while let c = t.last, c == " " || c == "\t" || c == "\r" { t.removeLast() }
    return String(t)
  }

  /// `INFO  jepsen.util - 3	:ok	:read	4`.
  static func logLine(_ line: String) throws(EDN.Problem) -> [String: EDN] {
    guard let dash = line.range(of: " - ") else { throw EDN.Problem(message: "neither an EDN map nor a log line") }
    let parts = line[dash.upperBound...].split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false)
      .map { trimmed($0) }
    guard parts.count >= 3 else { throw EDN.Problem(message: "a log line has process, type, function and value") }
    var fields: [String: EDN] = [:]
    fields["process"] = try EDN.value(parts[0])
    fields["type"] = try EDN.value(parts[1])
    fields["f"] = try EDN.value(parts[2])
    fields["value"] = parts.count > 3 ? try EDN.value(parts[3]) : .nil
    return fields
  }
}

/// The part of EDN a Jepsen history uses: maps with keyword keys, vectors, keywords, numbers,
/// strings, nil and booleans.
enum EDN: Hashable, Sendable {
  case `nil`
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case keyword(String)
  case vector([EDN])
  case map([String: EDN])

  struct Problem: Error {
    var message: String
  }

  var value: Value {
    switch self {
    case .nil: .null
    case .bool(let b): .bool(b)
    case .int(let i): .int(Int64(i))
    case .double(let d): .double(d)
    case .string(let s), .keyword(let s): .string(s)
    case .vector(let items): .list(items.map(\.value))
    case .map: .null
    }
  }

  /// A key as text: `x`, `3`.
  var text: String {
    switch self {
    case .string(let s), .keyword(let s): s
    case .int(let i): String(i)
    default: value.description
    }
  }

  static func map(_ text: String) throws(Problem) -> [String: EDN] {
    var reader = Reader(Array(text.unicodeScalars))
    guard case .map(let m) = try reader.read(depth: 0) else { throw Problem(message: "not an EDN map") }
    reader.skipSpace()
    guard reader.atEnd else { throw Problem(message: "text after the map") }
    return m
  }

  static func value(_ text: String) throws(Problem) -> EDN {
    var reader = Reader(Array(text.unicodeScalars))
    let v = try reader.read(depth: 0)
    reader.skipSpace()
    guard reader.atEnd else { throw Problem(message: "text after the value '\(text)'") }
    return v
  }

  struct Reader {
    let s: [Unicode.Scalar]
    var i = 0
    init(_ s: [Unicode.Scalar]) { self.s = s }

    var atEnd: Bool { i >= s.count }

    mutating func skipSpace() {
      while i < s.count, s[i] == " " || s[i] == "," || s[i] == "\t" { i += 1 }
    }

    mutating func read(depth: Int) throws(Problem) -> EDN {
      guard depth < 32 else { throw Problem(message: "nested too deep") }
      skipSpace()
      guard i < s.count else { throw Problem(message: "the line ends early") }
      switch s[i] {
      case "{":
        i += 1
        var m: [String: EDN] = [:]
        while true {
          skipSpace()
          guard i < s.count else { throw Problem(message: "a map is not closed") }
          if s[i] == "}" {
            i += 1
            return .map(m)
          }
          guard case .keyword(let k) = try read(depth: depth + 1) else {
            throw Problem(message: "a map key is a keyword")
          }
          m[k] = try read(depth: depth + 1)
        }
      case "[", "(":
        let close: Unicode.Scalar = s[i] == "[" ? "]" : ")"
        i += 1
        var items: [EDN] = []
        while true {
          skipSpace()
          guard i < s.count else { throw Problem(message: "a vector is not closed") }
          if s[i] == close {
            i += 1
            return .vector(items)
          }
          items.append(try read(depth: depth + 1))
        }
      case "\"":
        i += 1
        var out = String.UnicodeScalarView()
        while i < s.count, s[i] != "\"" {
          if s[i] == "\\", i + 1 < s.count { i += 1 }
          out.append(s[i])
          i += 1
        }
        guard i < s.count else { throw Problem(message: "a string is not closed") }
        i += 1
        return .string(String(out))
      default:
        var word = String.UnicodeScalarView()
        while i < s.count, !" ,\t{}[]()\"".unicodeScalars.contains(s[i]) {
          word.append(s[i])
          i += 1
        }
        let w = String(word)
        if w.hasPrefix(":") && w.count > 1 { return .keyword(String(w.dropFirst())) }
        if w == "nil" { return .nil }
        if w == "true" || w == "false" { return .bool(w == "true") }
        if let n = Int(w) { return .int(n) }
        if let d = Double(w), d.isFinite { return .double(d) }
        throw Problem(message: "'\(w)' is not a value")
      }
    }
  }
}
