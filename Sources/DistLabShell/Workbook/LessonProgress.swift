import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A student's progress through the lessons, kept in one JSON file under their home. Saving
/// never loses work: it takes a lock, merges with what another shell saved meanwhile, and
/// replaces the file atomically; a damaged file is kept beside, never overwritten.
public struct LessonProgress: Codable, Sendable, Equatable {
  public struct Entry: Codable, Sendable, Equatable {
    public var section = 0
    public var completed: [String] = []
    public var hintsShown: [String: Int] = [:]
  }

  /// No exercise has more hints than this; larger counts in a file are read as this many.
  static let maxHints = 100

  public var current: String?
  public var lessons: [String: Entry] = [:]

  public init() {}

  /// `DISTLAB_PROGRESS` (empty: keep none), else `~/.distlab/progress.json`.
  public static func path(environment: [String: String]) -> String? {
    if let p = environment["DISTLAB_PROGRESS"] { return p.isEmpty ? nil : p }
    guard let home = environment["HOME"], !home.isEmpty else { return nil }
    return home + "/.distlab/progress.json"
  }

  /// Progress files larger than this are not progress.
  static let maxBytes = 4 << 20

  /// The saved progress, a note to show once when the file was damaged (and set aside) or
  /// cannot be replaced, and whether saving to it may go on. A missing file is no progress;
  /// temporary files of a save that was killed are removed. A device, a link or a read-only
  /// file is never renamed or written: progress is then kept for the session only.
  public static func load(_ path: String?) -> (progress: LessonProgress, notice: String?, saving: Bool) {
    guard let path else { return (LessonProgress(), nil, false) }
    AtomicFile.sweepStale(beside: path)
    var info = stat()
    guard lstat(path, &info) == 0 else { return (LessonProgress(), nil, true) }
    do {
      try AtomicFile.checkReplaceable(path)
    } catch {
      let kept = info.st_mode & S_IFMT == S_IFREG ? read(path) : nil
      return (
        kept ?? LessonProgress(), "progress file \(path) \(error.reason): progress is kept for this session only", false
      )
    }
    if let progress = read(path) { return (progress, nil, true) }
    guard let aside = setAside(path) else {
      return (LessonProgress(), "progress file \(path) is damaged and cannot be moved aside; saving will fail", true)
    }
    return (LessonProgress(), "progress file \(path) was damaged: kept as \(aside), starting fresh", true)
  }

  /// Renames a damaged regular file to the first free `PATH.corrupt-N`; nil when it cannot
  /// (or the path is not a regular file, which is never renamed).
  static func setAside(_ path: String) -> String? {
    var info = stat()
    guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
    var n = 1
    while FileManager.default.fileExists(atPath: "\(path).corrupt-\(n)") { n += 1 }
    let aside = "\(path).corrupt-\(n)"
    return rename(path, aside) == 0 ? aside : nil
  }

  /// The file's progress, checked; nil when it is not a progress file.
  static func read(_ path: String) -> LessonProgress? {
    guard let bytes = try? ScriptFile.contents(path, limit: maxBytes),
      let decoded = try? JSONDecoder().decode(LessonProgress.self, from: Data(bytes))
    else { return nil }
    return decoded.checked
  }

  /// Counts brought into range: a section is never negative, hints shown are 0…`maxHints`.
  var checked: LessonProgress {
    var p = self
    for (id, entry) in p.lessons {
      var e = entry
      e.section = max(0, e.section)
      e.hintsShown = e.hintsShown.mapValues { min(max(0, $0), Self.maxHints) }
      var seen = Set<String>()
      e.completed = e.completed.filter { seen.insert($0).inserted }
      p.lessons[id] = e
    }
    return p
  }

  /// This progress with what `other` has that this lacks: exercises completed in either,
  /// the most hints shown in either. Where to read on (current lesson, sections) is this one's.
  func merged(with other: LessonProgress) -> LessonProgress {
    var p = self
    for (id, theirs) in other.lessons {
      guard var mine = p.lessons[id] else {
        p.lessons[id] = theirs
        continue
      }
      mine.completed += theirs.completed.filter { !mine.completed.contains($0) }
      mine.hintsShown.merge(theirs.hintsShown) { max($0, $1) }
      p.lessons[id] = mine
    }
    if p.current == nil { p.current = other.current }
    return p
  }

  /// Saves under a lock, merged with what is on disk now; returns what was saved, which the
  /// session then holds (so another shell's completions appear in this one too).
  public func save(_ path: String?) throws(FileProblem) -> LessonProgress {
    guard let path else { return self }
    let dir = (path as NSString).deletingLastPathComponent
    if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    let lock = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard lock >= 0 else { throw FileProblem(reason: "cannot be locked (\(String(cString: strerror(errno))))") }
    defer { close(lock) }
    while flock(lock, LOCK_EX) != 0 && errno == EINTR {}
    let onDisk = Self.read(path)
    if onDisk == nil, FileManager.default.fileExists(atPath: path), Self.setAside(path) == nil {
      throw FileProblem(reason: "is damaged and cannot be moved aside, so it is not overwritten")
    }
    let result = onDisk.map { merged(with: $0) } ?? self
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    guard let data = try? encoder.encode(result), let text = String(data: data, encoding: .utf8) else {
      throw FileProblem(reason: "progress could not be encoded")
    }
    try AtomicFile.write(text + "\n", to: path)
    return result
  }
}
