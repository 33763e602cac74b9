import DistLab
import DistLabTasks

/// What the user types for a task, as Celery's wire takes it: a task's arguments checked
/// against its declaration, durations in seconds; a canvas split at its `|`s.
enum CeleryWire {
  /// A task's arguments checked against its declaration and put as Celery's tasks take them
  /// (durations in seconds); `given` fewer for a chain's later link, whose first is the result
  /// before it.
  static func arguments(_ name: Token, _ tokens: [Token], given: Int = 0) throws(ShellError) -> [Value] {
    guard let definition = TaskCatalog.definition(name.text) else {
      throw ShellError(
        "unknown task '\(name.text)'\(Suggest.hint(for: name.text, in: TaskCatalog.names))", column: name.column)
    }
    let args = tokens.map(Units.value)
    let expected = definition.arguments.count - given
    guard args.count == expected else {
      throw ShellError(
        "\(name.text) takes \(expected) argument\(expected == 1 ? "" : "s")"
          + (given > 0 ? " after the result before it" : "")
          + " (\(TaskCatalog.usage(definition))), not \(args.count)", column: name.column)
    }
    let specs = Array(definition.arguments.dropFirst(given))
    for (i, (v, spec)) in zip(args, specs).enumerated() where !spec.type.accepts(v) {
      throw ShellError("argument \(i + 1) of \(name.text) is \(spec.label), not \(v)", column: tokens[i].column)
    }
    return zip(args, specs).map { v, spec in
      guard spec.type == .duration, let ns = v.intValue else { return v }
      return .double(Double(ns) / 1e9)
    }
  }

  /// `TASK ARG… | TASK ARG…` split at each unquoted `|` (a part may be empty).
  static func signatures(_ tokens: [Token]) -> [[Token]] {
    var parts: [[Token]] = [[]]
    for t in tokens {
      if t.text == "|" && !t.quoted { parts.append([]) } else { parts[parts.count - 1].append(t) }
    }
    return parts
  }
}
