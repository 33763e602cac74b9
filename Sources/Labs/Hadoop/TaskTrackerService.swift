import DistLab

/// Hadoop 1's TaskTracker, on the same machine as a DataNode: it heartbeats to the JobTracker
/// with its free slots and finished tasks and runs what the answer hands it. A map reads its
/// block from this machine's disk when the DataNode here holds it, else from another DataNode
/// over the network, processes it, and keeps its output on this machine for the reducers. A
/// reduce fetches its share of every finished map's output from the TaskTracker that ran it,
/// then writes its part of the result to HDFS, the first replica on this machine.
public final class TaskTrackerService: StartingService {
  var settings: HDFSSettings?
  var maps = 0
  var reduces = 0
  /// Finished tasks to report at the next heartbeat.
  var reports: [Value] = []
  /// Map output held here, by "job/map".
  var outputs: [String: Output] = [:]
  var heartbeats: TimerHandle?
  var ran = 0
  /// Running tasks by "job/map/N" or "job/reduce/N": the launch they belong to (a killed
  /// attempt's callbacks find another, or none, and stop), and for a map when it started and
  /// how long it should take, for progress reports.
  var running: [String: Running] = [:]
  var launches = 0
  /// What each running reduce has fetched so far, merged: key → count.
  var merged: [String: [String: Int64]] = [:]

  struct Running {
    var launch: Int
    var started: Nanoseconds
    var expected: Nanoseconds
    var isMap: Bool
    /// A reduce's progress as Hadoop reckons it: the shuffle is its first third, sorting and
    /// reducing the other two.
    var shuffled = 0.0
    var reducing: Nanoseconds?

    func progress(at now: Nanoseconds) -> Double {
      guard !isMap else { return min(1, Double((now - started).value) / Double(max(1, expected.value))) }
      guard let since = reducing else { return shuffled / 3 }
      return 1.0 / 3 + 2.0 / 3 * min(1, Double((now - since).value) / Double(max(1, expected.value)))
    }
  }

  /// One map's output: each reducer's share, its bytes, and for a job over text its records.
  struct Output {
    var bytes: [Int64]
    var parts: [[(String, Int64)]]?
  }

  public init() {}

  public static let methods: [ServiceMethod<TaskTrackerService>] = [
    ServiceMethod("tt.configure", [ArgumentSpec("SETTINGS", .map)], "starts heartbeating to the JobTracker") {
      t, r, node in
      guard let s = HDFSSettings(r.args[0]) else { return .error("not cluster settings") }
      node.disk["tt-settings"] = s.value
      t.adopt(s, node: node)
      return .value([])
    },
    ServiceMethod(
      "tt.fetch",
      [ArgumentSpec("JOB", .string), ArgumentSpec("MAP", .int), ArgumentSpec("REDUCER", .int, optional: true)],
      "a reducer's share of a map's output held here (taking its size's time): [bytes, records as [key, count] for text]"
    ) { t, r, node in
      let k = r.args.count > 2 ? Int(r.args[2].intValue ?? 0) : 0
      guard let out = t.outputs["\(r.key(0))/\(r.args[1].intValue ?? -1)"], let s = t.settings, k >= 0,
        k < out.bytes.count
      else {
        return .error("no such map output")
      }
      let answer: [Value] =
        [.int(out.bytes[k])] + (out.parts.map { [.list($0[k].map { .list([.string($0.0), .int($0.1)]) })] } ?? [])
      _ = node.after(s.transfer(out.bytes[k])) { node in node.answer(r, .value(answer)) }
      return .later
    },
  ]

  public func start(_ node: ProgramNode) {
    (maps, reduces, reports, outputs, heartbeats, running, merged) = (0, 0, [], [:], nil, [:], [:])
    if let s = node.disk["tt-settings"].flatMap(HDFSSettings.init) { adopt(s, node: node) }
  }

  public func metrics() -> [(String, Double)] { [("tasks", Double(ran))] }

  func adopt(_ s: HDFSSettings, node: ProgramNode) {
    settings = s
    beat(node, after: .milliseconds(300))
  }

  func beat(_ node: ProgramNode, after: Nanoseconds) {
    if let h = heartbeats { node.cancel(h) }
    heartbeats = node.after(after) { [unowned self] node in self.heartbeat(node) }
  }

  func heartbeat(_ node: ProgramNode) {
    guard let s = settings, let jt = s.jobtracker else { return }
    let sent = reports
    reports = []
    let free: [Value] = [.int(Int64(s.mapSlots - maps)), .int(Int64(s.reduceSlots - reduces))]
    // Each running task's progress, in thousandths ("job/map/3", "job/reduce/0").
    let progress: [Value] = running.keys.sorted().map { key in
      .list([.string(key), .int(Int64(running[key]!.progress(at: node.now) * 1000))])
    }
    node.call(
      jt, "jt.heartbeat", [.list(free), .list(sent), .list(progress)], options: CallOptions(timeout: .seconds(2))
    ) {
      [unowned self] node, result in
      guard case .value(let v) = result, v.count == 2, let next = v[0].intValue, let actions = v[1].listValue else {
        self.reports = sent + self.reports
        return self.beat(node, after: .seconds(1))
      }
      for a in actions { self.launch(a, node: node) }
      self.beat(node, after: Nanoseconds(next))
    }
  }

  /// Whether the attempt of `key` started by `launch` still runs (it was not killed).
  func alive(_ key: String, _ launch: Int) -> Bool { running[key]?.launch == launch }

  /// Ends an attempt: its slot is free again.
  func finish(_ key: String) {
    guard let r = running.removeValue(forKey: key) else { return }
    if r.isMap { maps -= 1 } else { reduces -= 1 }
    merged[key] = nil
  }

  func launch(_ a: Value, node: ProgramNode) {
    guard let l = a.listValue, let kind = l.first?.stringValue, l.count >= 4, let job = l[1].stringValue else {
      return
    }
    if kind == "kill", let task = l[2].stringValue, let index = l[3].intValue {
      // The JobTracker's KillTaskAction: the other attempt of a speculative pair finished first.
      return finish("\(job)/\(task)/\(index)")
    }
    guard l.count >= 5, let index = l[2].intValue, let s = settings else { return }
    ran += 1
    launches += 1
    let launch = launches
    if kind == "map", l.count == 11, let block = l[3].intValue, let size = l[4].intValue,
      case .double(let ratio) = l[6], let program = JobProgram(l[7]), let reducers = l[10].intValue.map(Int.init)
    {
      let key = "\(job)/map/\(index)"
      maps += 1
      running[key] = Running(
        launch: launch, started: node.now, expected: s.transfer(size) + s.processing(size), isMap: true)
      let hosts = (l[5].listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } }
      let following: [(Int64, [NodeID])] = (l[8].listValue ?? []).compactMap { f in
        guard let p = f.listValue, p.count == 2, let b = p[0].intValue else { return nil }
        return (b, (p[1].listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } })
      }
      let first = l[9] == .bool(true)
      // A split over text reads on into the next blocks for the end of its last line; a job of
      // sizes reads its block alone.
      let after = program.readsText ? following[...] : []
      let failed = { [unowned self] in
        self.finish(key)
        self.reports.append(.list([.string(job), .string("map"), .int(index), .int(-1)]))
      }
      read(block, size: size, from: hosts, line: false, node: node) { [unowned self] node, ok, data in
        guard self.alive(key, launch) else { return }
        guard ok, !program.readsText || data != nil else { return failed() }
        self.readLineEnd(after, size: size, so: [], node: node) { [unowned self] node, ok, nextLine in
          guard self.alive(key, launch) else { return }
          guard ok else { return failed() }
          _ = node.after(s.processing(size)) { [unowned self] node in
            guard self.alive(key, launch) else { return }
            self.finish(key)
            if let data, program.readsText {
              let out = program.map(TextSplit.lines(data, next: nextLine, first: first))
              let parts = JobProgram.partitions(out.counts, reducers: reducers)
              let bytes = parts.map(JobProgram.bytes)
              self.outputs["\(job)/\(index)"] = Output(bytes: bytes, parts: parts)
              let counters: [Value] = [.int(out.inputRecords), .int(out.outputRecords), .int(Int64(out.counts.count))]
              self.reports.append(
                .list([
                  .string(job), .string("map"), .int(index), .int(bytes.reduce(0, +)), .list(counters),
                  .int(node.now.value),
                ]))
            } else {
              // A job of sizes: each reducer's share is the same part of the map's output.
              let share = Int64((Double(size) * ratio / Double(max(1, reducers))).rounded())
              self.outputs["\(job)/\(index)"] = Output(
                bytes: Array(repeating: share, count: max(1, reducers)), parts: nil)
              self.reports.append(
                .list([.string(job), .string("map"), .int(index), .int(size), .list([]), .int(node.now.value)]))
            }
          }
        }
      }
    } else if kind == "reduce", l.count == 6, let count = l[3].intValue, let output = l[4].stringValue,
      let program = JobProgram(l[5])
    {
      let key = "\(job)/reduce/\(index)"
      reduces += 1
      running[key] = Running(launch: launch, started: node.now, expected: .zero, isMap: false)
      merged[key] = [:]
      shuffle(
        Shuffle(
          job: job, reducer: Int(index), of: Int(count), output: output, program: program, key: key, launch: launch),
        fetched: [:], node: node)
    }
  }

  /// A block for a map: from this machine's disk if the DataNode here holds a good replica,
  /// else from the other holders in turn; a replica whose checksum fails is reported. With
  /// `line`, only up to its first newline (the end of the split before it). Hands on whether it
  /// was read and its bytes, for text.
  func read(
    _ block: Int64, size: Int64, from hosts: [NodeID], line: Bool, node: ProgramNode,
    then: @escaping (ProgramNode, Bool, [UInt8]?) -> Void
  ) {
    guard let s = settings else { return then(node, false, nil) }
    let others = hosts.filter { $0 != node.me }
    if let local = DataNodeService.Stored(node.disk[DataNodeService.key(block)]) {
      let bytes = line ? local.data.map(TextSplit.firstLine) : local.data
      _ = node.after(s.transfer(bytes.map { Int64($0.count) } ?? size)) { [unowned self] node in
        guard local.corrupt else { return then(node, true, bytes) }
        // A bad checksum here too: the reader reports the replica and reads another, as any HDFS client.
        node.tell(s.namenode, "nn.badBlock", [.int(block), .int(Int64(node.me.number))])
        self.readRemote(block, size: size, from: others, line: line, node: node, then: then)
      }
      return
    }
    readRemote(block, size: size, from: others, line: line, node: node, then: then)
  }

  /// The bytes after a split up to and including the first newline, from as many of the next
  /// blocks as that takes (nothing, when there are none: the file's last block).
  func readLineEnd(
    _ blocks: ArraySlice<(Int64, [NodeID])>, size: Int64, so far: [UInt8], node: ProgramNode,
    then: @escaping (ProgramNode, Bool, [UInt8]?) -> Void
  ) {
    guard let (b, hosts) = blocks.first else { return then(node, true, far) }
    read(b, size: size, from: hosts, line: true, node: node) { [unowned self] node, ok, bytes in
      guard ok, let bytes else { return then(node, false, nil) }
      if bytes.last == TextSplit.newline { return then(node, true, far + bytes) }
      self.readLineEnd(blocks.dropFirst(), size: size, so: far + bytes, node: node, then: then)
    }
  }

  func readRemote(
    _ block: Int64, size: Int64, from hosts: [NodeID], line: Bool, node: ProgramNode,
    then: @escaping (ProgramNode, Bool, [UInt8]?) -> Void
  ) {
    guard let s = settings, let first = hosts.first else { return then(node, false, nil) }
    node.call(
      first, "dn.read", [.int(block)] + (line ? [.bool(true)] : []),
      options: CallOptions(timeout: s.transfer(size) + .seconds(2))
    ) {
      [unowned self] node, result in
      if case .value(let v) = result {
        if v.count > 1, case .bytes(let b) = v[1] { return then(node, true, b) }
        return then(node, true, nil)
      }
      if case .error("ChecksumException") = result {
        node.tell(s.namenode, "nn.badBlock", [.int(block), .int(Int64(first.number))])
      }
      self.readRemote(block, size: size, from: Array(hosts.dropFirst()), line: line, node: node, then: then)
    }
  }

  /// A reduce attempt: its job, which share it takes, where it writes, and its launch.
  struct Shuffle {
    var job: String
    var reducer: Int
    var of: Int
    var output: String
    var program: JobProgram
    var key: String
    var launch: Int
  }

  /// Fetches this reducer's share of every finished map, asking the JobTracker which are done
  /// and where, until it has them all; then reduces and writes.
  func shuffle(_ r: Shuffle, fetched: [Int: Int64], node: ProgramNode) {
    guard let s = settings, let jt = s.jobtracker, alive(r.key, r.launch) else { return }
    node.call(jt, "jt.events", [.string(r.job)]) { [unowned self] node, result in
      guard self.alive(r.key, r.launch) else { return }
      guard case .value(let v) = result, let total = v.last?.intValue else {
        _ = node.after(.seconds(1)) { [unowned self] node in self.shuffle(r, fetched: fetched, node: node) }
        return
      }
      var got = fetched
      let ready = v.dropLast().compactMap { e -> (Int, NodeID, Int64)? in
        guard let l = e.listValue, l.count == 3, let m = l[0].intValue, let t = l[1].intValue, let b = l[2].intValue,
          t >= 0
        else { return nil }
        return (Int(m), NodeID(Int(t)), b)
      }.filter { got[$0.0] == nil }
      guard got.count < Int(total) else {
        return self.reduce(r, shuffled: got.values.reduce(0, +), node: node)
      }
      var left = ready.count
      guard left > 0 else {
        _ = node.after(.seconds(1)) { [unowned self] node in self.shuffle(r, fetched: got, node: node) }
        return
      }
      for (m, t, bytes) in ready {
        node.call(
          t, "tt.fetch", [.string(r.job), .int(Int64(m)), .int(Int64(r.reducer))],
          options: CallOptions(timeout: s.transfer(bytes) + .seconds(2))
        ) {
          [unowned self] node, result in
          guard self.alive(r.key, r.launch) else { return }
          if case .value(let v) = result, let b = v.first?.intValue {
            got[m] = b
            self.running[r.key]?.shuffled = Double(got.count) / Double(max(1, total))
            for pair in v.count > 1 ? v[1].listValue ?? [] : [] {
              guard let p = pair.listValue, p.count == 2, let k = p[0].stringValue, let c = p[1].intValue else {
                continue
              }
              self.merged[r.key]?[k, default: 0] += c
            }
          } else if let jt = s.jobtracker {
            // A fetch failure goes to the JobTracker, which re-runs a map too many reducers
            // cannot fetch.
            node.tell(jt, "jt.fetchFailed", [.string(r.job), .int(Int64(m))])
          }
          left -= 1
          guard left == 0 else { return }
          self.shuffle(r, fetched: got, node: node)
        }
      }
    }
  }

  /// Reduces the merged share and writes it where only this attempt writes — as Hadoop's
  /// FileOutputCommitter, under `OUTPUT/_temporary/_attempt_…/` — then asks the JobTracker
  /// whether it may commit (of two speculative attempts only one may) and renames its part
  /// into place.
  func reduce(_ r: Shuffle, shuffled bytes: Int64, node: ProgramNode) {
    guard let s = settings else { return }
    let shuffleEnd = node.now
    running[r.key]?.shuffled = 1
    running[r.key]?.reducing = node.now
    running[r.key]?.expected = s.processing(bytes)
    _ = node.after(s.processing(bytes)) { [unowned self] node in
      guard self.alive(r.key, r.launch) else { return }
      let part = String(format: "part-%05d", r.reducer)
      let path = r.output + "/_temporary/_attempt_\(r.job)_r_\(String(format: "%06d", r.reducer))_\(r.launch)/\(part)"
      let merged = self.merged[r.key] ?? [:]
      let (text, records) = r.program.reduce(merged)
      let size = r.program.readsText ? Int64(text.count) : Int64((Double(bytes) * 0.5).rounded())
      let counters: [Value] = [.int(bytes), .int(Int64(merged.count)), .int(records), .int(shuffleEnd.value)]
      HDFSWriter(settings: s).write(path, size: size, text: r.program.readsText ? text : nil, node: node) {
        [unowned self] node, ok in
        guard self.alive(r.key, r.launch) else { return }
        guard ok else {
          // The attempt failed: its half-written file goes, and the JobTracker runs it again.
          node.call(s.namenode, "nn.delete", [.string(path)]) { [unowned self] _, _ in
            self.finish(r.key)
            self.reports.append(.list([.string(r.job), .string("reduce"), .int(Int64(r.reducer)), .int(-1)]))
          }
          return
        }
        self.commit(r, from: path, to: r.output + "/" + part, node: node) { [unowned self] node in
          self.finish(r.key)
          self.reports.append(
            .list([
              .string(r.job), .string("reduce"), .int(Int64(r.reducer)), .int(size), .list(counters),
              .int(node.now.value),
            ]))
        }
      }
    }
  }

  /// Hadoop's commitTask: the JobTracker's leave (`canCommit`), then the rename. An attempt
  /// refused leave lost the race to its twin: its output goes and it ends without a report (the
  /// JobTracker has already counted it killed).
  func commit(
    _ r: Shuffle, from temp: String, to final: String, node: ProgramNode, then: @escaping (ProgramNode) -> Void
  ) {
    guard let s = settings, let jt = s.jobtracker else { return }
    node.call(jt, "jt.commit", [.string(r.job), .int(Int64(r.reducer))]) { [unowned self] node, result in
      guard self.alive(r.key, r.launch) else { return }
      switch result {
      case .value(let v) where v.first == .bool(true):
        // As FileOutputCommitter's moveTaskOutputs: an earlier attempt's committed part (its
        // TaskTracker lost before it could report) is replaced.
        node.call(s.namenode, "nn.rename", [.string(temp), .string(final), .bool(true)]) {
          [unowned self] node, result in
          guard self.alive(r.key, r.launch) else { return }
          if case .value = result { return then(node) }
          self.finish(r.key)
          self.reports.append(.list([.string(r.job), .string("reduce"), .int(Int64(r.reducer)), .int(-1)]))
        }
      case .value:
        node.tell(s.namenode, "nn.delete", [.string(temp)])
        self.finish(r.key)
      default:
        // No answer: ask again, as a TaskTracker does until the JobTracker answers.
        _ = node.after(.seconds(1)) { [unowned self] node in
          self.commit(r, from: temp, to: final, node: node, then: then)
        }
      }
    }
  }
}

/// An HDFS write made from inside a node (a reducer's output): create, each block through the
/// pipeline the NameNode gives (its first replica on this node when a DataNode runs here),
/// close. Calls with continuations, as any node program does.
struct HDFSWriter {
  let settings: HDFSSettings

  func write(
    _ path: String, size: Int64, text: [UInt8]? = nil, node: ProgramNode, then: @escaping (ProgramNode, Bool) -> Void
  ) {
    let nn = settings.namenode
    node.call(
      nn, "nn.create",
      [.string(path), .int(size), .int(Int64(settings.replication))] + (text == nil ? [] : [.bool(true)])
    ) { node, result in
      guard case .value = result else { return then(node, false) }
      self.blocks(path, left: size, text: text, node: node) { node, ok in
        guard ok else { return then(node, false) }
        node.call(nn, "nn.complete", [.string(path)]) { node, result in
          if case .value = result { then(node, true) } else { then(node, false) }
        }
      }
    }
  }

  func blocks(
    _ path: String, left: Int64, text: [UInt8]?, node: ProgramNode, then: @escaping (ProgramNode, Bool) -> Void
  ) {
    guard left > 0 else { return then(node, true) }
    node.call(settings.namenode, "nn.addBlock", [.string(path), .list([])]) { node, result in
      guard case .value(let v) = result, v.count == 3, let id = v[0].intValue, let bs = v[1].intValue,
        let targets = v[2].listValue, let first = targets.first?.intValue
      else { return then(node, false) }
      let offset = (text?.count ?? 0) - Int(left)
      let bytes: [Value] = text.map { [.bytes(Array($0[offset..<offset + Int(bs)]))] } ?? []
      node.call(
        NodeID(Int(first)), "dn.write", [.int(id), .int(bs), .list(Array(targets.dropFirst()))] + bytes,
        options: CallOptions(timeout: self.settings.pipelineWait(bs, nodes: targets.count))
      ) { node, result in
        guard case .value = result else { return then(node, false) }
        self.blocks(path, left: left - bs, text: text, node: node, then: then)
      }
    }
  }
}
