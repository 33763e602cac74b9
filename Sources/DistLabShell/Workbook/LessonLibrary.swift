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
        let lesson = try LessonParser.load(path)
        if let first = lessons.first(where: { $0.id == lesson.id }) {
          problems.append("\(path): lesson id '\(lesson.id)' is already \(first.file)'s; this lesson is not loaded")
          continue
        }
        lessons.append(lesson)
      } catch {
        problems.append(error.reason)
      }
    }
    return LessonLibrary(directory: directory, lessons: lessons, problems: problems)
  }

  public func lesson(_ id: String) -> Lesson? { lessons.first { $0.id == id } }

  /// Where lessons are looked for: `DISTLAB_LESSONS`, else `Lessons/` here, else beside the
  /// package the executable was built in (`.build/<config>/distlab` → `Lessons/`).
  public static func defaultDirectory(
    environment: [String: String] = ProcessInfo.processInfo.environment, executable: String = CommandLine.arguments[0]
  ) -> String? {
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
