import DistLab

/// Hadoop's LocalJobRunner, standalone mode's job runner: no JobTracker, no TaskTrackers, no
/// HDFS. It cuts each local file into splits of `fs.local.block.size` (32 MB), runs the maps one
/// after another in the client's own process, and one reduce — Hadoop allows 0 or 1 reducer in
/// local mode, whatever the job asked for.
public enum LocalJobRunner {
  /// `fs.local.block.size`: 32 MB.
  public static let splitSize = 32 << 20

  static func run(
    _ program: JobProgram, id: String, input: [String], files: [[UInt8]], output: String, at now: Nanoseconds
  ) -> (MapReduceJob, [UInt8]) {
    var merged: [String: Int64] = [:]
    var records = MapReduceJob.Records()
    var maps: [MapReduceJob.MapTask] = []
    for bytes in files {
      var start = 0
      repeat {
        let end = min(bytes.count, start + splitSize)
        let block = Array(bytes[start..<end])
        let next = end < bytes.count ? TextSplit.firstLine(Array(bytes[end...])) : nil
        let out = program.map(TextSplit.lines(block, next: next, first: start == 0))
        records.mapInput += out.inputRecords
        records.mapOutput += out.outputRecords
        if program.combines { records.combineOutput += Int64(out.counts.count) }
        for (k, v) in out.counts { merged[k, default: 0] += v }
        var task = MapReduceJob.MapTask(block: -1, size: Int64(block.count), hosts: [])
        task.state = .done
        maps.append(task)
        start = end
      } while start < bytes.count
    }
    let (text, written) = program.reduce(merged)
    records.reduceInputGroups = Int64(merged.count)
    records.reduceOutput = written
    var job = MapReduceJob(id: id, input: input, output: output, program: program, maps: maps, reducers: 1, at: now)
    job.reduces[0].state = .done
    job.finished = now
    job.records = records
    job.launchedMaps = maps.count
    job.launchedReduces = 1
    job.written = Int64(text.count)
    job.shuffled = JobProgram.bytes(merged.map { ($0.key, $0.value) })
    job.local = true
    return (job, text)
  }
}
