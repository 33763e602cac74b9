import DistLab

/// One version of a key in the quorum store, as Dynamo keeps it: the value, its version vector
/// (how many writes each coordinator had made to the key by the time it wrote this one), and the
/// coordinator's timestamp, which last-writer-wins compares. A write is known by its coordinator
/// and that coordinator's count in the vector.
public struct Version: Hashable, Sendable {
  public var value: Value
  /// Coordinator node number → its count of writes to this key.
  public var clock: [Int: Int]
  /// The coordinator's clock when it wrote, in nanoseconds.
  public var stamp: Int64
  public var coordinator: Int

  public init(value: Value, clock: [Int: Int], stamp: Int64, coordinator: Int) {
    self.value = value
    self.clock = clock
    self.stamp = stamp
    self.coordinator = coordinator
  }

  /// The write this version is: its coordinator and that coordinator's count.
  public var write: WriteID { WriteID(coordinator: coordinator, count: clock[coordinator] ?? 0) }

  /// Whether this version has seen every write `other` has (so `other` is its past, or itself).
  public func descends(from other: Version) -> Bool {
    other.clock.allSatisfy { (clock[$0.key] ?? 0) >= $0.value }
  }

  /// Last-writer-wins order: the later stamp, then the higher coordinator.
  func newer(than other: Version) -> Bool { (stamp, coordinator) > (other.stamp, other.coordinator) }

  /// On the wire and on disk: `[value, stamp, coordinator, [node, count, node, count, …]]`,
  /// read by position (versions travel with every request, so no field names).
  var encoded: Value {
    var flat: [Value] = []
    flat.reserveCapacity(clock.count * 2)
    for k in clock.keys.sorted() { flat += [.int(Int64(k)), .int(Int64(clock[k]!))] }
    return .list([value, .int(stamp), .int(Int64(coordinator)), .list(flat)])
  }

  init?(_ v: Value) {
    guard case .list(let f) = v, f.count == 4, let t = f[1].intValue, let n = f[2].intValue,
      case .list(let flat) = f[3], flat.count % 2 == 0
    else { return nil }
    var clock: [Int: Int] = [:]
    clock.reserveCapacity(flat.count / 2)
    for i in stride(from: 0, to: flat.count, by: 2) {
      guard let k = flat[i].intValue, let c = flat[i + 1].intValue else { return nil }
      clock[Int(k)] = Int(c)
    }
    self.init(value: f[0], clock: clock, stamp: t, coordinator: Int(n))
  }

  /// A version vector as a map from node number to count, in node order.
  public static func encode(_ clock: [Int: Int]) -> Value {
    .map(clock.keys.sorted().map { MapEntry(.int(Int64($0)), .int(Int64(clock[$0]!))) })
  }

  /// A version vector read back from `encode`'s form; nil when it is not one.
  public static func clock(_ v: Value) -> [Int: Int]? {
    guard case .map(let entries) = v else { return nil }
    var clock: [Int: Int] = [:]
    for e in entries {
      guard let k = e.key.intValue, let c = e.value.intValue else { return nil }
      clock[Int(k)] = Int(c)
    }
    return clock
  }

  static func merged(_ clocks: [[Int: Int]]) -> [Int: Int] {
    clocks.reduce(into: [:]) { m, c in m.merge(c) { max($0, $1) } }
  }
}

/// A write, named by its coordinator's node number and that coordinator's count.
public struct WriteID: Hashable, Sendable, Comparable {
  public var coordinator: Int
  public var count: Int
  public static func < (a: WriteID, b: WriteID) -> Bool { (a.coordinator, a.count) < (b.coordinator, b.count) }

  var encoded: Value { .list([.int(Int64(coordinator)), .int(Int64(count))]) }
  init(coordinator: Int, count: Int) {
    self.coordinator = coordinator
    self.count = count
  }
  /// The disk key a coordinator keeps an acknowledged write under.
  var diskKey: String { "a:\(coordinator):\(count)" }
  init?(diskKey: String) {
    let parts = diskKey.split(separator: ":")
    guard parts.count == 3, parts[0] == "a", let n = Int(parts[1]), let c = Int(parts[2]) else { return nil }
    self.init(coordinator: n, count: c)
  }

  init?(_ v: Value) {
    guard let l = v.listValue, l.count == 2, let n = l[0].intValue, let c = l[1].intValue else { return nil }
    self.init(coordinator: Int(n), count: Int(c))
  }
}

/// How the quorum store settles versions that neither descends from: last-writer-wins keeps the
/// one with the later stamp and drops the other (a write silently lost); siblings keeps both and
/// shows them to the reader, whose next write (which has seen them) replaces them.
public enum Resolution: String, Sendable, CaseIterable {
  case lww
  case siblings
}

/// What merging one version into a key's versions did.
struct Merge: Equatable {
  var versions: [Version]
  /// Whether the key's versions changed.
  var changed: Bool
  /// Writes last-writer-wins dropped although the winner had not seen them.
  var lost: [WriteID]
}

extension Resolution {
  /// Merges `incoming` into `current` (an antichain: no version descends from another).
  func merge(_ incoming: Version, into current: [Version]) -> Merge {
    if current.contains(where: { $0.descends(from: incoming) }) {
      return Merge(versions: current, changed: false, lost: [])
    }
    let concurrent = current.filter { !incoming.descends(from: $0) }
    switch self {
    case .siblings:
      return Merge(versions: concurrent + [incoming], changed: true, lost: [])
    case .lww:
      let all = concurrent + [incoming]
      let winner = all.reduce(all[0]) { $1.newer(than: $0) ? $1 : $0 }
      let lost = all.filter { $0 != winner }.map(\.write)
      return Merge(versions: [winner], changed: winner == incoming, lost: lost)
    }
  }

  /// Merges every version of `incoming` into `current`.
  func merge(_ incoming: [Version], into current: [Version]) -> Merge {
    var result = Merge(versions: current, changed: false, lost: [])
    for v in incoming {
      let m = merge(v, into: result.versions)
      result.versions = m.versions
      result.changed = result.changed || m.changed
      result.lost += m.lost
    }
    return result
  }
}
