import Foundation

/// Why a file could not be used.
public struct FileProblem: Error, Sendable {
  public var reason: String
}

/// Reading script and transcript files, refusing what is not line-oriented UTF-8 text.
public enum ScriptFile {
  /// Longest line accepted; longer ones are surely not typed commands.
  public static let maxLineLength = 10_000
  public static let maxFileSize = 16 * 1024 * 1024

  public static func resolve(_ path: String, relativeTo base: String?) -> String {
    if path.hasPrefix("/") || base == nil { return path }
    return (base ?? ".") + "/" + path
  }

  /// The file's lines, or a one-line reason it cannot be read.
  public static func lines(_ path: String) throws(FileProblem) -> [String] {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
      throw FileProblem(reason: "no such file")
    }
    guard !isDir.boolValue else { throw FileProblem(reason: "is a folder, not a file") }
    guard let data = FileManager.default.contents(atPath: path) else { throw FileProblem(reason: "cannot be read") }
    guard data.count <= maxFileSize else { throw FileProblem(reason: "is larger than 16 MB") }
    let bytes = [UInt8](data)
    if let nul = bytes.firstIndex(of: 0) {
      throw FileProblem(reason: "byte \(nul + 1) is NUL: this is not a text file")
    }
    guard String(validating: bytes, as: UTF8.self) != nil else { throw FileProblem(reason: "is not UTF-8 text") }
    // Split on LF bytes (a CRLF pair is one Character in Swift, so splitting text would miss it).
    var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { line -> String in
      let body = line.last == 0x0D ? line.dropLast() : line
      return String(decoding: body, as: UTF8.self)
    }
    if lines.last == "" { lines.removeLast() }
    if let (i, _) = lines.enumerated().first(where: { $0.element.count > maxLineLength }) {
      throw FileProblem(reason: "line \(i + 1) is longer than \(maxLineLength) characters")
    }
    return lines
  }

  /// Like `lines`, as a shell error at `column`.
  static func readLines(_ path: String, column: Int) throws(ShellError) -> [String] {
    do {
      return try lines(path)
    } catch {
      throw ShellError("'\(path)' \(error.reason)", column: column)
    }
  }

  /// Writes `text` so that a reader sees the old file or the new one, never half of one
  /// (see `AtomicFile`).
  public static func writeAtomically(_ text: String, to path: String) throws(FileProblem) {
    try AtomicFile.write(text, to: path)
  }
}
