import DistLab

/// Whether a history could have come from one copy of the object, every operation taking
/// effect at one instant between its invocation and its completion.
public struct LinearizabilityVerdict: Sendable {
  public var linearizable: Bool
  public var model: LinearizabilityModel
  public var operations: Int
  /// Stopped by Ctrl-C or a time limit before an answer.
  public var interrupted = false
  /// When not linearizable: the key whose operations cannot be ordered (kv), the longest
  /// order the search found, and the operations of which none can come after it.
  public var key: String?
  public var longest: [HistoryOperation] = []
  public var stuck: [HistoryOperation] = []
}

/// Wing & Gong's search with Lowe's memoisation, as Porcupine and Knossos do it: walk the
/// invocations and completions in time order; at an invocation, try to take that operation
/// next (if the model allows what it returned) unless the same set of taken operations has
/// already been reached with the same state; at a completion whose operation has not been
/// taken, undo the last choice. The history is linearizable when every operation is taken.
/// A `kv` history is checked key by key (linearizability is compositional).
public enum LinearizabilityChecker {
  public static func check(_ history: History, model: LinearizabilityModel, cancel: () -> Bool = { false })
    -> LinearizabilityVerdict
  {
    var verdict = LinearizabilityVerdict(linearizable: true, model: model, operations: history.operations.count)
    var groups: [String: [HistoryOperation]] = [:]
    for op in history.operations { groups[model == .kv ? (op.key ?? "") : "", default: []].append(op) }
    for key in groups.keys.sorted() {
      guard let ops = groups[key] else { continue }
      var search = Search(ops, model: model)
      switch search.run(cancel: cancel) {
      case .linearizable: continue
      case .interrupted:
        verdict.interrupted = true
        verdict.linearizable = false
        return verdict
      case .not(let longest, let stuck):
        verdict.linearizable = false
        verdict.key = model == .kv ? key : nil
        verdict.longest = longest
        verdict.stuck = stuck
        return verdict
      }
    }
    return verdict
  }

  /// The search over one group of operations.
  struct Search {
    enum Outcome {
      case linearizable
      case interrupted
      case not(longest: [HistoryOperation], stuck: [HistoryOperation])
    }

    let ops: [HistoryOperation]
    let model: LinearizabilityModel
    /// Entries: each operation's invocation and completion, in time order, in a linked list
    /// (index 0 is the head).
    var next: [Int]
    var prev: [Int]
    var opOf: [Int]
    var isCall: [Bool]
    var partner: [Int]

    init(_ ops: [HistoryOperation], model: LinearizabilityModel) {
      self.ops = ops
      self.model = model
      var entries: [(time: Int, call: Bool, op: Int)] = []
      for (i, op) in ops.enumerated() {
        entries.append((op.invoke, true, i))
        entries.append((op.complete ?? Int.max, false, i))
      }
      entries.sort { ($0.time, $0.call ? 0 : 1, $0.op) < ($1.time, $1.call ? 0 : 1, $1.op) }
      let n = entries.count
      next = Array(0...n).map { $0 + 1 }
      next[n] = -1
      prev = Array(-1..<n)
      opOf = [-1] + entries.map(\.op)
      isCall = [false] + entries.map(\.call)
      partner = Array(repeating: 0, count: n + 1)
      var callAt = Array(repeating: 0, count: ops.count)
      var returnAt = Array(repeating: 0, count: ops.count)
      for (k, e) in entries.enumerated() {
        if e.call { callAt[e.op] = k + 1 } else { returnAt[e.op] = k + 1 }
      }
      for i in ops.indices {
        partner[callAt[i]] = returnAt[i]
        partner[returnAt[i]] = callAt[i]
      }
    }

    /// Takes an invocation and its completion out of the list.
    mutating func lift(_ e: Int) {
      for x in [e, partner[e]] {
        let p = prev[x]
        let n = next[x]
        next[p] = n
        if n >= 0 { prev[n] = p }
      }
    }

    /// Puts them back, in the reverse order.
    mutating func unlift(_ e: Int) {
      for x in [partner[e], e] {
        let p = prev[x]
        let n = next[x]
        next[p] = x
        if n >= 0 { prev[n] = x }
      }
    }

    struct Seen: Hashable {
      var taken: [UInt64]
      var state: Value
    }

    mutating func run(cancel: () -> Bool) -> Outcome {
      var taken = [UInt64](repeating: 0, count: (ops.count + 63) / 64)
      var state = Value.null
      var stack: [(entry: Int, state: Value)] = []
      var seen = Set<Seen>()
      var longest: [Int] = []
      // The depth below which `longest` still matches the stack: only what changed is copied.
      var same = 0
      var e = next[0]
      var steps = 0
      while next[0] >= 0 {
        steps += 1
        if steps & 0x3FFF == 0, cancel() { return .interrupted }
        if e < 0 { break }
        if isCall[e] {
          let op = opOf[e]
          if let after = model.step(state, ops[op]) {
            var t = taken
            t[op >> 6] |= 1 << UInt64(op & 63)
            if seen.insert(Seen(taken: t, state: after)).inserted {
              stack.append((e, state))
              state = after
              taken = t
              lift(e)
              if stack.count > longest.count {
                longest.removeSubrange(min(same, longest.count)...)
                longest += stack[min(same, stack.count)...].map { opOf[$0.entry] }
                same = stack.count
              }
              e = next[0]
              continue
            }
          }
          e = next[e]
        } else {
          guard let (last, before) = stack.popLast() else { return failure(longest) }
          same = min(same, stack.count)
          state = before
          let op = opOf[last]
          taken[op >> 6] &= ~(1 << UInt64(op & 63))
          unlift(last)
          e = next[last]
        }
      }
      return .linearizable
    }

    /// The longest order found, and the operations that could have come next after it:
    /// those invoked before the first completion among the rest.
    func failure(_ longest: [Int]) -> Outcome {
      let inOrder = Set(longest)
      let rest = ops.indices.filter { !inOrder.contains($0) }
      let firstCompletion = rest.compactMap { ops[$0].complete }.min() ?? Int.max
      let stuck = rest.filter { ops[$0].invoke < firstCompletion }.map { ops[$0] }
      return .not(longest: longest.map { ops[$0] }, stuck: stuck)
    }
  }
}
