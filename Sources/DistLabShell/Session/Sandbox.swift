import Foundation

/// What a graded solution may touch: it may `source` only files under `root` (the solutions
/// folder), and may not `record` or use `lesson`, which write files. Everything else a
/// solution can do stays inside its world.
public struct Sandbox: Sendable {
  public var root: String
  /// Most characters of output a solution may print before it is stopped.
  public var outputLimit: Int

  /// Folders a solution may read besides its own: the texts shipped with the lessons.
  public var alsoReadable: [String]

  public init(root: String, outputLimit: Int = 1_000_000, alsoReadable: [String] = []) {
    self.root = Self.real(root)
    self.outputLimit = outputLimit
    self.alsoReadable = alsoReadable.map(Self.real)
  }

  static func real(_ path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
  }

  /// Commands a graded solution may not use.
  static let refused: Set<String> = ["record", "lesson"]

  /// Whether `path` (after links are followed) lies inside the root.
  func allows(_ path: String) -> Bool { Self.inside(Self.real(path), root) }

  /// Whether a solution may read `path`: inside the root or a folder it may also read.
  func allowsReading(_ path: String) -> Bool {
    let real = Self.real(path)
    return Self.inside(real, root) || alsoReadable.contains { Self.inside(real, $0) }
  }

  static func inside(_ path: String, _ folder: String) -> Bool {
    path.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
  }
}
