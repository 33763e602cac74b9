import DistLab

/// A parsed `expect` line: comparisons joined by `and`/`or` (`and` binds tighter).
public indirect enum Expectation: Sendable {
  case compare(subject: Token, op: Comparison, literal: Token)
  case and(Expectation, Expectation)
  case or(Expectation, Expectation)
}

/// The comparison operators of `expect`.
public enum Comparison: String, Sendable, CaseIterable {
  case eq = "=="
  case ne = "!="
  case lt = "<"
  case le = "<="
  case gt = ">"
  case ge = ">="

  func holds(_ order: Int) -> Bool {
    switch self {
    case .eq: order == 0
    case .ne: order != 0
    case .lt: order < 0
    case .le: order <= 0
    case .gt: order > 0
    case .ge: order >= 0
    }
  }
}

/// Reads `SUBJECT OP VALUE [and|or SUBJECT OP VALUE …]`.
public enum ExpectationParser {
  /// Predictions one `expect` line may join: the tree they make is evaluated (and freed)
  /// recursively, so its depth is bounded well inside any thread's stack.
  static let maxPredictions = 64

  public static func parse(_ tokens: [Token]) throws(ShellError) -> Expectation {
    var i = 0
    var count = 0
    func comparison() throws(ShellError) -> Expectation {
      count += 1
      if count > maxPredictions, i < tokens.count {
        throw ShellError(
          "an expect line joins at most \(maxPredictions) predictions; split them over several lines",
          column: tokens[i].column)
      }
      guard i < tokens.count else {
        throw ShellError(
          "the prediction ends too soon: expect SUBJECT OP VALUE", column: tokens.last.map { $0.column + $0.text.count }
        )
      }
      let subject = tokens[i]
      if let op = Comparison.allCases.first(where: { subject.text.contains($0.rawValue) }), subject.text != op.rawValue
      {
        throw ShellError("put spaces around '\(op.rawValue)': expect value == 30", column: subject.column)
      }
      guard i + 2 < tokens.count else {
        throw ShellError(
          "'\(subject.text)' needs an operator and a value, like: expect \(subject.text) == 30", column: subject.column)
      }
      let opToken = tokens[i + 1]
      guard let op = Comparison(rawValue: opToken.text) else {
        throw ShellError("unknown operator '\(opToken.text)' (use == != < <= > >=)", column: opToken.column)
      }
      let literal = tokens[i + 2]
      i += 3
      return .compare(subject: subject, op: op, literal: literal)
    }
    func conjunction() throws(ShellError) -> Expectation {
      var e = try comparison()
      while i < tokens.count, tokens[i].text == "and" {
        i += 1
        e = .and(e, try comparison())
      }
      return e
    }
    var e = try conjunction()
    while i < tokens.count, tokens[i].text == "or" {
      i += 1
      e = .or(e, try conjunction())
    }
    if i < tokens.count {
      throw ShellError("unexpected '\(tokens[i].text)': join predictions with 'and' or 'or'", column: tokens[i].column)
    }
    return e
  }
}
