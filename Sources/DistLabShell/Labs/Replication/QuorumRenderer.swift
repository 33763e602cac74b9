import DistLab
import DistLabReplication

/// The quorum store's results as text.
struct QuorumRenderer {
  let style: Style
  let view: WorldView

  func render(_ r: StoreResult) -> String {
    switch r {
    case .quorumStarted(let nodes, let q): return started(nodes, q)
    case .quorumPut(let key, let value, let via, let write): return put(key, value, via, write)
    case .quorumGot(let key, let via, let read): return got(key, via, read)
    case .quorumParts(let parts, let dropped, let lost, let q): return status(parts, dropped: dropped, lost: lost, q)
    default: return ""
    }
  }

  func started(_ nodes: [NodeInfo], _ q: QuorumSettings) -> String {
    let plural = { (n: Int, word: String) in "\(n) \(word)\(n == 1 ? "" : "s")" }
    var lines = [
      "started a quorum store: \(NodeSet.compact(nodes.map(\.name))), each key on \(q.n) of them",
      "W=\(q.w): a write is answered once \(plural(q.w, "replica")) hold it; R=\(q.r): a read, once \(q.r) answer",
      q.r + q.w > q.n
        ? "R + W > N: every read quorum meets every write quorum"
        : style.warn("R + W ≤ N: a read may miss the latest write"),
      q.sloppy
        ? "sloppy quorums: other nodes stand in for unreachable replicas, and hand back"
        : "strict quorums: only a key's \(q.n) home replicas count; a side without \(max(q.w, q.r)) refuses",
      q.resolution == .lww
        ? "concurrent writes: last-writer-wins keeps the later timestamp, drops the other"
        : "concurrent writes: kept as siblings; a write after reading them replaces them",
    ]
    if let d = q.antiEntropy { lines.append("anti-entropy: every \(d) each node compares its keys with one peer") }
    return lines.joined(separator: "\n")
  }

  func put(_ key: String, _ value: Value, _ via: NodeID, _ write: QuorumWrite) -> String {
    switch write {
    case .acknowledged(let by):
      return
        "\(key) = \(value) through \(view.name(via)): acknowledged by \(by.map { view.name($0) }.joined(separator: ", "))"
    case .notSent(let f):
      return style.error("\(key): not sent, context read failed: \(failure(f, via))")
    case .failed(.error(let e)) where e.hasPrefix("timeout"):
      return style.error("\(key): \(view.name(via)) gave up (\(e)); copies made stay")
    case .failed(.error(let e)): return style.error("\(key): refused by \(view.name(via)): \(e)")
    case .failed(.timeout):
      return style.error("\(key): no answer from \(view.name(via)) within 2s; it may or may not hold it")
    }
  }

  func failure(_ f: CallFailure, _ via: NodeID) -> String {
    switch f {
    case .error(let e): e
    case .timeout: "no answer from \(view.name(via)) within 2s"
    }
  }

  func got(_ key: String, _ via: NodeID, _ read: Result<QuorumRead, CallFailure>) -> String {
    switch read {
    case .failure(.timeout): return style.error("\(key): no answer from \(view.name(via)) within 2s")
    case .failure(.error(let e)) where e.hasPrefix("timeout"):
      return style.error("\(key): \(view.name(via)) gave up: \(e)")
    case .failure(.error(let e)): return style.error("\(key): refused by \(view.name(via)): \(e)")
    case .success(let q):
      let answered = "answered: " + q.answered.map { view.name($0) }.joined(separator: ", ")
      let repaired =
        q.repairs == 0 ? "" : "\nread repair sent \(q.repairs) version\(q.repairs == 1 ? "" : "s") to stale replicas"
      switch q.values.count {
      case 0: return "\(key) = null through \(view.name(via)) (no replica holds it; \(answered))" + repaired
      case 1: return "\(key) = \(q.values[0]) through \(view.name(via)) (\(answered))" + repaired
      default:
        return style.warn("\(key) has \(q.values.count) siblings") + " through \(view.name(via)) (\(answered)):\n"
          + q.values.map { "  \($0)" }.joined(separator: "\n") + repaired
          + "\nthe next 'store put \(key) …' carries this read's context and replaces them"
      }
    }
  }

  func status(_ parts: [(NodeID, Value?)], dropped: Int, lost: Int, _ q: QuorumSettings) -> String {
    var table = TextTable(
      ["NODE", "KEYS", "SIBLINGS", "HINTS", "WRITES", "READS", "REPAIRS", "SYNCED", "HANDOFFS", "DROPPED"],
      rightAligned: Set(1...9))
    var refused: [String] = []
    for (node, p) in parts {
      guard let p else {
        table.add([view.name(node), "no answer", "", "", "", "", "", "", "", ""])
        continue
      }
      let c = p["counts"]
      func n(_ v: Value?) -> String { v?.intValue.map(String.init) ?? "?" }
      table.add([
        view.name(node), n(p["keys"]), n(p["siblings"]), n(p["hints"]), n(c?["written"]), n(c?["read"]),
        n(c?["read_repairs"]), n(c?["synced"]), n(c?["handed_off"]), String(p["lost"]?.listValue?.count ?? 0),
      ])
      let (no, late) = (c?["refused"]?.intValue ?? 0, c?["timed_out"]?.intValue ?? 0)
      if no + late > 0 { refused.append("\(view.name(node)) \(no) refused, \(late) timed out") }
    }
    var out = table.render(style: style)
    if !refused.isEmpty {
      out += "\n" + style.warn("coordinators that could not gather a quorum: ") + refused.joined(separator: "; ")
    }
    out +=
      "\nN=\(q.n) W=\(q.w) R=\(q.r), \(q.sloppy ? "sloppy" : "strict"), "
      + (q.resolution == .lww ? "last-writer-wins" : "siblings")
    if q.resolution == .lww {
      out += "\nacknowledged writes lost to last-writer-wins: " + (lost > 0 ? style.warn(String(lost)) : "0")
      if dropped > lost { out += " (of \(dropped) dropped)" }
    }
    return out
  }
}
