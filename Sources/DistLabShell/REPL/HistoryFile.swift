import CEditLine
import Foundation

/// Where the shell keeps its command history.
///
/// `DISTLAB_HISTORY` names the file (an empty value turns the file off); otherwise it is
/// `$HOME/.distlab_history`, and without a home folder there is no history file at all.
public enum HistoryFile {
  /// The environment variable that overrides the default location.
  static let environmentVariable = "DISTLAB_HISTORY"

  /// The history file for this environment, or nil when no file should be kept.
  public static func path(environment: [String: String]) -> String? {
    if let explicit = environment[environmentVariable] {
      return explicit.isEmpty ? nil : explicit
    }
    guard let home = environment["HOME"], !home.isEmpty else {
      return nil
    }
    return home.hasSuffix("/") ? home + ".distlab_history" : home + "/.distlab_history"
  }

  /// Creates the folder that will hold `path` if it is missing. Returns false when that is
  /// not possible; the caller then skips writing instead of failing.
  static func prepareParentFolder(of path: String) -> Bool {
    let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: parent, isDirectory: &isFolder) {
      return isFolder.boolValue
    }
    do {
      try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
      return true
    } catch {
      return false
    }
  }
}

/// The prompt's libedit history: the newest `limit` entries in memory, loaded from the history
/// file at start, with every new entry appended to the file at once so a crash keeps it.
///
/// The file is in libedit's own format (a `_HiStOrY_V2_` header, one encoded entry per line),
/// which `H_LOAD` reads. Appending lets the file grow; once it holds more than twice `limit`
/// entries it is rewritten with the entries in memory. Writing problems never stop the shell:
/// they print one warning and the history stays in memory.
final class PersistentHistory {
  /// The most entries kept in memory, and so the most loaded from the file.
  static let limit: Int32 = 1000
  /// A history file larger than this is not one this program wrote.
  static let maxFileBytes = 16 << 20

  /// The libedit `History *` that the editor navigates, or nil if libedit could not make one.
  let entries: OpaquePointer?
  /// A history of one entry; saving it to a file opened for appending appends that entry.
  private let appendBuffer: OpaquePointer?
  private let path: String?
  private(set) var fileUsable: Bool
  private var warningShown = false
  private var newestEntry: String?

  init(path: String?) {
    self.entries = history_init()
    self.appendBuffer = history_init()
    self.path = path
    self.fileUsable = path != nil
    load()
  }

  deinit {
    if let entries {
      history_end(entries)
    }
    if let appendBuffer {
      history_end(appendBuffer)
    }
  }

  /// Adds `line` as the newest entry and appends it to the file. Blank lines and a repeat of
  /// the newest entry are skipped.
  func add(_ line: String) {
    guard let entries, line.contains(where: { !$0.isWhitespace }), line != newestEntry else {
      return
    }
    var event = HistEvent()
    guard cel_history_enter(entries, &event, line) != -1 else {
      return
    }
    newestEntry = line
    appendToFile(line)
  }

  private func load() {
    guard let entries else {
      return
    }
    var event = HistEvent()
    _ = cel_history_set_size(entries, &event, PersistentHistory.limit)
    _ = cel_history_set_unique(entries, &event, 1)
    if let appendBuffer {
      _ = cel_history_set_size(appendBuffer, &event, 1)
    }
    guard let path else {
      return
    }
    // Only a regular file of a sane size is history: a device or an endless file is never
    // read (libedit would read it whole) nor appended to.
    var info = stat()
    if stat(path, &info) == 0 {
      guard info.st_mode & S_IFMT == S_IFREG else {
        fileUsable = false
        return warn("it is not a regular file")
      }
      guard info.st_size <= PersistentHistory.maxFileBytes else {
        fileUsable = false
        return warn("it is larger than \(PersistentHistory.maxFileBytes >> 20) MB")
      }
    }
    let loaded = cel_history_load(entries, &event, path)
    if loaded < 0 {
      // No file yet is normal. A non-empty file libedit cannot read is someone else's: leave
      // it alone rather than append to it.
      var status = stat()
      if stat(path, &status) == 0 && status.st_size > 0 {
        fileUsable = false
        warn("it is not a history file this program wrote")
      }
    } else if loaded > 2 * PersistentHistory.limit {
      rewriteFile(path)
    }
    if cel_history_first(entries, &event) != -1, let newest = event.str {
      newestEntry = String(cString: newest)
    }
  }

  /// Replaces the file with the entries in memory. The new file is written beside the old one
  /// and renamed over it, so a crash leaves one or the other, never half a file.
  private func rewriteFile(_ path: String) {
    guard let entries else {
      return
    }
    var event = HistEvent()
    let temporary = path + ".tmp"
    if cel_history_save(entries, &event, temporary) != -1 && rename(temporary, path) == 0 {
      return
    }
    _ = unlink(temporary)
  }

  private func appendToFile(_ line: String) {
    guard fileUsable, let path, let appendBuffer else {
      return
    }
    guard HistoryFile.prepareParentFolder(of: path) else {
      warn("its folder cannot be created")
      return
    }
    guard let file = fopen(path, "a") else {
      warn(String(cString: strerror(errno)))
      return
    }
    defer { fclose(file) }
    var event = HistEvent()
    _ = fseek(file, 0, SEEK_END)
    guard cel_history_enter(appendBuffer, &event, line) != -1,
      cel_history_save_stream(appendBuffer, &event, file) != -1
    else {
      warn("writing to it failed")
      return
    }
  }

  private func warn(_ reason: String) {
    guard !warningShown, let path, let errorOutput = cel_stderr() else {
      return
    }
    warningShown = true
    fputs("warning: history is not saved to \(path): \(reason)\n", errorOutput)
  }
}
