import DistLab
import DistLabHadoop

/// What the `hadoop` command and standalone mode show: the mode and what it runs, the local
/// file system's files, and a text's lines.
struct HadoopLocalRenderer {
  let style: Style

  /// A text as `hdfs dfs -cat` prints it, or its first `head` lines and how many more there are.
  static func text(_ bytes: [UInt8], head: Int?, style: Style) -> String {
    var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
      .map(display)
    if lines.last == "" { lines.removeLast() }
    guard let head, lines.count > head else { return lines.joined(separator: "\n") }
    return (lines.prefix(head) + [style.dim("… \(lines.count - head) more lines")]).joined(separator: "\n")
  }

  /// A line as a terminal shows it: tabs to the next multiple of 8 columns (Hadoop's
  /// `key TAB value`), other control characters escaped so a text cannot drive the terminal.
  static func display(_ line: Substring) -> String {
    var out = ""
    var column = 0
    for u in line.unicodeScalars {
      if u == "\t" {
        let pad = 8 - column % 8
        out += String(repeating: " ", count: pad)
        column += pad
      } else if u == "\r" || TextEscape.isHostile(u) {
        let e = TextEscape.escaped(String(u), quotes: false)
        out += e
        column += e.count
      } else {
        out.unicodeScalars.append(u)
        column += 1
      }
    }
    return out
  }

  func listing(_ prefix: String, _ files: [(String, Int64)]) -> String {
    guard !files.isEmpty else { return "no files under file:\(prefix)" }
    var table = TextTable(["SIZE", "PATH"], rightAligned: [0])
    for (p, size) in files { table.add([ByteSize.text(size), "file:" + p]) }
    return table.render(style: style)
  }

  func mode(_ mode: HadoopMode, stopped: [String], changed: Bool) -> String {
    var lines: [String] = []
    if !stopped.isEmpty {
      lines.append("stopped the daemons on \(NodeSet.compact(stopped)) (their disks keep their data)")
    }
    lines.append((changed ? "Hadoop now runs " : "Hadoop runs ") + Self.describe(mode).joined(separator: "\n"))
    return lines.joined(separator: "\n")
  }

  static func describe(_ mode: HadoopMode) -> [String] {
    switch mode {
    case .standalone:
      ["standalone: no daemons; files on the local file system (file:///),", "jobs in the shell by the LocalJobRunner"]
    case .pseudo:
      ["pseudo-distributed: 'hdfs start' puts every daemon on one node,", "localhost, with dfs.replication 1"]
    case .distributed:
      ["fully distributed: 'hdfs start' spreads the daemons over nodes", "(nn, snn, jt, dn1, …) and racks"]
    }
  }
}
