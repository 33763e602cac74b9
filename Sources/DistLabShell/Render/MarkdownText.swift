/// Lesson Markdown as terminal text: headings in bold, code indented, inline code and emphasis
/// styled, and what the shell handles itself (exercise markers, hints, hidden checks) left out.
struct MarkdownText {
  let style: Style

  func render(_ lines: [String]) -> [String] {
    var out: [String] = []
    var i = 0
    while i < lines.count {
      let l = lines[i]
      if l.hasPrefix("<!--") {
        i = (lines[i...].firstIndex { $0.contains("-->") } ?? i) + 1
        continue
      }
      if l.hasPrefix("<details>") {
        i = (lines[i...].firstIndex { $0.hasPrefix("</details>") } ?? i) + 1
        continue
      }
      if l.hasPrefix("```") {
        let info = l.dropFirst(3).trimmed(" ")
        let close = lines[(i + 1)...].firstIndex { $0.hasPrefix("```") } ?? lines.count
        let block = Array(lines[min(i + 1, close)..<close])
        switch info {
        case "check hidden": break
        case "check":
          out.append(style.bold("Checks") + " (lesson check):")
          out += block.filter { !$0.trimmed(" ").isEmpty }.map { "    " + $0.trimmed(" ") }
        case "distlab":
          out += block.map { line in
            line.hasPrefix(Transcript.prompt) ? "    " + style.accent("distlab>") + " " + line.dropFirst(Transcript.prompt.count) : "    " + line
          }
        default:
          out += block.map { "    " + $0 }
        }
        i = close + 1
        continue
      }
      if l.hasPrefix("#") {
        let text = String(l.drop { $0 == "#" }).trimmed(" ")
        out.append(style.bold(inline(text)))
      } else {
        out.append(inline(l))
      }
      i += 1
    }
    var collapsed: [String] = []
    for l in out where !(l.isEmpty && (collapsed.last?.isEmpty ?? true)) { collapsed.append(l) }
    while collapsed.last?.isEmpty == true { collapsed.removeLast() }
    return collapsed.map(\.trimmingTrailingSpace)
  }

  /// `code` → accent, **strong** → bold; links keep their text and address.
  func inline(_ s: String) -> String {
    var out = ""
    var rest = Substring(s)
    while let c = rest.first {
      if c == "`", let end = rest.dropFirst().firstIndex(of: "`") {
        out += style.accent(String(rest[rest.index(after: rest.startIndex)..<end]))
        rest = rest[rest.index(after: end)...]
      } else if rest.hasPrefix("**"), let end = rest.dropFirst(2).range(of: "**") {
        out += style.bold(String(rest[rest.index(rest.startIndex, offsetBy: 2)..<end.lowerBound]))
        rest = rest[end.upperBound...]
      } else if c == "*", let next = rest.dropFirst().first, next != " ", let end = rest.dropFirst().firstIndex(of: "*") {
        out += style.bold(String(rest[rest.index(after: rest.startIndex)..<end]))
        rest = rest[rest.index(after: end)...]
      } else {
        out.append(c)
        rest = rest.dropFirst()
      }
    }
    return out
  }
}
