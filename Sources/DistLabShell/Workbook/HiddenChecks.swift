import Foundation

/// Graded checks kept out of the lessons students read: a folder of `<lesson id>.checks`
/// files that `grade --checks DIR` adds to the exercises as hidden checks.
///
///     # lesson 06's hidden checks
///     [two-down]
///     expect n2.status == down and n5.status == down
///     expect shard.healthy == 3000
public enum HiddenChecks {
  /// Adds every checks file's expectations to its lesson's exercises, as hidden checks.
  /// Refuses, with `file:line`, a file for no lesson, an unknown exercise, a line that is
  /// not an `expect`, or an expectation that does not parse.
  public static func add(from folder: String, to library: LessonLibrary) throws(FileProblem) -> LessonLibrary {
    var library = library
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
      $0.hasSuffix(".checks")
    }
    guard FileManager.default.fileExists(atPath: folder) else {
      throw FileProblem(reason: "\(folder): no such folder of checks")
    }
    for name in names.sorted() {
      let file = (folder as NSString).appendingPathComponent(name)
      let id = String(name.dropLast(".checks".count))
      guard let l = library.lessons.firstIndex(where: { $0.id == id }) else {
        throw FileProblem(reason: "\(file): no lesson has the id '\(id)'")
      }
      var exercise: Int? = nil
      for (n, raw) in try ScriptFile.lines(file).enumerated() {
        let line = raw.trimmed(" ")
        let place = "\(file):\(n + 1)"
        if line.isEmpty || line.hasPrefix("#") { continue }
        if line.hasPrefix("[") && line.hasSuffix("]") {
          let ex = String(line.dropFirst().dropLast())
          guard let e = library.lessons[l].sections.firstIndex(where: { $0.exercise?.id == ex }) else {
            let known = library.lessons[l].exercises.map(\.id)
            throw FileProblem(
              reason: "\(place): lesson \(id) has no exercise '\(ex)'\(Suggest.hint(for: ex, in: known))")
          }
          exercise = e
          continue
        }
        guard let e = exercise else {
          throw FileProblem(reason: "\(place): name the exercise first, as [exercise-id]")
        }
        guard line.hasPrefix("expect ") else {
          throw FileProblem(reason: "\(place): a checks file holds only 'expect' lines")
        }
        do {
          _ = try ExpectationParser.parse(Array(try Lexer.tokenize(line).dropFirst()))
        } catch {
          throw FileProblem(reason: "\(place): \(error.message)")
        }
        library.lessons[l].sections[e].exercise?.checks.append(Check(expectation: line, hidden: true, line: n + 1))
      }
    }
    return library
  }
}

extension GradeResult {
  /// The result as a student may see it: hidden checks are counted, their text and what
  /// they found left out.
  public var forStudents: GradeResult {
    var r = self
    var k = 0
    r.checks = checks.map { c in
      guard c.hidden else { return c }
      k += 1
      return CheckOutcome(expectation: "hidden check \(k)", hidden: true, held: c.held, found: "")
    }
    return r
  }
}
