/// A node's in-memory key/value store: the building block most distributed systems rest on.
/// It lives inside a node's program, so killing the node loses it.
public struct KeyValueStore: Sendable {
  public private(set) var entries: [String: Value] = [:]

  public init() {}

  public var count: Int { entries.count }

  public func get(_ key: String) -> Value? { entries[key] }

  /// Stores `value`; returns the value it replaced.
  @discardableResult
  public mutating func put(_ key: String, _ value: Value) -> Value? {
    entries.updateValue(value, forKey: key)
  }

  /// Removes `key`; returns whether it was there.
  @discardableResult
  public mutating func delete(_ key: String) -> Bool {
    entries.removeValue(forKey: key) != nil
  }

  /// Adds `by` to an integer (missing counts as 0): a call that is not safe to repeat.
  public mutating func increment(_ key: String, by: Int64) -> Result<Int64, MethodError> {
    let current: Int64
    switch entries[key] {
    case nil: current = 0
    case .int(let i)?: current = i
    case let other?: return .failure(MethodError("kv.incr: '\(key)' holds a \(other.typeName), not an int"))
    }
    let (sum, overflow) = current.addingReportingOverflow(by)
    if overflow { return .failure(MethodError("kv.incr: integer overflow")) }
    entries[key] = .int(sum)
    return .success(sum)
  }
}

/// A method's failure, sent back to the caller as an error frame.
public struct MethodError: Error, Hashable, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
}
