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
  /// The prefix of this process's temporary files beside `path`; stale ones are swept by
  /// `sweepStale`.
  static func temporaryPrefix(_ path: String) -> String {
    let url = URL(fileURLWithPath: path)
    return url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".tmp-").path
  }

  public static func write(_ text: String, to path: String) throws(FileProblem) {
    var info = stat()
    let exists = lstat(path, &info) == 0
    if exists {
      guard info.st_mode & S_IFMT == S_IFREG else {
        throw FileProblem(reason: "is not a regular file: only a regular file is replaced")
      }
      // The mode bits too: the superuser may write anything, but a read-only file says no.
      guard info.st_mode & 0o222 != 0, access(path, W_OK) == 0 else { throw FileProblem(reason: "is read-only") }
    }
    let temporary = temporaryPrefix(path) + "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let mode = exists ? info.st_mode & 0o777 : 0o644
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
    guard fd >= 0 else { throw FileProblem(reason: "cannot be written (\(String(cString: strerror(errno))))") }
    var failure: String?
    let bytes = Array(text.utf8)
    var written = 0
    while written < bytes.count, failure == nil {
      let n = bytes[written...].withUnsafeBytes { posixWrite(fd, $0.baseAddress, $0.count) }
      if n > 0 {
        written += n
      } else if n < 0 && errno == EINTR {
        continue
      } else {
        failure = String(cString: strerror(errno))
      }
    }
    if failure == nil && fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
    if close(fd) != 0 && failure == nil { failure = String(cString: strerror(errno)) }
    if failure == nil && rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
    if let failure {
      unlink(temporary)
      throw FileProblem(reason: "cannot be written (\(failure)); the old file is untouched")
    }
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
}

/// The C library's `write`, which `AtomicFile.write` would otherwise shadow.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
  write(fd, buffer, count)
}
