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
  /// Map output held here: "job/map" → bytes for each reducer.
  var outputs: [String: Int64] = [:]
  var heartbeats: TimerHandle?
  var ran = 0
  /// Running maps: "job/map" → (started, how long it should take), for progress reports.
  var running: [String: (started: Nanoseconds, expected: Nanoseconds)] = [:]

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
      "tt.fetch", [ArgumentSpec("JOB", .string), ArgumentSpec("MAP", .int)],
      "a reducer's share of a map's output held here (taking its size's time)"
    ) { t, r, node in
      guard let bytes = t.outputs["\(r.key(0))/\(r.args[1].intValue ?? -1)"], let s = t.settings else {
        return .error("no such map output")
      }
      _ = node.after(s.transfer(bytes)) { node in node.answer(r, .value([.int(bytes)])) }
      return .later
    },
  ]

  public func start(_ node: ProgramNode) {
    (maps, reduces, reports, outputs, heartbeats, running) = (0, 0, [], [:], nil, [:])
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
    // Each running map's progress, in thousandths: how far through its expected time it is.
    let progress: [Value] = running.keys.sorted().map { key in
      let r = running[key]!
      let done = min(1, Double((node.now - r.started).value) / Double(max(1, r.expected.value)))
      return .list([.string(key), .int(Int64(done * 1000))])
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

  func launch(_ a: Value, node: ProgramNode) {
    guard let l = a.listValue, let kind = l.first?.stringValue, l.count >= 5, let job = l[1].stringValue,
      let index = l[2].intValue
    else { return }
    ran += 1
    if kind == "map", l.count == 7, let block = l[3].intValue, let size = l[4].intValue,
      case .double(let ratio) = l[6]
    {
      maps += 1
      let hosts = (l[5].listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } }
      if let s = settings { running["\(job)/\(index)"] = (node.now, s.transfer(size) + s.processing(size)) }
      read(block, size: size, from: hosts, node: node) { [unowned self] node, ok in
        guard ok, let s = self.settings else {
          self.running["\(job)/\(index)"] = nil
          self.maps -= 1
          self.reports.append(.list([.string(job), .string("map"), .int(index), .int(-1)]))
          return
        }
        _ = node.after(s.processing(size)) { [unowned self] node in
          self.running["\(job)/\(index)"] = nil
          self.maps -= 1
          self.outputs["\(job)/\(index)"] = Int64((Double(size) * ratio).rounded())
          self.reports.append(.list([.string(job), .string("map"), .int(index), .int(size)]))
        }
      }
    } else if kind == "reduce", let count = l[3].intValue, let output = l[4].stringValue {
      reduces += 1
      shuffle(job, reducer: Int(index), of: Int(count), output: output, fetched: [:], node: node)
    }
  }

  /// A map's input: from this machine's disk if the DataNode here holds a good replica, else
  /// from the other holders in turn; a replica whose checksum fails is reported.
  func read(
    _ block: Int64, size: Int64, from hosts: [NodeID], node: ProgramNode, then: @escaping (ProgramNode, Bool) -> Void
  ) {
    guard let s = settings else { return then(node, false) }
    let others = hosts.filter { $0 != node.me }
    if let local = DataNodeService.Stored(node.disk[DataNodeService.key(block)]) {
      _ = node.after(s.transfer(size)) { [unowned self] node in
        guard local.corrupt else { return then(node, true) }
        // A bad checksum here too: the reader reports the replica and reads another, as any HDFS client.
        node.tell(s.namenode, "nn.badBlock", [.int(block), .int(Int64(node.me.number))])
        self.readRemote(block, size: size, from: others, node: node, then: then)
      }
      return
    }
    readRemote(block, size: size, from: others, node: node, then: then)
  }

  func readRemote(
    _ block: Int64, size: Int64, from hosts: [NodeID], node: ProgramNode, then: @escaping (ProgramNode, Bool) -> Void
  ) {
    guard let s = settings, let first = hosts.first else { return then(node, false) }
    node.call(first, "dn.read", [.int(block)], options: CallOptions(timeout: s.transfer(size) + .seconds(2))) {
      [unowned self] node, result in
      if case .value = result { return then(node, true) }
      if case .error("ChecksumException") = result {
        node.tell(s.namenode, "nn.badBlock", [.int(block), .int(Int64(first.number))])
      }
      self.readRemote(block, size: size, from: Array(hosts.dropFirst()), node: node, then: then)
    }
  }

  /// Fetches this reducer's share of every finished map, asking the JobTracker which are done
  /// and where, until it has them all; then reduces and writes.
  func shuffle(_ job: String, reducer: Int, of count: Int, output: String, fetched: [Int: Int64], node: ProgramNode) {
    guard let s = settings, let jt = s.jobtracker else { return }
    node.call(jt, "jt.events", [.string(job)]) { [unowned self] node, result in
      guard case .value(let v) = result, let total = v.last?.intValue else {
        _ = node.after(.seconds(1)) { [unowned self] node in
          self.shuffle(job, reducer: reducer, of: count, output: output, fetched: fetched, node: node)
        }
        return
      }
      var got = fetched
      let ready = v.dropLast().compactMap { e -> (Int, NodeID, Int64)? in
        guard let l = e.listValue, l.count == 3, let m = l[0].intValue, let t = l[1].intValue, let b = l[2].intValue,
          t >= 0
        else { return nil }
        return (Int(m), NodeID(Int(t)), b)
      }.filter { got[$0.0] == nil }
      guard got.count < Int(total) else { return self.reduce(job, reducer, output, got.values.reduce(0, +), node) }
      var left = ready.count
      guard left > 0 else {
        _ = node.after(.seconds(1)) { [unowned self] node in
          self.shuffle(job, reducer: reducer, of: count, output: output, fetched: got, node: node)
        }
        return
      }
      for (m, t, bytes) in ready {
        node.call(
          t, "tt.fetch", [.string(job), .int(Int64(m))], options: CallOptions(timeout: s.transfer(bytes) + .seconds(2))
        ) {
          [unowned self] node, result in
          if case .value = result { got[m] = bytes }
          left -= 1
          guard left == 0 else { return }
          self.shuffle(job, reducer: reducer, of: count, output: output, fetched: got, node: node)
        }
      }
    }
  }

  func reduce(_ job: String, _ reducer: Int, _ output: String, _ bytes: Int64, _ node: ProgramNode) {
    guard let s = settings else { return }
    _ = node.after(s.processing(bytes)) { [unowned self] node in
      let path = output + String(format: "/part-%05d", reducer)
      let size = Int64((Double(bytes) * 0.5).rounded())
      HDFSWriter(settings: s).write(path, size: size, node: node) { [unowned self] node, ok in
        guard ok else {
          // The attempt failed: its half-written file goes, and the JobTracker runs it again.
          node.call(s.namenode, "nn.delete", [.string(path)]) { [unowned self] _, _ in
            self.reduces -= 1
            self.reports.append(.list([.string(job), .string("reduce"), .int(Int64(reducer)), .int(-1)]))
          }
          return
        }
        self.reduces -= 1
        self.reports.append(.list([.string(job), .string("reduce"), .int(Int64(reducer)), .int(size)]))
      }
    }
  }
}

/// An HDFS write made from inside a node (a reducer's output): create, each block through the
/// pipeline the NameNode gives (its first replica on this node when a DataNode runs here),
/// close. Calls with continuations, as any node program does.
struct HDFSWriter {
  let settings: HDFSSettings

  func write(_ path: String, size: Int64, node: ProgramNode, then: @escaping (ProgramNode, Bool) -> Void) {
    let nn = settings.namenode
    node.call(nn, "nn.create", [.string(path), .int(size), .int(Int64(settings.replication))]) { node, result in
      guard case .value = result else { return then(node, false) }
      self.blocks(path, left: size, node: node) { node, ok in
        guard ok else { return then(node, false) }
        node.call(nn, "nn.complete", [.string(path)]) { node, result in
          if case .value = result { then(node, true) } else { then(node, false) }
        }
      }
    }
  }

  func blocks(_ path: String, left: Int64, node: ProgramNode, then: @escaping (ProgramNode, Bool) -> Void) {
    guard left > 0 else { return then(node, true) }
    node.call(settings.namenode, "nn.addBlock", [.string(path), .list([])]) { node, result in
      guard case .value(let v) = result, v.count == 3, let id = v[0].intValue, let bs = v[1].intValue,
        let targets = v[2].listValue, let first = targets.first?.intValue
      else { return then(node, false) }
      node.call(
        NodeID(Int(first)), "dn.write", [.int(id), .int(bs), .list(Array(targets.dropFirst()))],
        options: CallOptions(timeout: self.settings.pipelineWait(bs, nodes: targets.count))
      ) { node, result in
        guard case .value = result else { return then(node, false) }
        self.blocks(path, left: left - bs, node: node, then: then)
      }
    }
  }
}
