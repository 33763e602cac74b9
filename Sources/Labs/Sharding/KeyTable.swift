import DistLab

/// A hash table from keys to values for the schemes that must remember keys (directory rows,
/// chunk offsets, bounded-load assignments). Keys already carry a good 64-bit hash, so the table
/// uses it directly (open addressing, linear probing) instead of re-hashing through `Hasher`,
/// which made placing a million keys three times slower. Entries live in arrays in insertion order
/// (a removal moves the last entry into the hole), so iteration order never depends on hashing.
struct KeyTable<Value: Sendable>: Sendable {
  private(set) var keys: [ShardKey] = []
  private(set) var values: [Value] = []
  /// 0 for an empty slot, else the low 32 bits of the key's hash above (entry index + 1).
  private var slots: [UInt64] = []
  private var shift: UInt64 = 64

  var count: Int { keys.count }
  var isEmpty: Bool { keys.isEmpty }

  @inline(__always)
  private func home(_ hash: UInt64) -> Int {
    Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> shift)
  }

  @inline(__always)
  private static func tag(_ hash: UInt64) -> UInt64 { hash << 32 }

  /// The slot holding `key`, or the empty slot where it would go.
  @inline(__always)
  private func find(_ key: ShardKey) -> (slot: Int, entry: Int?) {
    let mask = slots.count - 1
    let tag = Self.tag(key.hash)
    var i = home(key.hash)
    while true {
      let s = slots[i]
      if s == 0 { return (i, nil) }
      if s & 0xFFFF_FFFF_0000_0000 == tag {
        let e = Int(truncatingIfNeeded: s & 0xFFFF_FFFF) - 1
        if keys[e] == key { return (i, e) }
      }
      i = (i + 1) & mask
    }
  }

  /// Position of `key` among the entries.
  func entry(of key: ShardKey) -> Int? {
    slots.isEmpty ? nil : find(key).entry
  }

  subscript(key: ShardKey) -> Value? {
    entry(of: key).map { values[$0] }
  }

  mutating func reserveCapacity(_ n: Int) {
    keys.reserveCapacity(n)
    values.reserveCapacity(n)
    if n * 2 > slots.count { rebuild(capacity: n) }
  }

  private mutating func rebuild(capacity: Int) {
    var size = 16
    while size < capacity * 2 { size <<= 1 }
    slots = [UInt64](repeating: 0, count: size)
    shift = UInt64(64 - size.trailingZeroBitCount)
    let mask = size - 1
    for (e, key) in keys.enumerated() {
      var i = home(key.hash)
      while slots[i] != 0 { i = (i + 1) & mask }
      slots[i] = Self.tag(key.hash) | UInt64(e + 1)
    }
  }

  /// Sets `key`'s value; returns the previous one.
  @discardableResult
  mutating func updateValue(_ value: Value, forKey key: ShardKey) -> Value? {
    if (keys.count + 1) * 2 > slots.count { rebuild(capacity: Swift.max(keys.count + 1, keys.count * 2)) }
    let (slot, entry) = find(key)
    if let entry {
      let old = values[entry]
      values[entry] = value
      return old
    }
    slots[slot] = Self.tag(key.hash) | UInt64(keys.count + 1)
    keys.append(key)
    values.append(value)
    return nil
  }

  /// Adds `key` with `value` unless it is present; returns its entry and whether it was added
  /// (an existing value is left alone).
  mutating func insert(_ key: ShardKey, _ value: Value) -> (entry: Int, inserted: Bool) {
    if (keys.count + 1) * 2 > slots.count { rebuild(capacity: Swift.max(keys.count + 1, keys.count * 2)) }
    let (slot, entry) = find(key)
    if let entry { return (entry, false) }
    slots[slot] = Self.tag(key.hash) | UInt64(keys.count + 1)
    keys.append(key)
    values.append(value)
    return (keys.count - 1, true)
  }

  /// Changes the value of entry `e`.
  mutating func setValue(_ value: Value, atEntry e: Int) {
    values[e] = value
  }

  /// Deletes `key`; returns its value.
  @discardableResult
  mutating func removeValue(forKey key: ShardKey) -> Value? {
    guard !slots.isEmpty else { return nil }
    let (slot, found) = find(key)
    guard let entry = found else { return nil }
    let value = values[entry]
    let mask = slots.count - 1
    // Backward-shift deletion keeps every probe chain unbroken.
    var hole = slot
    var j = (slot + 1) & mask
    while slots[j] != 0 {
      let e = Int(truncatingIfNeeded: slots[j] & 0xFFFF_FFFF) - 1
      let k = home(keys[e].hash)
      let between = hole <= j ? (hole < k && k <= j) : (hole < k || k <= j)
      if !between {
        slots[hole] = slots[j]
        hole = j
      }
      j = (j + 1) & mask
    }
    slots[hole] = 0
    // Move the last entry into the freed position.
    let last = keys.count - 1
    if entry != last {
      let moved = keys[last]
      var i = home(moved.hash)
      while Int(truncatingIfNeeded: slots[i] & 0xFFFF_FFFF) - 1 != last { i = (i + 1) & mask }
      slots[i] = Self.tag(moved.hash) | UInt64(entry + 1)
      keys[entry] = moved
      values[entry] = values[last]
    }
    keys.removeLast()
    values.removeLast()
    return value
  }
}
