import DistLab
import Foundation

/// A node process's disk in a folder, so that it survives the process: a `journal` of writes,
/// each a frame of the project's codec (`put KEY VALUE` or `del KEY`), replayed at start and
/// rewritten then as one write per key; and an `incarnation` count, one more at every start.
/// A write reaches the file before the program goes on, so a SIGKILL loses nothing the program
/// wrote (a power cut may, as the journal is not synced).
public final class DiskFolder {
  public let path: String
  public let disk = NodeDisk()
  public let incarnation: Int
  let journal: FileHandle

  /// Opens (creating) the folder, replays its journal into `disk` and counts a new incarnation.
  public init(path: String) throws {
    self.path = path
    let fm = FileManager.default
    try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
    let journalPath = path + "/journal"
    var entries: [String: Value] = [:]
    if let data = fm.contents(atPath: journalPath) {
      let bytes = [UInt8](data)
      var at = 0
      // A frame cut short by a kill mid-write ends the replay: what came before it stands.
      while at + 4 <= bytes.count {
        let length = bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) }
        guard at + 4 + length <= bytes.count, let f = try? FrameCodec.decode(Array(bytes[at..<at + 4 + length]))
        else { break }
        if f.method == "put", f.args.count == 2, let k = f.args[0].stringValue { entries[k] = f.args[1] }
        if f.method == "del", f.args.count == 1, let k = f.args[0].stringValue { entries[k] = nil }
        at += 4 + length
      }
    }
    // The compacted journal, written whole and then moved into place.
    var compacted: [UInt8] = []
    for k in entries.keys.sorted() { compacted += Self.record(k, entries[k]) }
    try Data(compacted).write(to: URL(fileURLWithPath: journalPath), options: .atomic)
    let countPath = path + "/incarnation"
    let previous =
      fm.contents(atPath: countPath).flatMap {
        Int(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
      } ?? 0
    incarnation = previous + 1
    try Data("\(incarnation)\n".utf8).write(to: URL(fileURLWithPath: countPath), options: .atomic)
    for (k, v) in entries { disk[k] = v }
    guard let handle = FileHandle(forWritingAtPath: journalPath) else {
      throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: journalPath])
    }
    journal = handle
    journal.seekToEndOfFile()
    disk.onWrite = { [journal] key, value in journal.write(Data(Self.record(key, value))) }
  }

  static func record(_ key: String, _ value: Value?) -> [UInt8] {
    FrameCodec.encode(
      Frame(kind: .message, method: value == nil ? "del" : "put", args: [.string(key)] + (value.map { [$0] } ?? [])))
  }

  deinit { try? journal.close() }
}
