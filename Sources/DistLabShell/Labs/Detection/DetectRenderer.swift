import DistLab
import DistLabDetection

/// The failure-detection lab's results as text.
struct DetectRenderer {
  let style: Style
  let view: WorldView

  func render(_ r: DetectResult) -> String {
    switch r {
    case .started(let nodes, let s, let unconfigured):
      var text = started(nodes, s)
      if !unconfigured.isEmpty {
        text +=
          "\n" + style.warn("never confirmed its settings (every attempt lost): ")
          + unconfigured.map { view.name($0) }.joined(separator: ", ")
      }
      return text
    case .view(let node, let peers): return peerView(node, peers)
    case .report(let ledger): return report(ledger)
    case .sweep(let plan, let points): return DetectSweepRenderer(style: style).render(plan, points)
    }
  }

  func started(_ nodes: [NodeInfo], _ s: DetectorSettings) -> String {
    var lines = ["started monitors \(NodeSet.compact(nodes.map(\.name))), each watching the others"]
    if let k = s.indirect {
      lines.append(
        "every \(s.interval) each probes every other; no answer in \(s.probeTimeout): \(k) others probe for it")
      lines.append("a peer silent for a round and a half of probes is suspected")
    } else {
      lines.append(
        "every \(s.interval) each sends every other a heartbeat, and looks at them every "
          + s.checkEvery.description)
      switch s.kind {
      case .timeout(let t): lines.append("fixed timeout: a peer silent for more than \(t) is suspected")
      case .phi(let threshold):
        lines.append("φ accrual: a peer is suspected when φ passes \(NodeTableRenderer.number(threshold))")
        lines.append("a silence up to \(s.acceptablePause) beyond the mean interval counts as normal")
      }
    }
    return lines.joined(separator: "\n")
  }

  func peerView(_ node: NodeID, _ peers: [PeerView]?) -> String {
    guard let peers else { return style.error("\(view.name(node)) did not answer within 1s") }
    var table = TextTable(["PEER", "STATE", "SILENT FOR", "φ", "SAMPLES"], rightAligned: [2, 3, 4])
    for p in peers {
      table.add([
        view.name(p.peer), p.suspected ? style.warn("suspected") : "trusted", p.silence.description,
        p.phi.map { NodeTableRenderer.number($0) } ?? "-", String(p.samples),
      ])
    }
    return "what \(view.name(node)) believes (its own view, not the world's truth):\n" + table.render(style: style)
  }

  func report(_ l: DetectionLedger) -> String {
    var lines = [style.dim("the world's truth, from the trace:")]
    if l.kills.isEmpty { lines.append("no monitor was killed") }
    for k in l.kills {
      let seen = k.detections.map { "\(view.name($0.observer)) after \($0.after)" }
      lines.append(
        "\(view.name(k.node)) killed at \(k.at.clockReading): "
          + (seen.isEmpty ? style.warn("not suspected yet") : "suspected by " + seen.joined(separator: ", ")))
    }
    if let mean = l.meanDetection { lines.append("mean time to detect a kill: \(mean)") }
    lines.append(
      "false suspicions (of monitors that were up): "
        + (l.mistakes.isEmpty ? "none" : style.warn(String(l.mistakes.count))))
    for m in l.mistakes.prefix(8) {
      lines.append(
        "  \(view.name(m.observer)) suspected \(view.name(m.suspect)) at \(m.at.clockReading)"
          + (m.paused ? " (paused, not dead)" : " (running)"))
    }
    if l.mistakes.count > 8 { lines.append("  … and \(l.mistakes.count - 8) more") }
    return lines.joined(separator: "\n")
  }
}
