import DistLab
import DistLabSharding

/// `shard …` results as text: tables with bars, the movement report, the comparison.
struct ShardRenderer {
  let style: Style
  let view: WorldView

  func name(_ id: NodeID) -> String { view.name(id) }

  func render(_ r: ShardResult) -> String {
    switch r {
    case .using(let label, let nodes, let metadata, let cost):
      return
        "sharding by \(label) over \(NodeSet.compact(nodes.map(name)))\nmetadata: \(Messages.count(metadata.entries, metadata.unit)); a lookup costs \(cost.complexity) (\(cost.detail))"
    case .wrote(let w, let what):
      var line =
        "\(what): \(w.copiesWritten) cop\(w.copiesWritten == 1 ? "y" : "ies") written in \(w.messages) message\(w.messages == 1 ? "" : "s")"
      if w.failed > 0 { line += ", " + style.error("\(w.failed) not written (node down or cut off)") }
      return line
    case .read(let r): return read(r)
    case .located(let w): return located(w)
    case .stats(let label, let d, let h, let metadata):
      var lines = [distribution(d, title: ShardMapRenderer.shortLabel(label))]
      lines.append("metadata: \(Messages.count(metadata.entries, metadata.unit))")
      if h.underReplicated > 0 || h.unreachable > 0 { lines.append(health(h)) }
      return lines.joined(separator: "\n")
    case .changed(let c): return changed(c)
    case .map(let scheme, let d):
      return ShardMapRenderer.render(scheme: scheme, distribution: d, names: view.names, style: style)
    case .compared(let rows, let keys, let nodes): return compared(rows, keys: keys, nodes: nodes)
    case .checked(let c): return checked(c) + "\n" + health(c.health)
    case .repaired(let w, let before, let after):
      var lines = [checked(before)]
      lines.append(
        "repair wrote \(w.copiesWritten) cop\(w.copiesWritten == 1 ? "y" : "ies") in \(w.messages) messages"
          + (w.failed > 0 ? ", " + style.error("\(w.failed) not written (no answer)") : ""))
      lines.append("before: " + health(before.health))
      lines.append("after:  " + health(after))
      return lines.joined(separator: "\n")
    case .cleared(let n): return "deleted \(n) key\(n == 1 ? "" : "s") from the nodes; no scheme now"
    }
  }

  func health(_ h: ShardHealth) -> String {
    if h.factor == 1 {
      let lost =
        h.unreachable == 0
        ? "0 unreachable"
        : style.error("\(h.unreachable) unreachable") + " (their only copy was on a node that is down)"
      return "\(h.keys) keys, one copy each: \(h.healthy) readable, " + lost
    }
    var parts = ["\(h.keys) keys, \(h.factor) copies each: \(h.healthy) fully replicated"]
    parts.append(h.underReplicated == 0 ? "0 under-replicated" : style.warn("\(h.underReplicated) under-replicated"))
    parts.append(h.unreachable == 0 ? "0 unreachable" : style.error("\(h.unreachable) unreachable"))
    return parts.joined(separator: ", ")
  }

  /// Keys per node with bars and the balance figures.
  func distribution(_ d: ShardDistribution, title: String) -> String {
    var t = TextTable(["NODE", "KEYS", ""], rightAligned: [1])
    let top = max(1, d.max)
    for row in d.rows {
      let bar = Bars.bar(Double(row.keys) / Double(top), width: 30)
      let status = view.statuses[row.node] ?? .up
      let label = status == .up ? name(row.node) : name(row.node) + " " + style.error("(\(status.rawValue))")
      t.add([label, String(row.keys), row.keys == 0 ? style.warn("empty") : bar])
    }
    var lines = ["\(d.total) keys by \(title)", t.render(style: style)]
    lines.append(
      "max/mean \(fixed(d.maxOverMean, 3))  std dev \(fixed(d.standardDeviation, 1))  CV \(fixed(d.coefficientOfVariation, 3))  empty nodes \(d.emptyNodes.count)"
        + (d.unplaced > 0 ? "  unplaced \(d.unplaced)" : ""))
    return lines.joined(separator: "\n")
  }

  /// What asking the nodes found: who answered, who did not, what was missing.
  func checked(_ c: ShardCheck) -> String {
    var line = "asked the nodes in \(c.messages) message\(c.messages == 1 ? "" : "s")"
    if c.silent.isEmpty {
      line += ": all answered"
    } else {
      line += "; " + style.warn("no answer within 1s from \(NodeSet.compact(c.silent.map(name)))")
    }
    if c.lost > 0 { line += "; \(c.lost) cop\(c.lost == 1 ? "y" : "ies") missing (emptied by a restart)" }
    return line
  }

  /// A read: the copies, and when more than one was asked, each answer (or silence) in turn.
  func read(_ r: ShardReadOutcome) -> String {
    if r.copies.isEmpty { return "\(r.key): not in the lab (no copy was ever written)" }
    let copies = "copies: " + r.copies.map(name).joined(separator: ", ")
    // One answer: one line. Several copies asked: a second line tells each answer or silence.
    var facts = ""
    var steps = ""
    if r.attempts.count == 1, let a = r.attempts.first {
      facts = "  " + style.dim("(\(copies); round trip \(a.waited))")
    } else {
      let each = r.attempts.map { a -> String in
        switch a.result {
        case .value: return "\(name(a.node)) (answered in \(a.waited))"
        case .missing: return "\(name(a.node)) (has no copy)"
        case .noAnswer: return "\(name(a.node)) (no answer within \(a.waited))"
        case .failed(let e): return "\(name(a.node)) (refused: \(e))"
        }
      }
      steps = "\n  " + style.dim("asked \(each.joined(separator: ", then ")): \(r.took) in all")
    }
    guard let served = r.servedBy, let value = r.value else {
      return "\(r.key): " + style.error("unreachable") + ", no copy answered" + facts + steps
    }
    let via = served == r.owner ? "" : " (the owner is \(r.owner.map(name) ?? "?"); read a replica)"
    return "\(r.key) = \(value) from \(name(served))\(via)" + facts + steps
  }

  func located(_ w: ShardWhere) -> String {
    let e = w.explanation
    var lines = [
      "key \(e.key)  hash 0x\(hex(e.hash))  " + (e.key.isRaw ? "(raw: the key is its own hash)" : "(xxHash64)")
    ]
    lines.append(step(e.step))
    if e.replicas.count > 1 {
      let zones = e.replicaZones.map { $0.map { " [\($0)]" } ?? "" }
      lines.append(
        "replicas: "
          + zip(e.replicas, zones + Array(repeating: "", count: max(0, e.replicas.count - zones.count))).map {
            name($0) + $1
          }.joined(separator: ", "))
    }
    if w.known {
      let copies = zip(w.copies, w.live).map { c, live in name(c.node) + (live ? "" : style.error(" (lost)")) }
      lines.append("copies written: " + copies.joined(separator: ", "))
    } else {
      lines.append(style.dim("not stored yet: 'shard put \(e.key)' writes it there"))
    }
    return lines.joined(separator: "\n")
  }

  /// The scheme's own reasoning for one key.
  func step(_ s: ShardStep) -> String {
    switch s {
    case .modN(let m):
      return
        "mod-N: hash mod \(m.nodeCount) = \(m.index) → the node in place \(m.index) of the list (change N and almost every key moves)"
    case .jump(let j):
      let path = j.path.map(String.init).joined(separator: " → ")
      return "jump: hash into \(j.buckets) buckets = bucket \(j.bucket) (jumps \(path))"
    case .range(let r):
      return
        "range #\(r.rangeIndex + 1) of \(r.rangeCount): [\(r.lower.map(\.description) ?? "−∞"), \(r.upper.map(\.description) ?? "+∞")) holding \(r.keysInRange) keys"
    case .ring(let r):
      return
        "ring position 0x\(hex(r.position)) → next point clockwise 0x\(hex(r.successor.position)) (\(name(r.successor.node)) #\(r.successor.virtualNode))"
        + (r.wrapped ? ", wrapping past the top of the ring" : "") + " among \(r.pointCount) points"
    case .chunk(let c):
      guard let row = c.row, let offset = c.offset else {
        return "chunks: no record of this key in the file (the chunk table only knows appended records)"
      }
      return
        "chunks: byte \(offset) of the file, block \(row.block) (offset \(c.offsetInBlock ?? 0) in a \(ByteCount.format(Int(c.blockSize))) block) → \(name(row.node)) per the chunk table"
    case .directory(let d):
      guard let row = d.row else { return "directory: no row for this key among \(d.rowCount): placing it writes one" }
      return "directory: row \(row.key) → \(name(row.node)) (one of \(d.rowCount) rows that must be kept)"
    case .rendezvous(let r):
      let top = r.weights.sorted { ($0.weight, $1.node) > ($1.weight, $0.node) }.prefix(3)
      return "rendezvous: highest weight wins: "
        + top.map { "\(name($0.node)) 0x\(hex($0.weight))" }.joined(separator: " > ")
    case .maglev(let m):
      return
        "maglev: hash mod \(m.tableSize) = slot \(m.slot) of the lookup table (offset \(m.permutation.offset), skip \(m.permutation.skip))"
    case .bounded(let b):
      let walk = b.visited.map { "\(name($0.node)) (\($0.load))" }.joined(separator: " → ")
      return "bounded loads: capacity \(b.capacity) keys per node; walking clockwise: \(walk)"
    }
  }

  func changed(_ c: ShardChangeOutcome) -> String {
    let r = c.report
    let verb: String
    switch r.change {
    case .added(let n): verb = "\(name(n)) joined"
    case .removed(let n): verb = "\(name(n)) left"
    }
    var lines = [
      "\(verb): \(r.movement.moved) of \(r.movement.total) keys moved (\(Percent.format(round3(r.movement.fraction)))); \(fairShare(r))",
      "\(c.copiesMoved) cop\(c.copiesMoved == 1 ? "y" : "ies") sent, \(ByteCount.format(c.bytesMoved)) moved in \(c.messages) messages"
        + (c.lost > 0 ? ", " + style.error("\(c.lost) keys lost (no live copy)") : ""),
    ]
    let flows = r.movement.flows.sorted { ($0.keys, $1.from, $1.to) > ($1.keys, $0.from, $0.to) }
    if !flows.isEmpty {
      lines.append(
        "moves: " + flows.prefix(8).map { "\(name($0.from))→\(name($0.to)) \($0.keys)" }.joined(separator: ", ")
          + (flows.count > 8 ? ", …" : ""))
    }
    lines.append(distribution(r.after, title: "the scheme now"))
    return lines.joined(separator: "\n")
  }

  /// What a fair scheme would move: the newcomer's fair share, or the leaver's keys.
  func fairShare(_ r: NodeChangeReport) -> String {
    switch r.change {
    case .added: return "the newcomer's fair share is \(Percent.format(round3(r.idealFraction)))"
    case .removed: return "the leaving node held \(Percent.format(round3(r.idealFraction)))"
    }
  }

  /// Every scheme side by side. Fits 116 columns when the width is not known (settings cut to
  /// 24 columns, so a lesson can show it indented on a 120-column page); on a narrower terminal the schemes are named by kind alone, and the
  /// metadata column goes when it still does not fit.
  func compared(_ rows: [ShardComparisonRow], keys: Int, nodes: Int) -> String {
    let columns = style.columns ?? 120
    let narrow = columns < 100
    func table(metadata: Bool) -> String {
      var t = TextTable(
        ["SCHEME", "MAX/MEAN", "CV", "MOVED +1 NODE", "MOVED −1 NODE", "LOOKUP"] + (metadata ? ["METADATA"] : []),
        rightAligned: [1, 2, 3, 4])
      for r in rows {
        let full = ShardMapRenderer.shortLabel(r.label).replacingOccurrences(of: "block=134217728", with: "block=128MB")
        t.add(
          [
            narrow ? r.kind.rawValue : TextWidth.cut(full, to: 24),
            fixed(r.maxOverMean, 3), fixed(r.coefficientOfVariation, 3), Percent.format(round3(r.movedOnAdd)),
            r.movedOnRemove.map { Percent.format(round3($0)) } ?? "-", r.lookupCost.complexity,
          ] + (metadata ? [Messages.count(r.metadata.entries, r.metadata.unit)] : []))
      }
      return t.render(style: style)
    }
    var rendered = table(metadata: true)
    if rendered.split(separator: "\n").contains(where: { TextWidth.of(String($0)) > columns }) {
      rendered = table(metadata: false)
    }
    return
      "\(keys) keys on \(nodes) nodes; a newcomer's fair share is \(Percent.format(round3(1 / Double(nodes + 1)))), a leaving node's \(Percent.format(round3(1 / Double(nodes))))\n"
      + rendered
  }

  func fixed(_ v: Double, _ digits: Int) -> String {
    guard v.isFinite else { return "-" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let r = (v * scale).rounded() / scale
    var s = String(r)
    if let dot = s.firstIndex(of: ".") {
      let decimals = s.distance(from: dot, to: s.endIndex) - 1
      if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
    } else {
      s += "." + String(repeating: "0", count: digits)
    }
    return s
  }

  func round3(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }

  func hex(_ v: UInt64) -> String {
    let h = String(v, radix: 16)
    return String(repeating: "0", count: max(0, 16 - h.count)) + h
  }
}

/// Byte counts in units: `512B`, `64KB`, `1.5MB`.
enum ByteCount {
  static func format(_ n: Int) -> String {
    let units: [(Double, String)] = [(1_099_511_627_776, "TB"), (1_073_741_824, "GB"), (1_048_576, "MB"), (1024, "KB")]
    for (scale, unit) in units where Double(n) >= scale {
      let v = (Double(n) / scale * 10).rounded() / 10
      return (v == v.rounded() ? String(Int(v)) : String(v)) + unit
    }
    return "\(n)B"
  }
}
