import DistLab
import Foundation

/// `nodes`: one row per node; for a single node also its recent messages and keys.
struct NodeTableRenderer {
  let style: Style

  func render(_ rows: [NodeRow]) -> String {
    guard !rows.isEmpty else { return "no nodes yet (try 'spawn 3')" }
    var seen = Set<String>()
    let metrics = rows.flatMap(\.metrics).filter { seen.insert($0).inserted }
    // Process mode: each node's process id, or that it ended behind the world's back, in a
    // column as wide as Linux's largest process id, so the table keeps its shape from run to run.
    let pids = rows.contains { $0.location != nil }
    var t = TextTable(
      ["NODE", "STATUS", "ROLES", "REGION", "INC"] + metrics.map { $0.uppercased() } + (pids ? ["    PID"] : []),
      rightAligned: Set(4..<(5 + metrics.count + (pids ? 1 : 0))))
    for r in rows {
      let status: String =
        switch r.info.status {
        case .up: style.ok("up")
        case .down: style.error("down")
        case .paused: style.warn("paused")
        }
      let roles = r.info.roles.isEmpty ? "-" : r.info.roles.joined(separator: ",")
      let numbers = metrics.map { name in r.summary?.metric(name).map(Self.number) ?? "-" }
      t.add([r.info.name, status, roles, r.info.region ?? "-", String(r.info.incarnation)] + numbers + pid(r))
    }
    var out = t.render(style: style)
    // Too many roles' numbers for the terminal: each node's own numbers on a line under it.
    if let columns = style.columns, out.split(separator: "\n").contains(where: { TextWidth.of(String($0)) > columns }) {
      out = narrow(rows, columns: columns)
    }
    if rows.count == 1, let l = rows[0].location {
      let who = l.pid.map { "process \($0)" } ?? "a process started elsewhere"
      out += "\n\(who), listening on \(l.address)" + (l.exited ? style.error(" — it has exited") : "")
    }
    if rows.count == 1, let s = rows[0].summary {
      if !s.lastMessages.isEmpty {
        out += "\nlast messages: " + s.lastMessages.suffix(10).joined(separator: ", ")
      }
      if !s.data.isEmpty {
        out +=
          "\nkeys: "
          + s.data.keys.sorted().prefix(20).map { "\($0)=\(s.data[$0] ?? Value.null)" }.joined(separator: ", ")
      }
    }
    return out
  }

  /// The PID column's cell, when the table has one: the child's id, `remote` for a node
  /// started elsewhere, `exited` for a child gone behind the world's back.
  func pid(_ r: NodeRow) -> [String] {
    guard let l = r.location else { return [] }
    if l.exited { return [style.error("exited")] }
    return [l.pid.map(String.init) ?? (r.info.status == .down ? "-" : "remote")]
  }

  /// The table without metric columns, and under each node the numbers its role reports.
  func narrow(_ rows: [NodeRow], columns: Int) -> String {
    var t = TextTable(["NODE", "STATUS", "ROLES", "REGION", "INC"], rightAligned: [4])
    var lines: [[String]] = []
    for r in rows {
      let status: String =
        switch r.info.status {
        case .up: style.ok("up")
        case .down: style.error("down")
        case .paused: style.warn("paused")
        }
      t.add([
        r.info.name, status, r.info.roles.isEmpty ? "-" : r.info.roles.joined(separator: ","), r.info.region ?? "-",
        String(r.info.incarnation),
      ])
      lines.append((r.summary?.metrics ?? []).map { "\($0.0) \(Self.number($0.1))" })
    }
    let table = t.render(style: style).split(separator: "\n").map(String.init)
    var out = [table[0]]
    for (k, row) in table.dropFirst().enumerated() {
      out.append(row)
      guard k < lines.count, !lines[k].isEmpty else { continue }
      // The numbers, wrapped to the terminal, indented under the node.
      var line = "  "
      for item in lines[k] {
        if line.count > 2 && TextWidth.of(line) + 3 + TextWidth.of(item) > columns {
          out.append(style.dim(line))
          line = "  "
        }
        line += (line.count > 2 ? " · " : "") + item
      }
      out.append(style.dim(line))
    }
    return out.joined(separator: "\n")
  }

  /// A metric as the table shows it: whole numbers without a decimal point.
  static func number(_ v: Double) -> String {
    v.isFinite && v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.3g", v)
  }
}

/// `net`: the network's settings in a few lines.
struct NetworkRenderer {
  let style: Style

  func render(_ v: NetworkView) -> String {
    v.regionsOnly ? regions(v) : settings(v)
  }

  /// Every region with its place on the globe and the nodes living there.
  func regions(_ v: NetworkView) -> String {
    let c = v.config
    var t = TextTable(["REGION", "PLACE", "LATITUDE", "LONGITUDE", "NODES"], rightAligned: [2, 3])
    for r in c.regions.values.sorted(by: { $0.name < $1.name }) {
      let nodes = c.placement.filter { $0.value == r.name }.keys.sorted().map { v.names[$0] ?? $0.description }
      t.add([
        r.name, r.label.isEmpty ? "-" : r.label, String(r.latitude), String(r.longitude),
        nodes.isEmpty ? "-" : NodeSet.compact(nodes),
      ])
    }
    var lines = [t.render(style: style)]
    for (pair, km) in c.distances.sorted(by: { $0.key.sorted().joined() < $1.key.sorted().joined() }) {
      lines.append("distance \(pair.sorted().joined(separator: " ↔ ")): \(Int(km.rounded()))km (fixed)")
    }
    lines += distances(v)
    lines.append("Light in fibre covers 200,000 km/s: 1,000 km cost at least 5ms one way.")
    return lines.joined(separator: "\n")
  }

  /// The distance and light's one-way floor between every two regions in use.
  func distances(_ v: NetworkView) -> [String] {
    let c = v.config
    let placed = Dictionary(grouping: c.placement.keys, by: { c.placement[$0] ?? "" })
    let used = placed.keys.sorted()
    guard !used.isEmpty else { return [] }
    var t = TextTable(["REGION", "NODES"] + used, rightAligned: Set(2..<(2 + used.count)))
    for r in used {
      let dists = used.map { other -> String in
        guard let km = c.distanceKm(regions: r, other) else { return "?" }
        return r == other ? "-" : "\(Int(km.rounded()))km \(Region.lightFloor(km: km))"
      }
      t.add([r, NodeSet.compact((placed[r] ?? []).sorted().map { v.names[$0] ?? $0.description })] + dists)
    }
    let matrix = t.render(style: style)
    let title = "regions in use (distance, and light's one-way floor at 200,000 km/s):"
    guard let columns = style.columns,
      matrix.split(separator: "\n").contains(where: { TextWidth.of(String($0)) > columns })
    else { return ["", title, matrix] }
    // Too wide for the terminal: the same figures as a list of pairs.
    var list: [String] = []
    for r in used {
      list.append("  \(r): \(NodeSet.compact((placed[r] ?? []).sorted().map { v.names[$0] ?? $0.description }))")
    }
    for (i, a) in used.enumerated() {
      for b in used[(i + 1)...] {
        guard let km = c.distanceKm(regions: a, b) else { continue }
        list.append("  \(a) ↔ \(b): \(Int(km.rounded()))km, \(Region.lightFloor(km: km))")
      }
    }
    return ["", title] + list
  }

  func settings(_ v: NetworkView) -> String {
    let c = v.config
    func n(_ id: NodeID) -> String { v.names[id] ?? id.description }
    var lines = [
      "latency      \(c.latency)",
      "loss         \(Percent.format(c.loss))",
      "duplication  \(Percent.format(c.duplication))",
    ]
    for (link, model) in c.linkLatency.sorted(by: { ($0.key.a, $0.key.b) < ($1.key.a, $1.key.b) }) {
      lines.append("latency      \(n(link.a)) ↔ \(n(link.b)): \(model)")
    }
    for (link, p) in c.linkLoss.sorted(by: { ($0.key.a, $0.key.b) < ($1.key.a, $1.key.b) }) {
      lines.append("loss         \(n(link.a)) ↔ \(n(link.b)): \(Percent.format(p))")
    }
    for groups in c.partitions {
      let text = groups.map { $0.sorted().map(n).joined(separator: ",") }.joined(separator: " | ")
      lines.append("partition    " + style.error(text))
    }
    for cut in c.cuts.sorted(by: { ($0.from, $0.to) < ($1.from, $1.to) }) {
      lines.append("cut          " + style.error("\(n(cut.from)) → \(n(cut.to))"))
    }
    if c.partitions.isEmpty && c.cuts.isEmpty { lines.append("faults       none") }
    lines += distances(v)
    let inUse = Set(c.placement.values)
    let unused = c.regions.keys.filter { !inUse.contains($0) }.sorted()
    if !unused.isEmpty { lines.append("other regions: " + unused.joined(separator: ", ")) }
    return lines.joined(separator: "\n")
  }
}

/// `stats`: totals and latency percentiles.
struct StatsRenderer {
  let style: Style

  func render(_ v: StatsView) -> String {
    let s = v.stats
    var t = TextTable(["", "COUNT", "SHARE"], rightAligned: [1, 2])
    func share(_ n: Int) -> String {
      s.sent == 0 ? "-" : Percent.format((Double(n) / Double(s.sent) * 1000).rounded() / 1000)
    }
    t.add(["sent", String(s.sent), s.sent == 0 ? "-" : "100%"])
    t.add(["delivered", String(s.delivered), share(s.delivered)])
    t.add(["dropped", String(s.dropped), share(s.dropped)])
    for (reason, n) in s.droppedBy.map({ (Messages.text($0.key), $0.value) }).sorted(by: { $0.0 < $1.0 }) {
      t.add(["  \(reason)", String(n), share(n)])
    }
    t.add(["duplicated", String(s.duplicated), share(s.duplicated)])
    var lines = [t.render(style: style)]
    if let p50 = s.latencyPercentile(0.5), let p90 = s.latencyPercentile(0.9), let p99 = s.latencyPercentile(0.99),
      let max = s.latencyPercentile(1)
    {
      lines.append("latency  p50 \(p50)  p90 \(p90)  p99 \(p99)  max \(max)")
    } else {
      lines.append("latency  no deliveries yet")
    }
    for r in v.roles {
      let numbers = r.metrics.map { "\($0.0) \(NodeTableRenderer.number($0.1))" }.joined(separator: "  ")
      lines.append("\(r.role) (\(r.nodes) up)  " + numbers)
    }
    return lines.joined(separator: "\n")
  }
}

/// `trace`: the sequence diagram, or one line per event with --list.
struct TraceRenderer {
  let style: Style
  /// The most a drawn diagram may hold; one event a line is at most about 100 bytes an event.
  static let diagramBytes = 8 << 20

  func render(_ v: TraceView) -> String {
    guard !v.events.isEmpty else { return "(no events)" }
    var out: String
    if v.asList {
      out = v.events.indices.map { line(v)(v.events[$0], v.gutters?[$0]) }.joined(separator: "\n")
    } else {
      let bounds = SequenceDiagram.Bounds(lineWidth: style.columns, bytes: Self.diagramBytes)
      if let diagram = SequenceDiagram.render(
        events: v.events, columns: v.columns, names: v.names, style: style, width: style.columns ?? 100,
        within: bounds, gutters: v.gutters)
      {
        out = diagram
      } else {
        // Too many lanes for the terminal, or too large a picture: the same events, one a line.
        let why =
          style.columns.map { "\(v.columns.count) lanes do not fit \($0) columns" }
          ?? "\(v.columns.count) lanes over \(v.events.count) events are too large to draw"
        out =
          style.dim("(\(why): one event a line; --nodes picks lanes)")
          + "\n" + v.events.indices.map { line(v)(v.events[$0], v.gutters?[$0]) }.joined(separator: "\n")
      }
    }
    if v.omitted > 0 {
      out +=
        "\n"
        + style.dim("(\(v.omitted) earlier event\(v.omitted == 1 ? "" : "s") not shown; trace --last N shows more)")
    }
    return out
  }

  func line(_ v: TraceView) -> (TraceEvent, String?) -> String {
    { e, gutter in
      func n(_ id: NodeID) -> String { v.names[id] ?? id.description }
      var parts = [
        (gutter ?? e.time.clockReading).leftPadded(9),
        e.kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0),
      ]
      switch e.kind {
      case .send, .duplicate: parts.append("\(n(e.node)) → \(e.peer.map(n) ?? "?")")
      case .deliver: parts.append("\(e.peer.map(n) ?? "?") → \(n(e.node))")
      case .drop: parts.append("\(e.peer.map(n) ?? "?") ✗ \(n(e.node))")
      default: parts.append(n(e.node))
      }
      if let id = e.messageID { parts.append("m\(id)") }
      if let label = e.messageLabel { parts.append(label) }
      if let l = e.latency { parts.append("after \(l)") }
      let detail = Messages.text(e.detail)
      if !detail.isEmpty { parts.append(e.kind == .drop ? "(\(detail))" : detail) }
      return parts.joined(separator: " ").trimmingTrailingSpace
    }
  }
}

extension String {
  func leftPadded(_ width: Int) -> String {
    String(repeating: " ", count: max(0, width - count)) + self
  }
}

/// `help` and `help CMD`.
struct HelpRenderer {
  let style: Style

  /// The width help keeps to: the terminal's, at most 100, and 80 when there is none.
  var columns: Int { min(100, style.columns ?? 80) }

  /// `  TERM  summary`, the summaries in a column `width` wide from the left margin; a term
  /// too long for the column gets its summary on the next line, and a summary too long for
  /// the line wraps under itself.
  func entry(_ term: String, width: Int, _ summary: String) -> [String] {
    let indent = width + 4
    var lines: [String] = []
    var first = "  " + term
    if term.count > width {
      lines.append(first)
      first = String(repeating: " ", count: indent)
    } else {
      first += String(repeating: " ", count: indent - 2 - term.count)
    }
    var line = first
    var empty = true
    for word in summary.split(separator: " ") {
      if !empty && TextWidth.of(line) + 1 + TextWidth.of(String(word)) > columns {
        lines.append(line)
        line = String(repeating: " ", count: indent)
        empty = true
      }
      line += (empty ? "" : " ") + word
      empty = false
    }
    lines.append(line)
    return lines
  }

  /// Help text as paragraphs wrapped to the help's width: consecutive lines of `details`
  /// are one paragraph, and an empty line starts the next.
  func paragraphs(_ details: [String]) -> [String] {
    var out: [String] = []
    var paragraph: [String] = []
    func flush() {
      guard !paragraph.isEmpty else { return }
      var line = ""
      for word in paragraph.joined(separator: " ").split(separator: " ") {
        if !line.isEmpty && TextWidth.of(line) + 1 + TextWidth.of(String(word)) > columns {
          out.append(line)
          line = ""
        }
        line += (line.isEmpty ? "" : " ") + word
      }
      out.append(line)
      paragraph = []
    }
    for d in details {
      if d.isEmpty { flush() } else { paragraph.append(d) }
    }
    flush()
    return out
  }

  func render(_ h: HelpView) -> String {
    switch h {
    case .overview(let specs):
      var lines: [String] = []
      let width = specs.map(\.name.count).max() ?? 8
      for family in CommandSpec.Family.allCases {
        let inFamily = specs.filter { $0.family == family }
        guard !inFamily.isEmpty else { continue }
        if !lines.isEmpty { lines.append("") }
        lines.append(style.bold(family.rawValue))
        for s in inFamily {
          lines += entry(s.name, width: width, s.summary)
        }
      }
      lines.append("")
      lines.append("Type 'help COMMAND' for its usage and an example. Comments start with #.")
      lines.append("Durations: 250ms 2s 1m. Ratios: 0.1 or 10%. Node sets: n1  n1,n3  n1..n5  all.")
      return lines.joined(separator: "\n")
    case .command(let s):
      var lines = ["usage: \(s.usage)", ""] + paragraphs([s.summary])
      if !s.details.isEmpty { lines += [""] + paragraphs(s.details) }
      if !s.subcommands.isEmpty {
        lines.append("")
        let width = min(36, s.subcommands.map(\.usage.count).max() ?? 0)
        for sub in s.subcommands {
          lines += entry(sub.usage, width: width, sub.summary)
        }
      }
      if !s.flags.isEmpty {
        lines.append("")
        let width = min(30, s.flags.map { ($0.name + " " + $0.placeholder).count }.max() ?? 0)
        for f in s.flags {
          lines += entry(f.name + " " + f.placeholder, width: width, f.help)
        }
      }
      if !s.example.isEmpty {
        lines.append("")
        lines.append("example:")
        lines += s.example.map { "  distlab> " + $0 }
      }
      return lines.map(\.trimmingTrailingSpace).joined(separator: "\n")
    }
  }
}
