import DistLab
import DistLabReplication

/// The store's results as text.
struct StoreRenderer {
  let style: Style
  let view: WorldView

  func render(_ r: StoreResult) -> String {
    switch r {
    case .started(let nodes, let sync, let acks, let ship):
      let how =
        sync
        ? "synchronous: a write is answered once \(acks >= nodes.count - 1 ? "every replica" : "\(acks) replica\(acks == 1 ? "" : "s")") holds it"
        : "asynchronous: a write is answered at once and shipped every \(ship)"
      return "started the store: primary \(nodes.first?.name ?? "?"), replicas "
        + NodeSet.compact(nodes.dropFirst().map(\.name)) + "\n" + how
    case .put(let key, let value, let primary, let result):
      switch result {
      case .value(let v): return "\(key) = \(value) on \(view.name(primary)) (write \(v.first?.description ?? "?"))"
      case .error(let e): return style.error("\(key): refused by \(view.name(primary)): \(e)")
      case .timeout:
        return style.error("\(key): no answer from \(view.name(primary)) within 1s; it may or may not hold it")
      case .interrupted: return style.error("\(key): interrupted")
      }
    case .got(let key, let from, let value):
      guard let value else { return style.error("\(key): no answer from \(view.name(from)) within 1s") }
      return "\(key) = \(value) on \(view.name(from))"
    case .promoted(let node): return "\(view.name(node)) is the primary; every node was told (those that answered)"
    case .recorded(let h, let clients, let duration, let readAny, let quorum, let nemesis):
      let ops = h.operations
      let reads = ops.filter { $0.function == .get }.count
      let cas = ops.filter { $0.function == .cas }.count
      let open = ops.filter { $0.complete == nil }.count
      var line =
        "recorded \(ops.count) operations by \(clients) client\(clients == 1 ? "" : "s") over \(duration): \(reads) reads"
        + (quorum ? "" : readAny ? " (from any node)" : " (from the primary)") + ", \(ops.count - reads - cas) writes"
        + (cas > 0 ? ", \(cas) compare-and-sets" : "")
      if open > 0 { line += ", " + style.warn("\(open) timed out") }
      if h.failed > 0 { line += "\n" + style.warn("\(h.failed) more were refused and did nothing") }
      if quorum { line += "\nclients take the store nodes as coordinators: c1 through s1, c2 through s2, …" }
      if nemesis {
        line +=
          "\nnemesis: from \(Nanoseconds(duration.value / 3)) to \(Nanoseconds(duration.value / 3 * 2)),"
          + " a majority of the store nodes was cut from a minority,\neach client on its coordinator's side; then healed"
      }
      return line + "\n'check linearizable' checks the history"
    case .parts(let parts):
      var table = TextTable(["NODE", "PART", "APPLIED", "LAG"], rightAligned: [2])
      for (node, v) in parts {
        guard let v else {
          table.add([view.name(node), "no answer", "", ""])
          continue
        }
        var lag = ""
        if case .map(let entries)? = v["lag"] {
          lag = entries.map { e in
            "\(view.name(NodeID(Int(e.key.intValue ?? 0)))) \(e.value.intValue ?? 0) behind"
          }.joined(separator: ", ")
        }
        table.add([view.name(node), v["part"]?.stringValue ?? "?", v["applied"]?.description ?? "", lag])
      }
      return table.render(style: style)
    case .quorumStarted, .quorumPut, .quorumGot, .quorumParts:
      return QuorumRenderer(style: style, view: view).render(r)
    }
  }
}
