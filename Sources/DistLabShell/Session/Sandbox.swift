import Foundation

/// What a graded solution may touch: it may `source` only files under `root` (the solutions
/// folder), and may not `record` or use `lesson`, which write files. Everything else a
/// solution can do stays inside its world.
public struct Sandbox: Sendable {
  public var root: String
  /// Most characters of output a solution may print before it is stopped.
  public var outputLimit: Int

  public init(root: String, outputLimit: Int = 1_000_000) {
    self.root = URL(fileURLWithPath: root).standardizedFileURL.resolvingSymlinksInPath().path
    self.outputLimit = outputLimit
  }

  /// Commands a graded solution may not use.
  static let refused: Set<String> = ["record", "lesson"]

  /// Whether `path` (after links are followed) lies inside the root.
  func allows(_ path: String) -> Bool {
    let real = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    return real.hasPrefix(root.hasSuffix("/") ? root : root + "/")
  }
}
