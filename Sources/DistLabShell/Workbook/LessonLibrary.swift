import Foundation

/// The lessons of one folder, in file-name order, with the problems of those that do not load.
public struct LessonLibrary: Sendable {
  public var directory: String
  public var lessons: [Lesson]
  /// `file:line: reason` for each lesson file that could not be read.
  public var problems: [String]

  public static func load(_ directory: String) -> LessonLibrary {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".md") }
      .sorted()
    var lessons: [Lesson] = []
    var problems: [String] = []
    for name in names {
      let path = (directory as NSString).appendingPathComponent(name)
      guard TranscriptReplayer.isLesson(path) else { continue }
      do {
        lessons.append(try LessonParser.load(path))
      } catch {
        problems.append(error.reason)
      }
    }
    return LessonLibrary(directory: directory, lessons: lessons, problems: problems)
  }

  public func lesson(_ id: String) -> Lesson? { lessons.first { $0.id == id } }

  /// Where lessons are looked for: `DISTLAB_LESSONS`, else `Lessons/` here, else beside the
  /// package the executable was built in (`.build/<config>/distlab` → `Lessons/`).
  public static func defaultDirectory(environment: [String: String], executable: String) -> String? {
    if let d = environment["DISTLAB_LESSONS"], !d.isEmpty { return d }
    let fm = FileManager.default
    if fm.fileExists(atPath: "Lessons") { return "Lessons" }
    var url = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<4 {
      let candidate = url.appendingPathComponent("Lessons").path
      if fm.fileExists(atPath: candidate) { return candidate }
      url = url.deletingLastPathComponent()
    }
    return nil
  }
}

/// A student's progress through the lessons, kept in one JSON file under their home and
/// written atomically (a new file renamed over the old), so a crash never leaves half a file.
public struct LessonProgress: Codable, Sendable, Equatable {
  public struct Entry: Codable, Sendable, Equatable {
    public var section = 0
    public var completed: [String] = []
    public var hintsShown: [String: Int] = [:]
  }

  public var current: String?
  public var lessons: [String: Entry] = [:]

  public init() {}

  /// `DISTLAB_PROGRESS` (empty: keep none), else `~/.distlab/progress.json`.
  public static func path(environment: [String: String]) -> String? {
    if let p = environment["DISTLAB_PROGRESS"] { return p.isEmpty ? nil : p }
    guard let home = environment["HOME"], !home.isEmpty else { return nil }
    return home + "/.distlab/progress.json"
  }

  /// The saved progress; a missing or unreadable file counts as none.
  public static func load(_ path: String?) -> LessonProgress {
    guard let path, let data = FileManager.default.contents(atPath: path),
      let p = try? JSONDecoder().decode(LessonProgress.self, from: data)
    else { return LessonProgress() }
    return p
  }

  public func save(_ path: String?) throws(FileProblem) {
    guard let path else { return }
    let dir = (path as NSString).deletingLastPathComponent
    if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    guard let data = try? encoder.encode(self), let text = String(data: data, encoding: .utf8) else {
      throw FileProblem(reason: "progress could not be encoded")
    }
    try ScriptFile.writeAtomically(text + "\n", to: path)
  }
}
