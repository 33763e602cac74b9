import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Replacing a file so that a reader sees the old one or the new one, never half of one, and
/// never anything but a regular file replaced: the text goes to a temporary file in the same
/// folder, every write is checked, it is flushed to disk, then renamed over the target.
/// Devices, pipes, symlinks, folders and read-only files are refused, never replaced.
public enum AtomicFile {
  /// The prefix of temporary files beside `path`; stale ones are swept by `sweepStale`.
  static func temporaryPrefix(_ path: String) -> String {
    let url = URL(fileURLWithPath: path)
    return url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".tmp-").path
  }

  /// Refuses a target that exists and is not a regular file this user may write. Returns
  /// its permission bits, which the new file keeps (0o644 for a new file).
  @discardableResult
  public static func checkReplaceable(_ path: String) throws(FileProblem) -> mode_t {
    var info = stat()
    guard lstat(path, &info) == 0 else { return 0o644 }
    switch info.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFDIR: throw FileProblem(reason: "is a folder; name a file inside it")
    case S_IFLNK: throw FileProblem(reason: "is a symbolic link, which is never replaced; name the file itself")
    default: throw FileProblem(reason: "is a device or other special file, which is never replaced")
    }
    // The mode bits too: the superuser may write anything, but a read-only file says no.
    guard info.st_mode & 0o222 != 0, access(path, W_OK) == 0 else { throw FileProblem(reason: "is read-only") }
    return info.st_mode & 0o777
  }

  public static func write(_ text: String, to path: String) throws(FileProblem) {
    let file = try Pending(replacing: path)
    file.write(text)
    try file.commit()
  }

  /// Removes temporary files beside `path` left by a process that no longer runs (one
  /// killed during a save).
  public static func sweepStale(beside path: String) {
    let prefix = temporaryPrefix(path)
    let folder = (prefix as NSString).deletingLastPathComponent
    let start = (prefix as NSString).lastPathComponent
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
    for name in names where name.hasPrefix(start) {
      let pidText = name.dropFirst(start.count).prefix { $0 != "-" }
      guard let pid = pid_t(pidText), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
      unlink(folder + "/" + name)
    }
  }

  /// A replacement being written: text appended with every write checked, then committed
  /// (flushed and renamed over the target) or discarded. The first failure is kept and
  /// reported by `commit`, so a full disk never passes for a saved file.
  public final class Pending {
    public let path: String
    let temporary: String
    private var fd: Int32
    private(set) var failure: String?

    public init(replacing path: String) throws(FileProblem) {
      self.path = path
      let mode = try AtomicFile.checkReplaceable(path)
      AtomicFile.sweepStale(beside: path)
      temporary = AtomicFile.temporaryPrefix(path) + "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
      fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
      guard fd >= 0 else { throw FileProblem(reason: "cannot be written (\(Self.lastError))") }
    }

    deinit { discard() }

    static var lastError: String { String(cString: strerror(errno)) }

    public func write(_ text: String) {
      guard failure == nil, fd >= 0 else { return }
      let bytes = Array(text.utf8)
      var written = 0
      while written < bytes.count {
        let n = bytes[written...].withUnsafeBytes { posixWrite(fd, $0.baseAddress, $0.count) }
        if n > 0 {
          written += n
        } else if n < 0 && errno == EINTR {
          continue
        } else {
          failure = n == 0 ? "nothing could be written" : Self.lastError
          return
        }
      }
    }

    /// Flushes the file to disk and renames it over the target; on any failure the target
    /// is as it was and the temporary file is gone.
    public func commit() throws(FileProblem) {
      guard fd >= 0 else { throw FileProblem(reason: "was already saved") }
      if failure == nil && fsync(fd) != 0 { failure = Self.lastError }
      if close(fd) != 0 && failure == nil { failure = Self.lastError }
      fd = -1
      if failure == nil {
        do {
          try AtomicFile.checkReplaceable(path)
        } catch {
          failure = error.reason
        }
      }
      if failure == nil && rename(temporary, path) != 0 { failure = Self.lastError }
      if let failure {
        unlink(temporary)
        throw FileProblem(reason: "cannot be written (\(failure)); the old file is untouched")
      }
    }

    /// Drops the replacement; the target stays as it was.
    public func discard() {
      guard fd >= 0 else { return }
      close(fd)
      fd = -1
      unlink(temporary)
    }
  }
}

/// The C library's `write`, which `Pending.write` would otherwise shadow.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
  write(fd, buffer, count)
}
