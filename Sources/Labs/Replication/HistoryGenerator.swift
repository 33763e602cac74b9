import DistLab

/// Histories that are linearizable by construction: processes make random operations one at a
/// time, each taking effect at a random instant inside its interval, on one copy of the object.
/// For tests and `distlab bench`; `corrupt` makes one read report a value never written.
public enum HistoryGenerator {
  public static func linearizable(
    operations count: Int, processes: Int, keys: Int = 1, model: LinearizabilityModel, seed: UInt64,
    corrupt: Bool = false
  ) -> History {
    var rng = SeededRandom(seed: seed)
    struct Op {
      var process: Int
      var f: HistoryOperation.Function
      var key: String?
      var value: Value
      var expected: Value
      var start: Double
      var point: Double
      var end: Double
    }
    let functions: [HistoryOperation.Function] =
      switch model {
      case .register: [.read, .write]
      case .casRegister: [.read, .write, .cas]
      case .kv: [.get, .put, .append]
      }
    var free = Array(repeating: 0.0, count: max(1, processes))
    var ops: [Op] = []
    ops.reserveCapacity(count)
    for _ in 0..<count {
      let p = Int(rng.next() % UInt64(free.count))
      let start = free[p] + rng.unit()
      let end = start + rng.unit() * 3
      free[p] = end
      let f = functions[Int(rng.next() % UInt64(functions.count))]
      let key = model == .kv ? "k\(rng.next() % UInt64(max(1, keys)))" : nil
      let value: Value = f == .append ? .string(String(rng.next() % 10)) : .int(Int64(rng.next() % 5))
      ops.append(
        Op(
          process: p, f: f, key: key, value: value, expected: .int(Int64(rng.next() % 5)), start: start,
          point: start + (end - start) * rng.unit(), end: end))
    }
    // Apply at the linearization points, in order: what each read saw, which cas succeeded.
    var state: [String: Value] = [:]
    var failed = Set<Int>()
    for i in ops.indices.sorted(by: { ops[$0].point < ops[$1].point }) {
      let k = ops[i].key ?? ""
      let now = state[k] ?? .null
      switch ops[i].f {
      case .read, .get: ops[i].value = now
      case .cas:
        if now == ops[i].expected { state[k] = ops[i].value } else { failed.insert(i) }
      default:
        let probe = HistoryOperation(
          process: 0, function: ops[i].f, key: ops[i].key, value: ops[i].value, invoke: 0, complete: 0)
        state[k] = model.step(now, probe)
      }
    }
    if corrupt, let r = ops.indices.first(where: { [.read, .get].contains(ops[$0].f) && ops[$0].start > 10 }) {
      ops[r].value = .int(99)
    }
    var events: [(time: Double, op: Int, call: Bool)] = []
    for (i, o) in ops.enumerated() {
      events.append((o.start, i, true))
      events.append((o.end, i, false))
    }
    events.sort { ($0.time, $0.op) < ($1.time, $1.op) }
    var b = HistoryBuilder()
    for e in events {
      let o = ops[e.op]
      let type: HistoryBuilder.EventType = e.call ? .invoke : (failed.contains(e.op) ? .fail : .ok)
      // Events from a generator always pair up.
      try? b.add(process: o.process, type: type, function: o.f, key: o.key, value: o.value, expected: o.expected)
    }
    return b.build()
  }
}
