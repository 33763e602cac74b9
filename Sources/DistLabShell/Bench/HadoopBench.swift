import DistLab
import DistLabHadoop

/// The Hadoop lab in sim mode, in wall time: writing a file through the client's pipelines —
/// 1 TB (8,192 blocks × 3 replicas) over 100 DataNodes on 10 racks in a full run — with every
/// heartbeat and every NameNode look of the virtual hours that takes; and a word count over
/// 10 MB of text on 10 TaskTrackers, from `hdfs put` to the last part written.
enum HadoopBench {
  static func world(singleThreaded: Bool) -> World {
    var config = WorldConfig()
    config.seed = 1
    config.traceLimit = 1000
    config.singleThreaded = singleThreaded
    return World(config: config, roles: RoleCatalog(HDFSClient.roles))
  }

  /// Several writes of the same file, each on a fresh cluster: the best time is the figure (the
  /// machine's other work only ever adds to a run's wall time), and the rest show the spread.
  struct Writes {
    var seconds: [Double]
    var blocks: Int
    var best: Double { seconds.min() ?? 0 }
  }

  static func writes(bytes: Int64, attempts: Int, singleThreaded: Bool = false) throws(WorldError) -> Writes {
    var w = Writes(seconds: [], blocks: 0)
    for _ in 0..<max(1, attempts) {
      let (seconds, blocks) = try write(bytes: bytes, singleThreaded: singleThreaded)
      w.seconds.append(seconds)
      w.blocks = blocks
    }
    return w
  }

  static func write(bytes: Int64, singleThreaded: Bool = false) throws(WorldError) -> (seconds: Double, blocks: Int) {
    let client = HDFSClient(world: world(singleThreaded: singleThreaded))
    _ = try client.start(datanodes: 100, racks: 10) { _ in }
    let start = BenchClock.now()
    let result = try client.put("/big", size: bytes, replication: nil)
    let seconds = Double(BenchClock.now() - start) / 1e9
    guard case .success(let w) = result else { return (seconds, 0) }
    return (seconds, w.blocks.count)
  }

  /// Text of `bytes` bytes: lines of words drawn from a small vocabulary, the same every run.
  static func text(bytes: Int) -> [UInt8] {
    let words = [
      "the", "network", "is", "reliable", "latency", "zero", "bandwidth", "infinite", "secure", "topology",
      "administrator", "transport", "cost", "homogeneous", "message", "node", "timeout", "retry", "replica", "time",
    ]
    var rng = SeededRandom(seed: 10)
    var out: [UInt8] = []
    out.reserveCapacity(bytes + 80)
    var line = 0
    while out.count < bytes {
      let w = words[Int(rng.next() % UInt64(words.count))]
      if line + w.utf8.count > 70 {
        out.append(10)
        line = 0
      } else if line > 0 {
        out.append(32)
        line += 1
      }
      out += w.utf8
      line += w.utf8.count
    }
    out.append(10)
    return out
  }

  /// Word count over `bytes` of text in 1 MB blocks on `trackers` TaskTrackers: the wall time
  /// from the put to the job's end, and whether its counts equal a plain count.
  static func wordCount(bytes: Int, trackers: Int) throws(WorldError) -> (seconds: Double, correct: Bool) {
    let w = world(singleThreaded: false)
    let client = HDFSClient(world: w)
    _ = try client.start(datanodes: trackers, racks: 2, mapreduce: true) { s in s.blockSize = 1 << 20 }
    let input = text(bytes: bytes)
    let start = BenchClock.now()
    guard case .success = try client.put("/text", size: 0, replication: nil, text: input),
      case .success = try client.submit(input: ["/text"], output: "/counts", reducers: 2, program: .wordcount)
    else { return (0, false) }
    var done = false
    for _ in 0..<120 where !done {
      _ = try w.advance(by: .seconds(1))
      if case .success(let jobs) = try client.jobs(), jobs.last?.finished != nil { done = true }
    }
    let seconds = Double(BenchClock.now() - start) / 1e9
    var counts: [String: Int64] = [:]
    for part in ["/counts/part-00000", "/counts/part-00001"] {
      guard case .success(let reads) = try client.read(part) else { return (seconds, false) }
      for line in String(decoding: reads.flatMap { $0.bytes ?? [] }, as: UTF8.self).split(separator: "\n") {
        let f = line.split(separator: "\t")
        if f.count == 2 { counts[String(f[0]), default: 0] += Int64(f[1]) ?? 0 }
      }
    }
    var plain: [String: Int64] = [:]
    for word in String(decoding: input, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" }) {
      plain[String(word), default: 0] += 1
    }
    return (seconds, done && counts == plain)
  }
}
