/// What running a script did.
public struct ScriptReport: Sendable {
  public var commands = 0
  public var failedExpectations = 0
  public var heldExpectations = 0
  /// The error that stopped the script, with its `file:line:col`.
  public var firstError: String?
  /// The first expectation of the script's own that did not hold, with its `file:line`.
  public var firstFailedExpectation: String?
  /// Every command's output, in order.
  public var output = ""
  public var exited = false

  /// 0 when every expectation held, 1 when one failed, 2 on an error.
  public var exitStatus: Int32 { firstError != nil ? 2 : failedExpectations > 0 ? 1 : 0 }
}

/// Runs script lines in a session: an error stops the script; a failed expectation is
/// reported and the script goes on.
public enum ScriptRunner {
  public static func run(lines: [String], file: String, session: ShellSession, echo: Bool = false) -> ScriptReport {
    var report = ScriptReport()
    var out: [String] = []
    var printed = 0
    for (i, line) in lines.enumerated() {
      if ShellSession.isBlank(line) { continue }
      if session.cancel() {
        report.firstError = "\(file):\(i + 1):1: stopped"
        break
      }
      report.commands += 1
      let o = session.run(line, at: SourceLocation(file: file, line: i + 1, column: 1))
      if echo { out.append("> " + line) }
      if !o.text.isEmpty { out.append(o.text) }
      printed += o.text.count
      if let limit = session.sandbox?.outputLimit, printed > limit {
        report.firstError = "\(file):\(i + 1):1: stopped: the solution printed more than \(limit) characters"
        out.removeLast()
        break
      }
      switch o.status {
      case .ok:
        if case .expectation? = o.result { report.heldExpectations += 1 }
      case .expectationFailed:
        if case .sourced(_, _, let failed, _)? = o.result {
          report.failedExpectations += failed
        } else {
          report.failedExpectations += 1
        }
        if report.firstFailedExpectation == nil {
          // The session already names the place: `file:line: ✗ expected …`.
          let text = o.text.strippingANSI
          report.firstFailedExpectation = text.hasPrefix(file) ? text : "\(file):\(i + 1): " + text
        }
      case .error:
        report.firstError = o.text.strippingANSI
        // The error is reported on its own; the output keeps what came before it.
        if !o.text.isEmpty { out.removeLast() }
      case .exit:
        report.exited = true
      }
      if report.firstError != nil || report.exited { break }
    }
    report.output = out.joined(separator: "\n")
    return report
  }
}

extension String {
  /// The text without ANSI colour sequences.
  var strippingANSI: String {
    var out = ""
    var inEscape = false
    for c in unicodeScalars {
      if inEscape {
        if c == "m" { inEscape = false }
        continue
      }
      if c == "\u{1B}" {
        inEscape = true
        continue
      }
      out.unicodeScalars.append(c)
    }
    return out
  }
}

extension String {
  func replacingFirst(_ target: String, with replacement: String) -> String {
    guard let r = range(of: target) else { return self }
    return replacingCharacters(in: r, with: replacement)
  }
}
