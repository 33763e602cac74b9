import DistLab

/// Draws trace events as a message sequence diagram: one column per node, one row per event.
///
/// ```
///        cli          n1          n2
/// 0.000s  ├────────────✗          │   m2 hello dropped: loss
/// 0.002s  ├──────────▶│           │   m1 add(10, 20) 2ms
/// 0.002s  │           •           │   n1 exec add rpc#1
/// 0.003s  │◀──────────┤           │   m3 reply 30 1ms
/// 0.004s  │           │           ✗   n2 killed
/// 0.006s  ├────────────✗          ┊   m4 ping dropped: node down
/// ```
///
/// - The left gutter holds each row's virtual time (`Nanoseconds.clockReading`), right-aligned.
/// - A delivery is an arrow from the sender's lifeline (`├` or `┤`) to the receiver's, with its
///   head (`▶` or `◀`) against the receiver's lifeline; lifelines in between are crossed with `─`.
///   A delivery or drop of a message that was already delivered or dropped is marked `(dup)`.
/// - A drop stops at `✗` halfway to the receiver (one cell further when halfway is a lifeline).
///   As in the trace, a drop's `peer` sent the message and its `node` should have received it.
/// - Sends and duplicates draw no row, except a send whose message is neither delivered nor
///   dropped among `events`: it ends in `…` halfway, labelled `in flight`.
/// - Node events are marks on the lifeline (`✗` kill, `↻` restart, `⏸` pause, `▶` resume,
///   `●` spawn, `•` exec, dedup, timer and note); a killed node's lifeline is dotted (`┊`)
///   until it restarts or is spawned again.
/// - Events whose node or peer is not a column are skipped.
/// - Columns are 8 to 12 cells apart (wider when names are long), as wide as keeps a line within
///   `width`; past that the diagram keeps its minimum spacing and grows wider. Message labels
///   and details are shortened with `…` when a line would pass `width`.
/// - Control characters in names and labels are shown escaped (`\n`, `\e`), so text from a
///   message can never move the cursor or change colours.
public enum SequenceDiagram {
  public static func render(
    events: [TraceEvent], columns: [NodeID], names: [NodeID: String], style: Style, width: Int = 100
  ) -> String {
    render(events: events, columns: columns, names: names, style: style, width: width, within: nil) ?? ""
  }

  /// How large a drawn diagram may grow before it gives way to one event a line.
  public struct Bounds: Sendable {
    /// No line may be wider than this (a terminal's columns), when set.
    public var lineWidth: Int?
    /// The whole diagram stays within this many bytes, so many lanes over many events never
    /// build a huge picture in memory.
    public var bytes: Int
    public init(lineWidth: Int?, bytes: Int) {
      self.lineWidth = lineWidth
      self.bytes = bytes
    }
  }

  /// The diagram, or nil as soon as a line or the whole would pass `bounds`: drawing stops there,
  /// so the cost of finding out is one screenful, not the whole picture.
  public static func render(
    events: [TraceEvent], columns: [NodeID], names: [NodeID: String], style: Style, width: Int, within bounds: Bounds?,
    gutters: [String]? = nil
  ) -> String? {
    var lanes: [NodeID] = []
    var laneOf: [NodeID: Int] = [:]
    for id in columns where laneOf[id] == nil {
      laneOf[id] = lanes.count
      lanes.append(id)
    }
    let rows = makeRows(events, laneOf: laneOf, names: names, gutters: gutters)
    guard !rows.isEmpty else { return "(no events)" }

    let layout = Layout(lanes: lanes, names: names, rows: rows, width: width)
    var out = ""
    func add(_ line: String) -> Bool {
      if let bounds {
        if let w = bounds.lineWidth, TextWidth.of(line) > w { return false }
        if out.utf8.count + line.utf8.count + 1 > bounds.bytes { return false }
      }
      if !out.isEmpty { out += "\n" }
      out += line
      return true
    }
    guard add(emit(layout.header(), style: style)) else { return nil }
    var down = Array(repeating: false, count: lanes.count)
    for row in rows {
      guard add(emit(layout.draw(row, down: down), style: style)) else { return nil }
      if let change = row.lifeline { down[change.lane] = change.down }
    }
    return out
  }

  // MARK: - Rows

  enum Paint {
    case plain, error, warn, dim, bold
  }

  /// A piece of a row's label; at most one piece per label may be shortened to fit.
  struct Piece {
    var text: String
    var paint: Paint = .plain
    var shrinkable = false
  }

  enum Mark {
    enum End {
      case arrive, drop, inFlight
    }
    case arrow(from: Int, to: Int, end: End)
    case point(lane: Int, symbol: Unicode.Scalar, paint: Paint)
  }

  struct Row {
    var time: Nanoseconds
    var mark: Mark
    var label: [Piece]
    /// A lifeline that changes after this row: dotted from a kill, solid from a restart.
    var lifeline: (lane: Int, down: Bool)?
    /// The margin's text when it is not the time (a Lamport time, an uncertain order).
    var gutter: String?

    var margin: String { gutter ?? time.clockReading }
  }

  static func makeRows(
    _ events: [TraceEvent], laneOf: [NodeID: Int], names: [NodeID: String], gutters: [String]? = nil
  ) -> [Row] {
    // Messages that arrived or were lost; a send of any other is still in flight.
    var settled = Set<Int>()
    for e in events where e.kind == .deliver || e.kind == .drop {
      if let id = e.messageID { settled.insert(id) }
    }

    var rows: [Row] = []
    var seen = Set<Int>()
    var drawnSends = Set<Int>()
    for (i, e) in events.enumerated() {
      let before = rows.count
      defer {
        if let gutters, rows.count > before { rows[rows.count - 1].gutter = gutters[i] }
      }
      switch e.kind {
      case .deliver:
        let dup = e.messageID.map { !seen.insert($0).inserted } ?? false
        guard let from = e.peer, let s = laneOf[from], let r = laneOf[e.node] else { continue }
        var label = messagePieces(e)
        if let latency = e.latency { label.append(Piece(text: latency.description)) }
        if dup { label.append(Piece(text: "(dup)")) }
        if s == r { label.append(Piece(text: "(to itself)")) }
        let mark: Mark = s == r ? .point(lane: s, symbol: "◆", paint: .plain) : .arrow(from: s, to: r, end: .arrive)
        rows.append(Row(time: e.time, mark: mark, label: label))

      case .drop:
        let dup = e.messageID.map { !seen.insert($0).inserted } ?? false
        // A drop names the receiver the message was meant for; its peer sent it.
        guard let s = laneOf[e.peer ?? e.node], let r = laneOf[e.node] else { continue }
        var label = messagePieces(e)
        if dup { label.append(Piece(text: "(dup)")) }
        let reason = clean(trimmed(Messages.text(e.detail)))
        label.append(Piece(text: reason.isEmpty ? "dropped" : "dropped: \(reason)", paint: .error))
        let mark: Mark = s == r ? .point(lane: s, symbol: "✗", paint: .error) : .arrow(from: s, to: r, end: .drop)
        rows.append(Row(time: e.time, mark: mark, label: label))

      case .send:
        guard let id = e.messageID, !settled.contains(id), drawnSends.insert(id).inserted else { continue }
        guard let to = e.peer, let s = laneOf[e.node], let r = laneOf[to] else { continue }
        var label = messagePieces(e)
        label.append(Piece(text: "in flight", paint: .dim))
        let mark: Mark = s == r ? .point(lane: s, symbol: "…", paint: .dim) : .arrow(from: s, to: r, end: .inFlight)
        rows.append(Row(time: e.time, mark: mark, label: label))

      case .duplicate:
        continue

      case .kill, .restart, .pause, .resume, .spawn, .exec, .dedup, .timer, .note:
        guard let lane = laneOf[e.node], e.peer.map({ laneOf[$0] != nil }) ?? true else { continue }
        rows.append(nodeRow(e, lane: lane, name: clean(names[e.node] ?? e.node.description)))
      }
    }
    return rows
  }

  static func nodeRow(_ e: TraceEvent, lane: Int, name: String) -> Row {
    let detail = clean(trimmed(Messages.text(e.detail)))
    func marked(_ symbol: Unicode.Scalar, _ word: String, down: Bool?) -> Row {
      var label = [Piece(text: name, paint: .warn), Piece(text: word, paint: .warn)]
      if !detail.isEmpty { label.append(Piece(text: "(\(detail))", paint: .warn, shrinkable: true)) }
      return Row(
        time: e.time, mark: .point(lane: lane, symbol: symbol, paint: .warn), label: label,
        lifeline: down.map { (lane, $0) })
    }
    func dotted(_ word: String?) -> Row {
      var label = [Piece(text: name)]
      if let word { label.append(Piece(text: word)) }
      if !detail.isEmpty { label.append(Piece(text: detail, shrinkable: true)) }
      if label.count == 1 { label.append(Piece(text: "note")) }
      return Row(time: e.time, mark: .point(lane: lane, symbol: "•", paint: .plain), label: label)
    }
    switch e.kind {
    case .kill: return marked("✗", "killed", down: true)
    case .restart: return marked("↻", "restarted", down: false)
    case .spawn: return marked("●", "spawned", down: false)
    case .pause: return marked("⏸", "paused", down: nil)
    case .resume: return marked("▶", "resumed", down: nil)
    case .note: return dotted(nil)
    default: return dotted(e.kind.rawValue)
    }
  }

  /// `m12` and the frame's short label, when known.
  static func messagePieces(_ e: TraceEvent) -> [Piece] {
    var pieces: [Piece] = []
    if let id = e.messageID { pieces.append(Piece(text: "m\(id)")) }
    if let text = e.messageLabel { pieces.append(Piece(text: clean(text), shrinkable: true)) }
    return pieces
  }

  // MARK: - Layout

  struct Layout {
    static let minimumGap = 8
    static let maximumGap = 12
    /// Cells from the last lifeline to the start of the labels.
    static let labelOffset = 4
    /// The room a label always gets, however wide the diagram.
    static let minimumLabelWidth = 32
    /// At most this much label width is reserved when choosing the spacing.
    static let reservedLabelWidth = 40

    var names: [String]
    var xs: [Int]
    var gutter: Int
    var labelBudget: Int

    init(lanes: [NodeID], names nameMap: [NodeID: String], rows: [Row], width: Int) {
      names = lanes.map { SequenceDiagram.clean(nameMap[$0] ?? $0.description) }
      let widths = names.map(TextWidth.of)
      gutter = rows.map(\.margin.count).max() ?? 0
      let x0 = max(1, ((widths.first ?? 1) - 1) / 2)
      let minGap = max(Self.minimumGap, (widths.max() ?? 0) + 2)
      var gap = minGap
      if lanes.count > 1 {
        let labels = min(Self.reservedLabelWidth, rows.map { Self.length($0.label) }.max() ?? 0)
        let room = width - gutter - 1 - x0 - Self.labelOffset - labels
        gap = max(minGap, min(Self.maximumGap, room / (lanes.count - 1)))
      }
      xs = lanes.indices.map { x0 + $0 * gap }
      let labelStart = gutter + 1 + (xs.last ?? 0) + Self.labelOffset
      labelBudget = max(Self.minimumLabelWidth, width - labelStart)
    }

    var diagramWidth: Int { (xs.last ?? 0) + Self.labelOffset }

    static func length(_ pieces: [Piece]) -> Int {
      pieces.reduce(0) { $0 + TextWidth.of($1.text) } + max(0, pieces.count - 1)
    }

    /// The names centred over their lifelines, after a blank gutter.
    func header() -> [Segment] {
      var segments: [Segment] = []
      var at = 0
      for (lane, name) in names.enumerated() where !name.isEmpty {
        let width = TextWidth.of(name)
        let start = gutter + 1 + xs[lane] - (width - 1) / 2
        segments.append(Segment(String(repeating: " ", count: max(0, start - at)), .plain))
        segments.append(Segment(name, .bold))
        at = max(at, start) + width
      }
      return segments
    }

    func draw(_ row: Row, down: [Bool]) -> [Segment] {
      var cells = Array(repeating: Unicode.Scalar(" "), count: diagramWidth)
      var paints = Array(repeating: Paint.plain, count: diagramWidth)
      for (lane, x) in xs.enumerated() { cells[x] = down[lane] ? "┊" : "│" }
      switch row.mark {
      case .point(let lane, let symbol, let paint):
        cells[xs[lane]] = symbol
        paints[xs[lane]] = paint
      case .arrow(let from, let to, let end):
        let sx = xs[from]
        let rx = xs[to]
        let dir = rx > sx ? 1 : -1
        cells[sx] = dir > 0 ? "├" : "┤"
        switch end {
        case .arrive:
          for x in stride(from: sx + dir, to: rx - dir, by: dir) { cells[x] = "─" }
          cells[rx - dir] = dir > 0 ? "▶" : "◀"
        case .drop, .inFlight:
          var stop = sx + dir * (abs(rx - sx) / 2)
          if xs.contains(stop) { stop += dir }
          for x in stride(from: sx + dir, to: stop, by: dir) { cells[x] = "─" }
          cells[stop] = end == .drop ? "✗" : "…"
          for x in stride(from: sx, through: stop, by: dir) { paints[x] = end == .drop ? .error : .dim }
        }
      }

      let time = row.margin
      var segments = [
        Segment(String(repeating: " ", count: gutter - time.count), .plain), Segment(time, .dim),
        Segment(" ", .plain),
      ]
      var i = 0
      while i < cells.count {
        var j = i + 1
        while j < cells.count, paints[j] == paints[i] { j += 1 }
        var run = ""
        run.unicodeScalars.append(contentsOf: cells[i..<j])
        segments.append(Segment(run, paints[i]))
        i = j
      }
      for (k, piece) in fitted(row.label).enumerated() {
        if k > 0 { segments.append(Segment(" ", .plain)) }
        segments.append(Segment(piece.text, piece.paint))
      }
      return segments
    }

    /// The label, its shrinkable piece shortened with `…` when the label is longer than its budget.
    func fitted(_ label: [Piece]) -> [Piece] {
      let excess = Self.length(label) - labelBudget
      guard excess > 0, let k = label.firstIndex(where: \.shrinkable) else { return label }
      let text = label[k].text
      let width = TextWidth.of(text)
      let keep = max(3, width - excess - 1)
      guard keep < width - 1 else { return label }
      // The longest prefix within `keep` columns, in one pass.
      var kept = ""
      var used = 0
      for c in text {
        let w = TextWidth.of(String(c))
        if used + w > keep { break }
        kept.append(c)
        used += w
      }
      if kept.isEmpty, let first = text.first { kept = String(first) }
      var out = label
      out[k].text = kept + "…"
      return out
    }
  }

  // MARK: - Text

  struct Segment {
    var text: String
    var paint: Paint
    init(_ text: String, _ paint: Paint) {
      self.text = text
      self.paint = paint
    }
  }

  /// Joins segments into a line: trailing blanks removed, neighbours of one paint styled together.
  static func emit(_ segments: [Segment], style: Style) -> String {
    var parts = segments.filter { !$0.text.isEmpty }
    while var last = parts.popLast() {
      while last.text.last == " " { last.text.removeLast() }
      if !last.text.isEmpty {
        parts.append(last)
        break
      }
    }
    // A single space between two pieces of one paint joins them, so a label is one coloured run.
    var merged: [Segment] = []
    var k = 0
    while k < parts.count {
      var run = parts[k]
      k += 1
      while k < parts.count {
        if parts[k].paint == run.paint {
          run.text += parts[k].text
          k += 1
        } else if k + 1 < parts.count, parts[k].text == " ", parts[k + 1].paint == run.paint, run.paint != .plain {
          run.text += " " + parts[k + 1].text
          k += 2
        } else {
          break
        }
      }
      merged.append(run)
    }
    var out = ""
    for segment in merged {
      switch segment.paint {
      case .plain: out += segment.text
      case .error: out += style.error(segment.text)
      case .warn: out += style.warn(segment.text)
      case .dim: out += style.dim(segment.text)
      case .bold: out += style.bold(segment.text)
      }
    }
    return out
  }

  /// Text with control characters spelled out, so nothing in a label can move the cursor or
  /// change colours.
  static func clean(_ text: String) -> String {
    // Controls are C0 (below 0x20), DEL, and C1 (UTF-8 0xC2 0x80...0x9F); most text has none.
    guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 }) else { return text }
    var out = ""
    for scalar in text.unicodeScalars {
      guard scalar.properties.generalCategory == .control else {
        out.unicodeScalars.append(scalar)
        continue
      }
      switch scalar {
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{1B}": out += "\\e"
      default: out += "\\u{" + String(scalar.value, radix: 16) + "}"
      }
    }
    return out
  }

  /// The text without leading and trailing spaces and line breaks.
  static func trimmed(_ text: String) -> String {
    var s = Substring(text)
    while let c = s.first, c.isWhitespace { s.removeFirst() }
    while let c = s.last, c.isWhitespace { s.removeLast() }
    return String(s)
  }
}
