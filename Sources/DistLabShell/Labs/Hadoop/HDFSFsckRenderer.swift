import DistLab
import DistLabHadoop
import Foundation

/// `hdfs fsck PATH` as Hadoop 3 prints it, its tabs turned to aligned spaces: with `--files`,
/// each file under PATH and its blocks first; then the status and the totals.
struct HDFSFsckRenderer {
  let style: Style
  let view: WorldView

  func render(_ r: FsckReport, path: String, files: Bool) -> String {
    var lines: [String] = []
    if files {
      for f in r.files {
        let bad = f.blocks.contains { $0.live.isEmpty }
        lines.append(
          "\(f.path) \(f.size) bytes, replicated: replication=\(f.replication), \(f.blocks.count) block(s): "
            + (bad ? style.error(" MISSING") : " OK"))
        for (i, b) in f.blocks.enumerated() {
          let holders = b.live.map(view.name).joined(separator: ", ")
          var line = "\(i). \(b.info.name) len=\(b.info.size) Live_repl=\(b.live.count)  [\(holders)]"
          if !b.corrupt.isEmpty {
            line += style.warn(" corrupt on " + b.corrupt.map(view.name).joined(separator: ", "))
          }
          lines.append(line)
          if !b.live.isEmpty && b.live.count < f.replication {
            lines.append(
              style.warn(
                "Under replicated \(b.info.name). Target Replicas is \(f.replication) but found \(b.live.count) live replica(s)."
              ))
          }
        }
      }
      lines.append("")
    }
    let status = r.healthy ? "HEALTHY" : "CORRUPT"
    let blocks = r.totalBlocks
    func pct(_ n: Int, of total: Int) -> String {
      "\(n) (" + String(format: "%.1f", total == 0 ? 0 : Double(n) * 100 / Double(total)) + " %)"
    }
    let expected = r.files.reduce(0) { $0 + $1.replication * $1.blocks.count }
    let rows: [(String, String)] = [
      ("Number of data-nodes:", "\(r.datanodes)"), ("Number of racks:", "\(r.racks)"),
      ("Total size:", "\(r.totalSize) B"), ("Total files:", "\(r.files.count)"),
      ("Total blocks (validated):", "\(blocks) (avg. block size \(blocks == 0 ? 0 : r.totalSize / Int64(blocks)) B)"),
      ("Minimally replicated blocks:", pct(r.minimallyReplicated, of: blocks)),
      ("Over-replicated blocks:", pct(r.overReplicated, of: blocks)),
      ("Under-replicated blocks:", pct(r.underReplicated, of: blocks)),
      ("Default replication factor:", "\(r.defaultReplication)"),
      ("Average block replication:", String(format: "%.1f", r.averageReplication)),
      ("Missing blocks:", "\(r.missing)"), ("Corrupt blocks:", "\(r.corruptBlocks)"),
      ("Missing replicas:", pct(r.missingReplicas, of: expected)),
    ]
    lines.append("Status: " + (r.healthy ? style.ok(status) : style.error(status)))
    for (label, value) in rows { lines.append(" " + TextWidth.pad(label, to: 30) + value) }
    lines.append("")
    lines.append("The filesystem under path '\(path)' is " + (r.healthy ? style.ok(status) : style.error(status)))
    return lines.joined(separator: "\n")
  }
}
