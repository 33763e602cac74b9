import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why a file could not be used.
public struct FileProblem: Error, Sendable {
  public var reason: String
}

/// Reading script and transcript files, refusing what is not line-oriented UTF-8 text.
public enum ScriptFile {
  /// Longest line accepted; longer ones are surely not typed commands.
  public static let maxLineLength = 10_000
  public static let maxFileSize = 16 * 1024 * 1024
  static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

  /// `path` as named from a script in folder `base`; a script named without a folder
  /// (`distlab run exp.distlab`) has the empty folder, the working one.
  public static func resolve(_ path: String, relativeTo base: String?) -> String {
    guard let base, !base.isEmpty, !path.hasPrefix("/") else { return path }
    return base + "/" + path
  }

  /// The file's lines, or a one-line reason it cannot be read.
  public static func lines(_ path: String) throws(FileProblem) -> [String] {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
      throw FileProblem(reason: "no such file")
    }
    guard !isDir.boolValue else { throw FileProblem(reason: "is a folder, not a file") }
    var bytes = try contents(path, limit: maxFileSize)
    // A byte-order mark some editors write is not part of the first line.
    if bytes.starts(with: byteOrderMark) { bytes.removeFirst(byteOrderMark.count) }
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

  /// At most `limit` bytes of the file, read no further than one byte past it: an endless
  /// or huge file (`/dev/zero`, a sparse 2 GB file) is refused without being read whole.
  static func contents(_ path: String, limit: Int) throws(FileProblem) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw FileProblem(reason: "cannot be read") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while bytes.count <= limit {
      let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, limit + 1 - bytes.count)) }
      if n < 0 && errno == EINTR { continue }
      guard n >= 0 else { throw FileProblem(reason: "cannot be read") }
      if n == 0 { break }
      bytes += chunk[..<n]
    }
    guard bytes.count <= limit else { throw FileProblem(reason: "is larger than \(limit >> 20) MB") }
    return bytes
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
