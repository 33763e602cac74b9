import DistLab
import DistLabConsensus

/// Two worlds side by side, as one voter saw them: each message delivered to v1, with its
/// time, in the world where v3 was killed and in the one where v3 is only slow.
struct VoteTwinsRenderer {
  let style: Style
  let view: WorldView

  func render(_ t: VoteTwins) -> String {
    let width = max(24, min(48, ((style.columns ?? 80) - 3) / 2))
    func line(_ m: ObservedMessage?) -> String {
      guard let m else { return "" }
      let text =
        "\(m.time.clockReading) \(name(m.from)) → \(m.method)(\(m.args.map(\.description).joined(separator: ", ")))"
      return TextWidth.of(text) > width ? String(text.prefix(width - 1)) + "…" : text
    }
    func pad(_ s: String) -> String { s + String(repeating: " ", count: max(0, width - TextWidth.of(s))) }
    var lines = [
      pad("v1's view, v3 killed") + " │ v1's view, v3 slow",
      String(repeating: "─", count: width) + "─┼─" + String(repeating: "─", count: width),
    ]
    for i in 0..<max(t.killed.count, t.slow.count) {
      lines.append(pad(line(i < t.killed.count ? t.killed[i] : nil)) + " │ " + line(i < t.slow.count ? t.slow[i] : nil))
    }
    if t.killed.isEmpty && t.slow.isEmpty { lines.append(pad("(nothing)") + " │ (nothing)") }
    lines.append(
      t.identical
        ? style.ok("identical for \(t.watch): v1 cannot tell a dead v3 from a slow one")
        : style.warn("the views differ"))
    lines.append(style.dim("the worlds are not: in one v3 is dead; in the other it is alive,"))
    lines.append(style.dim("and \(t.inFlight) of its messages are still on their way"))
    lines.append("in neither world has v1 or v2 decided: waiting for every value waits for ever")
    return lines.joined(separator: "\n")
  }

  /// Both worlds spawn the same voters, so the names are v1, v2, v3 by spawn order.
  func name(_ id: NodeID) -> String { "v\(id.number)" }
}
