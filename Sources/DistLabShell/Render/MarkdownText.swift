/// Lesson Markdown as terminal text: headings in bold, code indented, inline code and emphasis
/// styled, and what the shell handles itself (exercise markers, hints, hidden checks) left out.
struct MarkdownText {
  let style: Style
  /// Prose is reflowed to this many columns; code and tables keep their lines.
  var width = 88

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
          // A recorded output line wider than the page is cut here; 'lesson run' shows it whole.
          out += block.map { line in
            line.hasPrefix(Transcript.prompt)
              ? "    " + style.accent("distlab>") + " " + line.dropFirst(Transcript.prompt.count)
              : "    " + TextWidth.cut(OutputMatcher.shown(line), to: width - 4)
          }
        default:
          out += block.map { "    " + $0 }
        }
        i = close + 1
        continue
      }
      if l.hasPrefix("    ") && (i == 0 || lines[i - 1].trimmed(" ").isEmpty) {
        // An indented block (a table, a formula): preformatted, every line kept as written.
        var block: [String] = []
        while i < lines.count, lines[i].hasPrefix("    ") || lines[i].trimmed(" ").isEmpty {
          block.append(lines[i])
          i += 1
        }
        while block.last?.trimmed(" ").isEmpty == true { block.removeLast() }
        out += block
        out.append("")
        continue
      }
      if l.hasPrefix("#") {
        let text = String(l.drop { $0 == "#" }).trimmed(" ")
        out.append(style.bold(inline(text)))
        i += 1
      } else if l.trimmed(" ").isEmpty || l.hasPrefix("|") {
        out.append(inline(l))
        i += 1
      } else {
        // A paragraph or list item: its following lines up to a blank line, a new item or a block.
        var paragraph = l
        i += 1
        while i < lines.count, Self.continues(lines[i]) {
          paragraph += " " + lines[i].trimmed(" ")
          i += 1
        }
        out += wrap(inline(paragraph))
      }
    }
    var collapsed: [String] = []
    for l in out where !(l.isEmpty && (collapsed.last?.isEmpty ?? true)) { collapsed.append(l) }
    while collapsed.last?.isEmpty == true { collapsed.removeLast() }
    return collapsed.map(\.trimmingTrailingSpace)
  }

  static func continues(_ l: String) -> Bool {
    let t = l.trimmed(" ")
    return !t.isEmpty && !l.hasPrefix("#") && !l.hasPrefix("```") && !l.hasPrefix("<") && !l.hasPrefix("|")
      && !t.hasPrefix("- ") && !t.hasPrefix("* ") && !isNumberedItem(t)
  }

  /// `1. text`, `12. text`: digits, a dot and a space at the start of the line.
  static func isNumberedItem(_ t: String) -> Bool {
    let digits = t.prefix { $0.isASCII && $0.isNumber }
    return !digits.isEmpty && t.dropFirst(digits.count).hasPrefix(". ")
  }

  /// Breaks a line at spaces so it fits `width`; continuation lines keep a list item's indent.
  func wrap(_ line: String) -> [String] {
    let lead = line.prefix { $0 == " " }
    let t = line.trimmed(" ")
    let itemIndent = t.hasPrefix("- ") || t.hasPrefix("* ") ? 2 : 0
    // Prose has single spaces: collapsing runs keeps a joined paragraph's words apart by one.
    let words = t.split(separator: " ").joined(separator: " ")
    return Fit.wrap(
      String(lead) + words, columns: width, continuation: String(repeating: " ", count: lead.count + itemIndent))
  }

  /// `code` → accent, **strong** → bold; links keep their text and address.
  func inline(_ s: String) -> String {
    var out = ""
    var rest = Substring(s)
    while let c = rest.first {
      if c == "`", let end = rest.dropFirst().firstIndex(of: "`") {
        let code = String(rest[rest.index(after: rest.startIndex)..<end])
        out += style.colour ? style.accent(code) : "`" + code + "`"
        rest = rest[rest.index(after: end)...]
      } else if rest.hasPrefix("**"), let end = rest.dropFirst(2).range(of: "**") {
        out += style.bold(String(rest[rest.index(rest.startIndex, offsetBy: 2)..<end.lowerBound]))
        rest = rest[end.upperBound...]
      } else if c == "*", let next = rest.dropFirst().first, next != " ", let end = rest.dropFirst().firstIndex(of: "*")
      {
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
