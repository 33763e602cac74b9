/// A node's durable store: what a broker's queue or a NameNode's edit log is written to. It
/// outlives the program, so `kill` and `restart` keep it; only `kill --wipe` clears it.
///
/// @unchecked Sendable: a disk belongs to one node host and is read and written only where
/// that host runs the node's program (its thread; the engine's thread for inline hosts; the
/// world's driving thread for sim events it handles itself, on the node's turn — see
/// `NodeThread.runDirect`),
/// one handler at a time; the world clears it only through a job on the node's thread.
public final class NodeDisk: @unchecked Sendable {
  private var entries: [String: Value] = [:]
  /// Told of every write, on the node's thread, after it is made: a node running as a process
  /// of its own keeps its disk in a folder this way. Nil in a world's own nodes.
  public var onWrite: ((String, Value?) -> Void)?

  public init() {}

  public subscript(key: String) -> Value? {
    get { entries[key] }
    set {
      entries[key] = newValue
      onWrite?(key, newValue)
    }
  }

  /// Writes `value` under `key` and returns what it replaced: a write and a lookup in one.
  @discardableResult
  public func updateValue(_ value: Value, forKey key: String) -> Value? {
    let old = entries.updateValue(value, forKey: key)
    onWrite?(key, value)
    return old
  }

  /// The entries whose keys start with `prefix`, by key without it: a table has no order, so
  /// nothing is sorted for it.
  public func table(prefix: String) -> [String: Value] {
    var table: [String: Value] = [:]
    for (key, value) in entries where key.hasPrefix(prefix) { table[String(key.dropFirst(prefix.count))] = value }
    return table
  }

  /// Every key, sorted.
  public var keys: [String] { entries.keys.sorted() }
  public var count: Int { entries.count }

  func wipe() { entries = [:] }
}
