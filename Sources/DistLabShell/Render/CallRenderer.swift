import DistLab

/// Calls and their bytes: `n2.add(10, 20) = 30`, and with --verbose the frames in hex.
struct CallRenderer {
  let style: Style
  let names: (NodeID) -> String

  func render(_ c: CallOutcome, verbose: Bool, declared: MethodSpec? = nil) -> String {
    var lines: [String] = []
    if verbose {
      lines += frame("request", c.request, from: c.from, to: c.to, declared: declared)
      if let reply = c.reply { lines += frame("reply", reply, from: c.to, to: c.from) }
    }
    lines.append(summary(c, declared: declared))
    return lines.joined(separator: "\n")
  }

  /// `n2.add(10, 20)`; an argument the method declares as a duration reads as one
  /// (`n2.sleep(2s)`).
  func signature(_ c: CallOutcome, declared: MethodSpec? = nil) -> String {
    let args = c.args.enumerated().map { i, v -> String in
      guard let spec = declared, !spec.arguments.isEmpty, case .int(let ns) = v, ns >= 0 else { return v.description }
      return spec.arguments[min(i, spec.arguments.count - 1)].type == .duration
        ? Nanoseconds(ns).description : v.description
    }
    return "\(names(c.to)).\(c.method)(\(args.joined(separator: ", ")))"
  }

  func facts(_ c: CallOutcome, timing: Bool = true) -> String {
    var f = ["rpc#\(c.callID)"]
    if !c.from.isClient { f.append("from \(names(c.from))") }
    if c.attempts > 1 && timing { f.append("\(c.attempts) attempts") }
    if timing { f.append("round trip \(c.roundTrip)") }
    return style.dim("(" + f.joined(separator: ", ") + ")")
  }

  func summary(_ c: CallOutcome, declared: MethodSpec? = nil) -> String {
    switch c.result {
    case .value(let v):
      let shown = v.count == 1 ? v[0].description : v.map(\.description).joined(separator: " ")
      return "\(signature(c, declared: declared)) = \(style.ok(shown))  \(facts(c))"
    case .error: return "\(signature(c, declared: declared)) failed: \(failure(c) ?? "")"
    case .timeout, .interrupted: return "\(signature(c, declared: declared)): \(failure(c) ?? "")"
    }
  }

  /// What went wrong, with the call's facts, or nil when the call answered with a value.
  func failure(_ c: CallOutcome) -> String? {
    switch c.result {
    case .value: return nil
    case .error(let e): return "\(style.error(e))  \(facts(c))"
    case .timeout:
      let perAttempt = Nanoseconds(c.roundTrip.value / Int64(max(1, c.attempts)))
      let waited =
        c.attempts > 1 ? "no answer to \(c.attempts) attempts, \(perAttempt) each" : "no answer within \(c.roundTrip)"
      return "\(style.error("timeout")), \(waited)  \(facts(c, timing: false))"
    case .interrupted:
      return "\(style.warn("interrupted")) after \(c.roundTrip)  \(facts(c, timing: false))"
    }
  }

  /// The frame's bytes, field by field: hex on the left, meaning on the right.
  /// The frame's bytes, field by field; with the method's declaration, each argument is
  /// read as declared: a duration shown as one, a value that does not fit marked.
  func frame(_ title: String, _ bytes: [UInt8], from: NodeID, to: NodeID, declared: MethodSpec? = nil) -> [String] {
    var lines = ["\(title) \(names(from)) → \(names(to)), \(bytes.count) bytes:"]
    guard var fields = try? FrameCodec.annotate(bytes) else {
      return lines + HexDump.lines(bytes).map { "  " + $0 }
    }
    if let declared, let frame = try? FrameCodec.decode(bytes) {
      fields = Self.readAsDeclared(fields, frame.args, declared)
    }
    let hexWidth = min(35, fields.map { Hex.spaced($0.bytes.prefix(12)).count }.max() ?? 0)
    for f in fields {
      var chunks = stride(from: 0, to: max(1, f.bytes.count), by: 12).map {
        Array(f.bytes[$0..<min($0 + 12, f.bytes.count)])
      }
      if chunks.isEmpty { chunks = [[]] }
      for (i, chunk) in chunks.enumerated() {
        let hex = Hex.spaced(chunk)
        let pad = String(repeating: " ", count: max(0, hexWidth - hex.count))
        if i == 0 {
          lines.append(
            "  " + style.accent(hex) + pad + "  " + f.name.padding(toLength: 8, withPad: " ", startingAt: 0) + " "
              + f.meaning)
        } else {
          lines.append("  " + style.accent(hex))
        }
      }
    }
    return lines.map(\.trimmingTrailingSpace)
  }
}

extension CallRenderer {
  /// Adds to each argument's meaning what its declaration says of it.
  static func readAsDeclared(_ fields: [FrameField], _ args: [Value], _ spec: MethodSpec) -> [FrameField] {
    var out = fields
    var argIndex = 0
    for (i, f) in fields.enumerated() where f.name.hasPrefix("arg ") {
      defer { argIndex += 1 }
      guard argIndex < args.count, !spec.arguments.isEmpty else { continue }
      let declared = spec.arguments[min(argIndex, spec.arguments.count - 1)]
      let value = args[argIndex]
      if argIndex >= spec.arguments.count && !declared.repeated {
        out[i].meaning += "  (\(spec.name) takes \(spec.arguments.count))"
      } else if !declared.type.accepts(value) {
        out[i].meaning += "  (\(declared.label) expected)"
      } else if declared.type == .duration, case .int(let ns) = value {
        out[i].meaning += " = \(Nanoseconds(ns))"
      }
    }
    return out
  }
}

/// Classic hex dump lines for bytes that do not decode.
enum HexDump {
  static func lines(_ bytes: [UInt8]) -> [String] {
    stride(from: 0, to: bytes.count, by: 16).map { start in
      let chunk = bytes[start..<min(start + 16, bytes.count)]
      let offset = String(start, radix: 16)
      return String(repeating: "0", count: max(0, 4 - offset.count)) + offset + "  " + Hex.spaced(chunk)
    }
  }
}
