import Foundation

/// A local file a student puts into HDFS (`hdfs put PATH --from FILE`) or runs a standalone
/// job over: found beside the script, else among the texts shipped with the lessons
/// (`texts/fallacies.txt`), read as bytes, within a graded solution's sandbox.
enum LocalText {
  /// The lessons' folder of texts for jobs to read.
  static let folder = "texts"
  /// The largest file `--from` reads: 16 MB, the lab's largest script too.
  static let limit = ScriptFile.maxFileSize

  static func read(_ t: Token, _ s: ShellSession) throws(ShellError) -> [UInt8] {
    var path = ScriptFile.resolve(t.text, relativeTo: s.baseDirectory)
    if !FileManager.default.fileExists(atPath: path), !t.text.hasPrefix("/"), let lessons = s.lessonDirectory {
      path = lessons + "/" + t.text
    }
    if let sandbox = s.sandbox, !sandbox.allowsReading(path) {
      throw ShellError(
        "a graded solution may read only its solutions folder and the lessons' \(folder)/; '\(t.text)' is outside them",
        column: t.column)
    }
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
      throw ShellError(
        "no file '\(t.text)' here or among the lessons' texts (try texts/fallacies.txt)", column: t.column)
    }
    guard !isDir.boolValue else { throw ShellError("'\(t.text)' is a folder, not a file", column: t.column) }
    do {
      return try ScriptFile.contents(path, limit: limit)
    } catch {
      throw ShellError("'\(t.text)' \(error.reason)", column: t.column)
    }
  }
}
