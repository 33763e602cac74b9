import DistLab
import DistLabHadoop
import Foundation

/// The Hadoop lab's results as text, worded as Hadoop's own tools word them where they exist:
/// `hdfs fsck`'s summary, `dfsadmin -report`'s nodes, `hdfs dfs -ls`.
struct HDFSRenderer {
  let style: Style
  let view: WorldView

  func render(_ r: HDFSResult) -> String {
    switch r {
    case .started(let nodes, let s): return started(nodes, s)
    case .written(let w): return written(w)
    case .read(let path, let reads, let head): return read(path, reads, head: head)
    case .localWritten(let path, let size):
      return "copied to file:\(path): \(ByteSize.text(size)) on the local file system (standalone: no HDFS)"
    case .localRead(_, let bytes, let head): return HadoopLocalRenderer.text(bytes, head: head, style: style)
    case .localListing(let prefix, let files): return HadoopLocalRenderer(style: style).listing(prefix, files)
    case .mode(let mode, let stopped, let changed):
      return HadoopLocalRenderer(style: style).mode(mode, stopped: stopped.map(view.name), changed: changed)
    case .timeline(let job, let now): return JobTimelineRenderer(style: style, view: view).render(job, now: now)
    case .removed(let path): return "Deleted \(path)"
    case .listing(let prefix, let files): return listing(prefix, files)
    case .fsck(let report, let path, let files):
      return HDFSFsckRenderer(style: style, view: view).render(report, path: path, files: files)
    case .report(let report): return self.report(report)
    case .blocks(let report, let datanodes, let s): return blocks(report, datanodes, s)
    case .checkpointed(let t):
      return "checkpoint: the SecondaryNameNode merged the edits into a new fsimage, up to transaction \(t)"
    case .imported(let t):
      return "the NameNode starts from the checkpoint (transactions up to \(t)); whatever came after is lost"
    case .added(let nodes, let s):
      return "added " + nodes.map { "\($0.name) on \(s.rack(of: $0.id))" }.joined(separator: ", ")
        + ": empty until blocks are written or the balancer moves some"
    case .balanced(let run): return balanced(run)
    case .decommissioning(let n):
      return "\(view.name(n)): Decommission in progress; its blocks are being copied to DataNodes in service"
    case .submitted(let id): return "submitted \(id): 'mr status \(id)' follows it"
    case .jobs(let jobs, let detail): return MapReduceRenderer(style: style, view: view).render(jobs, detail: detail)
    case .corrupted(let path, let block, let dn):
      return "corrupted the replica of \(block.name) (block of \(path)) on \(view.name(dn)): its checksum now fails"
    }
  }

  func started(_ nodes: [NodeInfo], _ s: HDFSSettings) -> String {
    let settings =
      "blocks of \(ByteSize.text(s.blockSize)), \(s.replication) replica\(s.replication == 1 ? "" : "s") each; "
      + "heartbeats every \(s.heartbeat), dead after \(s.deadAfter) silent"
    if nodes.count == 1, let only = nodes.first {
      return "started pseudo-distributed Hadoop on one node, \(only.name): NameNode,\n"
        + "SecondaryNameNode, DataNode"
        + (s.jobtracker == nil ? "" : ", JobTracker, TaskTracker (\(s.mapSlots) map, \(s.reduceSlots) reduce slots)")
        + "\n" + settings
    }
    let dns = nodes.dropFirst(s.jobtracker == nil ? 2 : 3)
    let racks = Dictionary(grouping: dns, by: { s.rack(of: $0.id) })
    var lines = [
      "started HDFS: NameNode \(nodes[0].name), SecondaryNameNode \(nodes[1].name), "
        + "DataNodes \(NodeSet.compact(dns.map(\.name)))"
    ]
    if s.jobtracker != nil {
      lines.append(
        "and MapReduce: JobTracker \(nodes[2].name), a TaskTracker beside each DataNode "
          + "(\(s.mapSlots) map and \(s.reduceSlots) reduce slots each)")
    }
    if racks.count > 1 {
      lines.append(
        racks.keys.sorted().map { "\($0): " + racks[$0]!.map(\.name).joined(separator: " ") }.joined(separator: "; "))
    }
    lines.append(settings)
    return lines.joined(separator: "\n")
  }

  func written(_ w: HDFSClient.Written) -> String {
    var lines = [
      "wrote \(w.path): \(ByteSize.text(w.size)) in \(w.blocks.count) block\(w.blocks.count == 1 ? "" : "s")"
    ]
    var table = TextTable(["BLOCK", "SIZE", "PIPELINE"], rightAligned: [1])
    // A big file's pipelines: the first few, and how many more ('hdfs fsck --files' has them all).
    let shown = w.blocks.count > 12 ? 10 : w.blocks.count
    for (b, stored) in w.blocks.prefix(shown) {
      table.add([b.name, ByteSize.text(b.size), stored.map(view.name).joined(separator: " → ")])
    }
    if !w.blocks.isEmpty { lines.append(table.render(style: style)) }
    if shown < w.blocks.count {
      lines.append(style.dim("… \(w.blocks.count - shown) more blocks: 'hdfs fsck --files' lists them all"))
    }
    for n in w.excluded {
      lines.append(
        style.warn("\(view.name(n)) did not answer: its pipeline was abandoned and the block asked for again"))
    }
    return lines.joined(separator: "\n")
  }

  func read(_ path: String, _ reads: [HDFSClient.BlockRead], head: Int?) -> String {
    let size = reads.reduce(Int64(0)) { $0 + $1.block.size }
    var lines = ["read \(path): \(ByteSize.text(size)) in \(reads.count) block\(reads.count == 1 ? "" : "s")"]
    for r in reads {
      var line = r.block.name + "  "
      line +=
        r.servedBy.map { "from \(view.name($0))" } ?? style.error("BlockMissingException: no replica could be read")
      let failed = r.failed.map { a in
        "\(view.name(a.node)): "
          + (a.error.map { $0 == "ChecksumException" ? "ChecksumException, reported" : $0 } ?? "no answer")
      }
      if !failed.isEmpty { line += style.warn(" (after " + failed.joined(separator: "; ") + ")") }
      lines.append(line)
    }
    // A text's bytes follow, when every block could be read.
    if !reads.isEmpty, reads.allSatisfy({ $0.bytes != nil }) {
      lines.append(HadoopLocalRenderer.text(reads.flatMap { $0.bytes! }, head: head, style: style))
    }
    return lines.joined(separator: "\n")
  }

  /// The balancer's console: a line an iteration, then why it stopped.
  func balanced(_ run: BalancerRun) -> String {
    var lines: [String] = []
    if !run.iterations.isEmpty {
      var table = TextTable(
        ["ITERATION#", "BYTES ALREADY MOVED", "BYTES LEFT TO MOVE", "BYTES BEING MOVED"], rightAligned: [0, 1, 2, 3])
      for i in run.iterations {
        table.add(["\(i.iteration)", ByteSize.text(i.moved), ByteSize.text(i.left), ByteSize.text(i.beingMoved)])
      }
      lines.append(table.render(style: style))
    }
    switch run.end {
    case .balanced: lines.append("The cluster is balanced. Exiting...")
    case .noMove: lines.append(style.warn("No block can be moved. Exiting..."))
    case .iterations: lines.append(style.warn("Stopped after \(run.iterations.count) iterations, not yet balanced."))
    }
    lines.append("Balancing took \(run.took) (threshold \(NodeTableRenderer.number(run.threshold))%)")
    return lines.joined(separator: "\n")
  }

  func listing(_ prefix: String, _ files: [FsckReport.File]) -> String {
    guard !files.isEmpty else { return "no files under \(prefix)" }
    var table = TextTable(["PERMISSION", "REPL", "SIZE", "BLOCKS", "PATH"], rightAligned: [1, 2, 3])
    for f in files {
      table.add([
        "-rw-r--r--", "\(f.replication)", ByteSize.text(f.size), "\(f.blocks.count)",
        f.path + (f.open ? " (open)" : ""),
      ])
    }
    return "Found \(files.count) item\(files.count == 1 ? "" : "s")\n" + table.render(style: style)
  }

  func report(_ r: ClusterReport) -> String {
    let live = r.datanodes.filter { $0.state != "dead" }
    let dead = r.datanodes.filter { $0.state == "dead" }
    let used = live.reduce(Int64(0)) { $0 + $1.used }
    var lines: [String] = []
    if r.safeMode {
      lines.append(style.warn("Safe mode is ON: \(r.reportedBlocks) of \(r.blocks) blocks reported"))
    }
    if let t = r.importedFrom { lines.append("started from a checkpoint: transactions up to \(t)") }
    lines.append(
      "Configured Capacity: \(ByteSize.text(Int64(live.count) * r.capacity)) (\(ByteSize.text(r.capacity)) a DataNode)")
    lines.append("DFS Used: \(ByteSize.text(used))")
    lines.append("Live datanodes (\(live.count)), dead datanodes (\(dead.count)), as the NameNode sees them:")
    var table = TextTable(["NAME", "RACK", "STATE", "LAST CONTACT", "DFS USED", "USED%"], rightAligned: [3, 4, 5])
    for d in r.datanodes {
      let state =
        d.state == "live" ? d.state : style.warn(d.state)
      let pct = String(format: "%.2f%%", Double(d.used) * 100 / Double(max(1, r.capacity)))
      table.add([view.name(d.node), d.rack, state, "\(d.sinceContact) ago", ByteSize.text(d.used), pct])
    }
    lines.append(table.render(style: style))
    return lines.joined(separator: "\n")
  }

  /// Each DataNode's replicas, grouped by rack; a file is a letter, a block its index.
  func blocks(_ r: FsckReport, _ datanodes: [NodeID], _ s: HDFSSettings) -> String {
    var held: [NodeID: [String]] = [:]
    var legend: [String] = []
    for (i, f) in r.files.enumerated() {
      let letter = i < 26 ? String(UnicodeScalar(UInt8(65 + i))) : "F\(i)"
      legend.append("\(letter) \(f.path)")
      for (k, b) in f.blocks.enumerated() {
        for n in b.live { held[n, default: []].append("\(letter)\(k)") }
        for n in b.corrupt { held[n, default: []].append("\(letter)\(k)!") }
      }
    }
    var lines: [String] = []
    let racks = Dictionary(grouping: datanodes, by: { s.rack(of: $0) })
    let width = max(20, (style.columns ?? 80) - 12)
    for rack in racks.keys.sorted() {
      lines.append(rack)
      for n in racks[rack]!.sorted() {
        let replicas = held[n] ?? []
        let text = replicas.isEmpty ? "-" : TextWidth.cut(replicas.joined(separator: " "), to: width)
        lines.append("  " + TextWidth.pad(view.name(n), to: 8) + text)
      }
    }
    if !legend.isEmpty { lines.append("files: " + legend.joined(separator: ", ")) }
    if r.files.contains(where: { f in f.blocks.contains { !$0.corrupt.isEmpty } }) {
      lines.append("!: a replica the NameNode knows is corrupt")
    }
    return lines.joined(separator: "\n")
  }
}
