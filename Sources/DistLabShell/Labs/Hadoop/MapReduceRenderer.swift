import DistLab
import DistLabHadoop

/// Jobs as the JobTracker reports them: a line each, or one job's tasks and its counters under
/// Hadoop's names.
struct MapReduceRenderer {
  let style: Style
  let view: WorldView

  func render(_ jobs: [MapReduceJob], detail: Bool) -> String {
    guard !jobs.isEmpty else { return "no jobs yet: 'mr run INPUT --output PATH' submits one" }
    if detail, let job = jobs.first { return self.detail(job) }
    var table = TextTable(
      ["JOB", "STATE", "MAPS", "REDUCES", "DATA-LOCAL", "RACK-LOCAL", "KILLED"], rightAligned: [2, 3, 4, 5, 6])
    for j in jobs {
      table.add([
        j.id, j.jobFailed ? "FAILED" : j.complete ? "SUCCEEDED" : "RUNNING", "\(j.mapsDone)/\(j.maps.count)",
        "\(j.reducesDone)/\(j.reduces.count)",
        "\(j.dataLocal)", "\(j.rackLocal)", "\(j.killed)",
      ])
    }
    return table.render(style: style)
  }

  func detail(_ j: MapReduceJob) -> String {
    let mapPct = j.maps.isEmpty ? 100 : j.mapsDone * 100 / j.maps.count
    let reducePct = j.reduces.isEmpty ? 100 : j.reducesDone * 100 / j.reduces.count
    if j.local { return local(j) }
    var lines = [
      "\(j.id): "
        + (j.jobFailed
          ? style.error("FAILED: a task failed \(MapReduceJob.maxAttempts) attempts (mapred.map.max.attempts)")
          : j.complete ? "SUCCEEDED in \(j.finished! - j.submitted)" : "RUNNING")
        + ", map \(mapPct)% reduce \(reducePct)%" + (j.program.readsText ? " (\(name(j.program)))" : "")
    ]
    var table = TextTable(["TASK", "STATE", "TRACKER", "WHERE"])
    for (i, m) in j.maps.enumerated() {
      let place =
        m.locality.map { ["data": "data-local", "rack": "rack-local", "off": "off-rack"][$0.rawValue]! } ?? "-"
      let tracker = (m.tracker.map(view.name) ?? "-") + (m.backup.map { " + \(view.name($0))" } ?? "")
      table.add([String(format: "m_%06d", i), m.state.rawValue, tracker, place])
    }
    for (i, r) in j.reduces.enumerated() {
      let tracker = (r.tracker.map(view.name) ?? "-") + (r.backup.map { " + \(view.name($0))" } ?? "")
      table.add([String(format: "r_%06d", i), r.state.rawValue, tracker, "-"])
    }
    lines.append(table.render(style: style))
    lines.append("Counters:")
    lines.append("  Job Counters")
    lines.append("    Launched map tasks=\(j.launchedMaps)")
    lines.append("    Launched reduce tasks=\(j.launchedReduces)")
    lines.append("    Data-local map tasks=\(j.dataLocal)")
    lines.append("    Rack-local map tasks=\(j.rackLocal)")
    lines.append("    Killed map and reduce attempts (lost TaskTrackers)=\(j.killed)")
    lines.append("    Failed map and reduce attempts=\(j.failed)")
    lines.append("    Speculative attempts=\(j.backups)")
    lines += framework(j)
    return lines.joined(separator: "\n")
  }

  /// The program as `hadoop jar hadoop-examples.jar` names it.
  func name(_ p: JobProgram) -> String {
    if case .grep(let pattern) = p { return "grep '\(pattern)'" }
    return p.name
  }

  /// The Map-Reduce Framework and output counters, under Hadoop's names.
  func framework(_ j: MapReduceJob) -> [String] {
    var lines = ["  Map-Reduce Framework", "    Map input bytes=\(j.maps.reduce(Int64(0)) { $0 + $1.size })"]
    if j.program.readsText {
      lines.append("    Map input records=\(j.records.mapInput)")
      lines.append("    Map output records=\(j.records.mapOutput)")
      if j.program.combines { lines.append("    Combine output records=\(j.records.combineOutput)") }
      lines.append("    Reduce input groups=\(j.records.reduceInputGroups)")
      lines.append("    Reduce output records=\(j.records.reduceOutput)")
    }
    lines.append("    Reduce shuffle bytes=\(j.shuffled)")
    lines.append("  File Output Format Counters")
    lines.append("    Bytes Written=\(j.written)")
    return lines
  }

  /// A job the LocalJobRunner ran in standalone mode: no trackers, no locality.
  func local(_ j: MapReduceJob) -> String {
    var lines = [
      "\(j.id): SUCCEEDED (\(name(j.program))) in the LocalJobRunner:",
      "\(j.maps.count) map\(j.maps.count == 1 ? "" : "s"), then 1 reduce, one after another in the shell; "
        + "wrote file:\(j.output)/part-00000",
      "Counters:",
    ]
    lines += framework(j)
    return lines.joined(separator: "\n")
  }
}
