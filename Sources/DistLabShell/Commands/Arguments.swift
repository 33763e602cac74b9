import DistLab

/// Reading typed words out of an invocation, with errors that point at the word.
extension Invocation {
  var name: String { subcommand.map { "\(command) \($0)" } ?? command }

  func word(_ i: Int) -> Token? { i < positional.count ? positional[i] : nil }

  func integer(_ t: Token, what: String, range: ClosedRange<Int>) throws(ShellError) -> Int {
    guard let v = Int(t.text) else {
      throw ShellError("\(what) must be a whole number, not '\(t.text)'", column: t.column)
    }
    guard range.contains(v) else {
      throw ShellError(
        "\(what) must be between \(range.lowerBound) and \(range.upperBound), not \(v)", column: t.column)
    }
    return v
  }

  func duration(_ t: Token, what: String) throws(ShellError) -> Nanoseconds {
    guard let d = Units.duration(t.text) else {
      if Units.durationPastHorizon(t.text) {
        throw ShellError("\(what) runs past the world's horizon, \(Messages.horizon)", column: t.column)
      }
      throw ShellError("\(what) must be a duration like 250ms, 2s or 1m, not '\(t.text)'", column: t.column)
    }
    return d
  }

  func ratio(_ t: Token, what: String) throws(ShellError) -> Double {
    guard let r = Units.ratio(t.text), r >= 0, r <= 1 else {
      throw ShellError(
        "\(what) must be a ratio from 0 to 1 or a percentage like 10%, not '\(t.text)'", column: t.column)
    }
    return r
  }

  func flagDuration(_ flag: String) throws(ShellError) -> Nanoseconds? {
    guard let t = flags[flag] else { return nil }
    return try duration(t, what: flag)
  }

  func flagInt(_ flag: String, range: ClosedRange<Int>) throws(ShellError) -> Int? {
    guard let t = flags[flag] else { return nil }
    return try integer(t, what: flag, range: range)
  }
}

extension WorldError {
  /// The world's refusal as a shell error pointing at the command.
  func shell(_ column: Int) -> ShellError { ShellError(Messages.text(self), column: column) }
}

/// Runs a world operation, turning its refusal into a shell error at `column`.
func attempt<R>(_ column: Int, _ body: () throws(WorldError) -> R) throws(ShellError) -> R {
  do {
    return try body()
  } catch {
    throw error.shell(column)
  }
}
