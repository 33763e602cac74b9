/// Reads lesson files: Markdown with front matter, `##` sections, fenced `distlab` worked
/// examples, and exercises marked `<!-- exercise id=ID points=N -->` with `<details>` hints
/// and fenced `check` (or `check hidden`) blocks of `expect` lines.
public enum LessonParser {
  public static func load(_ file: String) throws(FileProblem) -> Lesson {
    let lines: [String]
    do {
      lines = try ScriptFile.lines(file)
    } catch {
      throw FileProblem(reason: "\(file): \(error.reason)")
    }
    return try parse(lines, file: file)
  }

  static func fail(_ file: String, _ line: Int, _ reason: String) -> FileProblem {
    FileProblem(reason: "\(file):\(line): \(reason)")
  }

  public static func parse(_ lines: [String], file: String) throws(FileProblem) -> Lesson {
    guard lines.first == "---" else { throw fail(file, 1, "a lesson starts with front matter: a line '---'") }
    guard let end = lines.dropFirst().firstIndex(of: "---") else {
      throw fail(file, 1, "the front matter has no closing '---'")
    }
    let meta = try frontMatter(Array(lines[1..<end]), file: file)
    func required(_ key: String) throws(FileProblem) -> String {
      guard let v = meta.values[key], !v.isEmpty else { throw fail(file, 1, "the front matter needs '\(key):'") }
      return v
    }
    let id = try required("id")
    // The id names a folder of solutions: nothing that could climb out of it.
    guard isUsableID(id) else {
      throw fail(file, meta.lines["id"] ?? 1, "'\(id)' is not a usable lesson id (letters, digits, - and _)")
    }
    let title = try required("title")
    let time = try required("time")
    guard let objectives = meta.lists["objectives"], !objectives.isEmpty else {
      throw fail(file, 1, "the front matter needs 'objectives:' with at least one '- item'")
    }
    var seed: UInt64 = 1
    if let s = meta.values["seed"] {
      guard let v = UInt64(s) else {
        throw fail(file, meta.lines["seed"] ?? 1, "seed must be a whole number, not '\(s)'")
      }
      seed = v
    }
    var lesson = Lesson(file: file, id: id, title: title, objectives: objectives, time: time, seed: seed, sections: [])
    lesson.sections = try sections(lines, from: end + 1, file: file)
    var ids = Set<String>()
    for ex in lesson.exercises {
      guard ids.insert(ex.id).inserted else { throw fail(file, ex.line, "two exercises have the id '\(ex.id)'") }
    }
    return lesson
  }

  struct FrontMatter {
    var values: [String: String] = [:]
    var lists: [String: [String]] = [:]
    var lines: [String: Int] = [:]
  }

  static func frontMatter(_ lines: [String], file: String) throws(FileProblem) -> FrontMatter {
    var m = FrontMatter()
    var listKey: String?
    for (i, raw) in lines.enumerated() {
      let n = i + 2
      if raw.trimmed(" ").isEmpty { continue }
      if raw.hasPrefix("  - ") || raw.hasPrefix("- ") {
        guard let key = listKey else { throw fail(file, n, "a list item outside a list: put it under 'key:'") }
        m.lists[key, default: []].append(raw.trimmed(" ").dropFirst(2).trimmed(" "))
        continue
      }
      guard let colon = raw.firstIndex(of: ":"), !raw.hasPrefix(" ") else {
        throw fail(file, n, "front matter lines are 'key: value' or '  - item'")
      }
      let key = String(raw[..<colon])
      let value = raw[raw.index(after: colon)...].trimmed(" ")
      guard m.lines[key] == nil else { throw fail(file, n, "'\(key)' is given twice") }
      m.lines[key] = n
      if value.isEmpty {
        listKey = key
        m.lists[key] = []
      } else {
        listKey = nil
        m.values[key] = value
      }
    }
    return m
  }

  /// Splits the body into `##` sections and reads each one's blocks.
  static func sections(_ lines: [String], from start: Int, file: String) throws(FileProblem) -> [LessonSection] {
    var out: [LessonSection] = []
    var current = LessonSection(title: "", body: [], line: start + 1, examples: [], exercise: nil)
    var i = start
    var pendingExercise: (id: String, points: Int, line: Int)?
    var statement: [String] = []
    var hints: [String] = []
    var checks: [Check] = []
    func closeExercise(_ section: inout LessonSection) {
      if let p = pendingExercise {
        let title =
          section.title.hasPrefix("Exercise: ") ? String(section.title.dropFirst("Exercise: ".count)) : section.title
        section.exercise = Exercise(
          id: p.id, title: title, statement: statement.trimmedBlank, hints: hints, points: p.points, checks: checks,
          line: p.line)
      }
      pendingExercise = nil
      statement = []
      hints = []
      checks = []
    }
    func validate(_ section: LessonSection) throws(FileProblem) {
      if let ex = section.exercise {
        guard !ex.checks.isEmpty else { throw fail(file, ex.line, "exercise '\(ex.id)' has no ```check block") }
        guard !ex.hints.isEmpty else {
          throw fail(file, ex.line, "exercise '\(ex.id)' has no hint (<details><summary>Hint</summary>)")
        }
      }
    }
    while i < lines.count {
      let raw = lines[i]
      let n = i + 1
      if raw.hasPrefix("## ") {
        closeExercise(&current)
        try validate(current)
        if !current.body.isEmpty || !current.title.isEmpty { out.append(current) }
        current = LessonSection(title: String(raw.dropFirst(3)), body: [raw], line: n, examples: [], exercise: nil)
        i += 1
        continue
      }
      if raw.hasPrefix("<!-- exercise") {
        guard pendingExercise == nil, current.exercise == nil else {
          throw fail(file, n, "one exercise per section: start a new '## ' section for the next one")
        }
        pendingExercise = try marker(raw, line: n, file: file)
        current.body.append(raw)
        i += 1
        continue
      }
      if raw.hasPrefix("```") {
        let info = raw.dropFirst(3).trimmed(" ")
        guard let close = lines[(i + 1)...].firstIndex(where: { $0.hasPrefix("```") }) else {
          throw fail(file, n, "the ``` block is never closed")
        }
        let block = Array(lines[(i + 1)..<close])
        current.body += lines[i...close]
        switch info {
        case "distlab":
          if let p = OutputMatcher.problem(in: block) { throw fail(file, n + 1 + p.line, p.reason) }
          let transcript: Transcript
          do {
            transcript = try Transcript.parse(block, file: file)
          } catch {
            throw fail(file, n, "worked example: \(error.reason) (count from the fence)")
          }
          guard transcript.commandCount > 0 else {
            throw fail(file, n, "a distlab block needs at least one 'distlab> ' line")
          }
          current.examples.append(WorkedExample(transcript: transcript, line: n))
        case "check", "check hidden":
          guard pendingExercise != nil else {
            throw fail(file, n, "a check block outside an exercise: add '<!-- exercise id=ID -->' first")
          }
          for (k, l) in block.enumerated() {
            let t = l.trimmed(" ")
            if t.isEmpty || t.hasPrefix("#") { continue }
            guard t.hasPrefix("expect ") else {
              throw fail(file, n + 1 + k, "a check line starts with 'expect', not '\(t)'")
            }
            do {
              _ = try ExpectationParser.parse(Array(try Lexer.tokenize(t).dropFirst()))
            } catch {
              throw fail(file, n + 1 + k, error.message)
            }
            checks.append(Check(expectation: t, hidden: info == "check hidden", line: n + 1 + k))
          }
        default:
          if pendingExercise != nil && hints.isEmpty && checks.isEmpty { statement += lines[i...close] }
        }
        i = close + 1
        continue
      }
      if raw.hasPrefix("<details><summary>Hint") {
        guard pendingExercise != nil else { throw fail(file, n, "a hint outside an exercise") }
        guard let close = lines[(i + 1)...].firstIndex(where: { $0.hasPrefix("</details>") }) else {
          throw fail(file, n, "the hint's <details> is never closed with </details>")
        }
        let text = lines[(i + 1)..<close].joined(separator: "\n").trimmed(" \n")
        guard !text.isEmpty else { throw fail(file, n, "an empty hint") }
        hints.append(text)
        current.body += lines[i...close]
        i = close + 1
        continue
      }
      if pendingExercise != nil && hints.isEmpty && checks.isEmpty { statement.append(raw) }
      current.body.append(raw)
      i += 1
    }
    closeExercise(&current)
    try validate(current)
    if !current.body.isEmpty { out.append(current) }
    return out
  }

  /// Reads `<!-- exercise id=ID points=N -->`.
  static func marker(_ raw: String, line: Int, file: String) throws(FileProblem) -> (id: String, points: Int, line: Int)
  {
    guard raw.hasSuffix("-->") else {
      throw fail(file, line, "the exercise marker must end with '-->' on the same line")
    }
    let inner = String(raw.dropFirst("<!-- exercise".count).dropLast(3)).trimmed(" ")
    var id: String?
    var points = 1
    for part in inner.split(separator: " ") {
      let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
      guard kv.count == 2 else { throw fail(file, line, "exercise attributes are key=value, not '\(part)'") }
      switch kv[0] {
      case "id":
        guard isUsableID(kv[1]) else {
          throw fail(file, line, "'\(kv[1])' is not a usable exercise id (letters, digits, - and _)")
        }
        id = kv[1]
      case "points":
        guard let p = Int(kv[1]), p >= 0, p <= 1000 else {
          throw fail(file, line, "points must be a whole number from 0 to 1000")
        }
        points = p
      default: throw fail(file, line, "unknown exercise attribute '\(kv[0])' (id, points)")
      }
    }
    guard let id else { throw fail(file, line, "the exercise marker needs id=ID") }
    return (id, points, line)
  }
}

/// Exercise and lesson ids name solution files, so they stay plain.
func isUsableID(_ s: String) -> Bool {
  !s.isEmpty && s.count <= 64
    && s.unicodeScalars.allSatisfy {
      ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
    }
}

extension Array where Element == String {
  /// Without blank lines at either end.
  var trimmedBlank: [String] {
    var a = self
    while a.first?.trimmed(" ").isEmpty == true { a.removeFirst() }
    while a.last?.trimmed(" ").isEmpty == true { a.removeLast() }
    return a
  }
}
