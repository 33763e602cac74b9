/// A word of a command line: its text (quotes removed), where it starts, and whether it was
/// quoted (a quoted word is never a flag or a keyword).
public struct Token: Hashable, Sendable {
  public var text: String
  public var column: Int
  public var quoted: Bool

  public init(_ text: String, column: Int, quoted: Bool = false) {
    self.text = text
    self.column = column
    self.quoted = quoted
  }

  public var isFlag: Bool { !quoted && text.hasPrefix("--") && text.count > 2 }
}

/// Splits one line into words: whitespace separates, `"…"` quotes (with `\"`, `\\`, `\n`,
/// `\t` escapes), `#` outside quotes starts a comment.
public enum Lexer {
  public static func tokenize(_ line: String) throws(ShellError) -> [Token] {
    var tokens: [Token] = []
    let chars = Array(line)
    var i = 0
    while i < chars.count {
      let c = chars[i]
      if c == " " || c == "\t" || c == "\r" {
        i += 1
        continue
      }
      if c == "#" { break }
      let start = i + 1
      if c == "\"" {
        var text = ""
        i += 1
        var closed = false
        while i < chars.count {
          let d = chars[i]
          if d == "\"" {
            closed = true
            i += 1
            break
          }
          if d == "\\" {
            guard i + 1 < chars.count else { break }
            let e = chars[i + 1]
            switch e {
            case "n": text.append("\n")
            case "t": text.append("\t")
            case "r": text.append("\r")
            case "\"", "\\": text.append(e)
            case "u":
              // \u{HEX}: any character by its code, as the shell prints control characters.
              guard i + 2 < chars.count, chars[i + 2] == "{", let close = chars[(i + 3)...].firstIndex(of: "}"),
                let code = UInt32(String(chars[(i + 3)..<close]), radix: 16), let scalar = Unicode.Scalar(code)
              else {
                throw ShellError("write a character by its code as \\u{1b}", column: i + 1)
              }
              text.unicodeScalars.append(scalar)
              i = close + 1
              continue
            default:
              throw ShellError(
                "unknown escape '\\\(e)' in quotes (use \\\", \\\\, \\n, \\t, \\r or \\u{HEX})", column: i + 1)
            }
            i += 2
            continue
          }
          text.append(d)
          i += 1
        }
        guard closed else { throw ShellError("unclosed quote: add a closing \"", column: start) }
        if i < chars.count, !(chars[i] == " " || chars[i] == "\t") {
          throw ShellError("put a space after the closing quote", column: i + 1)
        }
        tokens.append(Token(text, column: start, quoted: true))
        continue
      }
      var text = ""
      while i < chars.count, !(chars[i] == " " || chars[i] == "\t" || chars[i] == "\r") {
        if chars[i] == "\"" { throw ShellError("a quote must start a word", column: i + 1) }
        text.append(chars[i])
        i += 1
      }
      // A number written with the typographic minus (U+2212, as prose sets it) is a number.
      if text.first == "\u{2212}", text.dropFirst().first?.isNumber == true { text = "-" + text.dropFirst() }
      tokens.append(Token(text, column: start))
    }
    return tokens
  }
}
