import DistLab

/// Hadoop 1's JobTracker: jobs in FIFO order; it hands tasks to TaskTrackers only in answer to
/// their heartbeats, filling free map slots with data-local maps first, then rack-local ones,
/// and at most one off-rack map a heartbeat; reduces, at most one a heartbeat, once
/// `mapred.reduce.slowstart.completed.maps` of the maps are done. A TaskTracker silent for
/// `mapred.tasktracker.expiry.interval` is lost: its running tasks, and its finished maps of
/// jobs still running (their output lived on its disk), run again elsewhere.
public final class JobTrackerService: StartingService {
  struct Tracker {
    var rack: String
    var last: Nanoseconds
    var lost = false
  }

  var settings: HDFSSettings?
  var jobs: [MapReduceJob] = []
  var trackers: [NodeID: Tracker] = [:]
  var expiry: TimerHandle?
  /// Attempts to kill, told to each TaskTracker at its next heartbeat: [job, kind, task].
  var kills: [NodeID: [Value]] = [:]

  public init() {}

  public static let methods: [ServiceMethod<JobTrackerService>] = [
    ServiceMethod("jt.configure", [ArgumentSpec("SETTINGS", .map)], "starts the JobTracker") { j, r, node in
      guard let s = HDFSSettings(r.args[0]) else { return .error("not cluster settings") }
      node.disk["settings"] = s.value
      j.adopt(s, node: node)
      return .value([])
    },
    ServiceMethod(
      "jt.submit",
      [
        ArgumentSpec("INPUT", .list), ArgumentSpec("OUTPUT", .string), ArgumentSpec("REDUCERS", .int),
        ArgumentSpec("RATIO", .double), ArgumentSpec("SPECULATIVE", .bool, optional: true),
        ArgumentSpec("PROGRAM", .list, optional: true),
      ],
      "a job over input files: one map per block; answers its id"
    ) { j, r, node in j.submit(r, node: node) },
    ServiceMethod(
      "jt.heartbeat",
      [ArgumentSpec("FREE", .list), ArgumentSpec("REPORTS", .list), ArgumentSpec("PROGRESS", .list, optional: true)],
      "a TaskTracker's free [map, reduce] slots, finished tasks and running maps' progress; answers [next interval, tasks to run]"
    ) { j, r, node in j.heartbeat(r, node: node) },
    ServiceMethod(
      "jt.events", [ArgumentSpec("JOB", .string)], "the job's finished maps: [map, TaskTracker, bytes for each reducer]"
    ) { j, r, _ in
      guard let job = j.jobs.first(where: { $0.id == r.key(0) }) else { return .error("no such job") }
      return .value(
        job.maps.indices.filter { job.maps[$0].state == .done }.map { i in
          .list([.int(Int64(i)), .int(Int64(job.maps[i].tracker?.number ?? -1)), .int(job.partition(job.maps[i]))])
        } + [.int(Int64(job.maps.count))])
    },
    ServiceMethod("jt.jobs", [], "every job, oldest first") { j, _, _ in .value(j.jobs.map(\.value)) },
    ServiceMethod(
      "jt.fetchFailed", [ArgumentSpec("JOB", .string), ArgumentSpec("MAP", .int)],
      "a reducer could not fetch a finished map's output"
    ) { j, r, node in
      j.fetchFailed(r.key(0), Int(r.args[1].intValue ?? -1), node: node)
      return .value([])
    },
    ServiceMethod(
      "jt.commit", [ArgumentSpec("JOB", .string), ArgumentSpec("REDUCE", .int)],
      "canCommit: whether this reduce attempt may commit its output (true for one attempt only)"
    ) { j, r, _ in
      let k = Int(r.args[1].intValue ?? -1)
      guard let i = j.jobs.firstIndex(where: { $0.id == r.key(0) }), k >= 0, k < j.jobs[i].reduces.count else {
        return .error("no such task")
      }
      let task = j.jobs[i].reduces[k]
      let mine = task.state == .running && (task.tracker == r.caller || task.backup == r.caller)
      guard mine, task.committer == nil || task.committer == r.caller else { return .value([.bool(false)]) }
      j.jobs[i].reduces[k].committer = r.caller
      return .value([.bool(true)])
    },
  ]

  public func start(_ node: ProgramNode) {
    if let s = node.disk["settings"].flatMap(HDFSSettings.init) { adopt(s, node: node) }
  }

  public func metrics() -> [(String, Double)] {
    [("jobs", Double(jobs.count)), ("trackers", Double(trackers.values.filter { !$0.lost }.count))]
  }

  func adopt(_ s: HDFSSettings, node: ProgramNode) {
    settings = s
    if let e = expiry { node.cancel(e) }
    // Hadoop's ExpireTrackers thread looks every third of the expiry interval.
    expiry = node.every(Nanoseconds(max(1_000_000, s.trackerExpiry.value / 3))) { [unowned self] node in
      self.expire(node)
    }
  }

  /// Hadoop 1.2's heartbeat interval: 300 ms at least, 10 ms more for every TaskTracker.
  var interval: Nanoseconds { .milliseconds(max(300, 10 * Double(trackers.count))) }

  func submit(_ r: Request, node: ProgramNode) -> Answer {
    guard let s = settings else { return .error("JobTracker not configured") }
    let paths = (r.args[0].listValue ?? []).compactMap(\.stringValue)
    let reducers = max(1, Int(r.args[2].intValue ?? 1))
    guard case .double(let ratio) = r.args[3] else { return .error("no ratio") }
    let program = r.args.count > 5 ? JobProgram(r.args[5]) ?? .sized(ratio: ratio) : .sized(ratio: ratio)
    var blocks: [[MapReduceJob.MapTask]] = Array(repeating: [], count: paths.count)
    var left = paths.count
    var failure: String?
    for (i, p) in paths.enumerated() {
      node.call(s.namenode, "nn.locations", [.string(p)]) { [unowned self] node, result in
        switch result {
        case .value(let rows):
          blocks[i] = rows.compactMap { row in
            guard let l = row.listValue, l.count >= 3, let b = l[0].intValue, let size = l[1].intValue else {
              return nil
            }
            return MapReduceJob.MapTask(
              block: b, size: size, hosts: (l[2].listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } })
          }
          // Each split may read into the next block of its file, for the end of its last line.
          for k in blocks[i].indices {
            blocks[i][k].first = k == 0
            let after = blocks[i][(k + 1)...].prefix(MapReduceJob.followingBlocks)
            blocks[i][k].following = after.map(\.block)
            blocks[i][k].followingHosts = after.map(\.hosts)
          }
          let text = rows.allSatisfy { $0.listValue?.count == 4 && $0.listValue?[3] == .bool(true) }
          if program.readsText, !text {
            failure =
              failure
              ?? "\(p) was put by size and holds no text: \(program.name) reads text ('hdfs put PATH --from FILE')"
          }
        case .error(let e): failure = failure ?? e
        case .timeout: failure = failure ?? "the NameNode did not answer"
        }
        left -= 1
        guard left == 0 else { return }
        if let failure { return node.answer(r, .error(failure)) }
        let id = String(format: "job_%04d", self.jobs.count + 1)
        var job = MapReduceJob(
          id: id, input: paths, output: r.key(1), program: program, maps: blocks.flatMap { $0 }, reducers: reducers,
          at: node.now)
        job.speculative = r.args.count < 5 || r.args[4] != .bool(false)
        self.jobs.append(job)
        node.event("mr.submitted", [.string(id), .int(Int64(blocks.flatMap { $0 }.count)), .int(Int64(reducers))])
        node.answer(r, .value([.string(id)]))
      }
    }
    return .later
  }

  func heartbeat(_ r: Request, node: ProgramNode) -> Answer {
    guard let s = settings else { return .error("JobTracker not configured") }
    let t = r.caller
    var tracker = trackers[t] ?? Tracker(rack: s.rack(of: t), last: node.now)
    if tracker.lost { tracker.lost = false }
    tracker.last = node.now
    trackers[t] = tracker
    for report in r.args[1].listValue ?? [] { finished(report, from: t, node: node) }
    if r.args.count > 2 { progressed(r.args[2].listValue ?? [], from: t) }
    let free = (r.args[0].listValue ?? []).compactMap(\.intValue)
    var freeMaps = Int(free.first ?? 0)
    var freeReduces = Int(free.count > 1 ? free[1] : 0)
    var actions: [Value] =
      kills.removeValue(forKey: t).map { $0.map { .list([.string("kill")] + ($0.listValue ?? [])) } } ?? []
    var offRack = false
    for j in jobs.indices where jobs[j].finished == nil {
      while freeMaps > 0, let (m, locality, backup) = pickMap(j, for: t, allowOff: !offRack, now: node.now) {
        freeMaps -= 1
        // At most one off-rack or speculative map a heartbeat.
        if locality == .off || backup { offRack = true }
        if backup {
          jobs[j].maps[m].backup = t
          jobs[j].backups += 1
          node.event("mr.speculate", [.string(jobs[j].id), .int(Int64(m)), .int(Int64(t.number))])
        } else {
          jobs[j].maps[m].state = .running
          jobs[j].maps[m].tracker = t
          jobs[j].maps[m].locality = locality
          jobs[j].maps[m].started = node.now
          jobs[j].maps[m].progress = 0
        }
        jobs[j].launchedMaps += 1
        jobs[j].attempts.append(.init(kind: .map, task: m, tracker: t, start: node.now, speculative: backup))
        let task = jobs[j].maps[m]
        actions.append(
          .list([
            .string("map"), .string(jobs[j].id), .int(Int64(m)), .int(task.block), .int(task.size),
            .list(task.hosts.map { .int(Int64($0.number)) }), .double(jobs[j].ratio), jobs[j].program.value,
            .list(
              zip(task.following, task.followingHosts).map { b, hosts in
                .list([.int(b), .list(hosts.map { .int(Int64($0.number)) })])
              }), .bool(task.first), .int(Int64(jobs[j].reduces.count)),
          ]))
        node.event("mr.map", [.string(jobs[j].id), .int(Int64(m)), .int(Int64(t.number)), .string(locality.rawValue)])
      }
      let needed = Int((s.slowstart * Double(jobs[j].maps.count)).rounded(.up))
      let pendingReduce = jobs[j].reduces.firstIndex(where: { $0.state == .pending })
      let backupReduce =
        pendingReduce == nil && jobs[j].speculative ? Self.straggler(jobs[j].reduces, for: t, now: node.now) : nil
      if freeReduces > 0, jobs[j].mapsDone >= needed, let k = pendingReduce ?? backupReduce {
        // Hadoop never hands out more than one reduce a heartbeat.
        freeReduces = 0
        if backupReduce != nil {
          jobs[j].reduces[k].backup = t
          jobs[j].backups += 1
          node.event("mr.speculate", [.string(jobs[j].id), .int(Int64(k)), .int(Int64(t.number))])
        } else {
          jobs[j].reduces[k].state = .running
          jobs[j].reduces[k].tracker = t
          jobs[j].reduces[k].started = node.now
          jobs[j].reduces[k].progress = 0
        }
        jobs[j].launchedReduces += 1
        jobs[j].attempts.append(
          .init(kind: .reduce, task: k, tracker: t, start: node.now, speculative: backupReduce != nil))
        actions.append(
          .list([
            .string("reduce"), .string(jobs[j].id), .int(Int64(k)), .int(Int64(jobs[j].reduces.count)),
            .string(jobs[j].output), jobs[j].program.value,
          ]))
        node.event("mr.reduce", [.string(jobs[j].id), .int(Int64(k)), .int(Int64(t.number))])
      }
    }
    return .value([.int(interval.value), .list(actions)])
  }

  /// The next map for tracker `t`: one whose block is on `t`, else on `t`'s rack, else (once a
  /// heartbeat) any.
  func pickMap(_ j: Int, for t: NodeID, allowOff: Bool, now: Nanoseconds) -> (Int, MapReduceJob.Locality, Bool)? {
    let pending = jobs[j].maps.indices.filter { jobs[j].maps[$0].state == .pending }
    if let m = pending.first(where: { jobs[j].maps[$0].hosts.contains(t) }) { return (m, .data, false) }
    let rack = trackers[t]?.rack
    if let m = pending.first(where: { jobs[j].maps[$0].hosts.contains { settings?.rack(of: $0) == rack } }) {
      return (m, .rack, false)
    }
    guard allowOff else { return nil }
    if let m = pending.first { return (m, .off, false) }
    guard jobs[j].speculative, let m = Self.straggler(jobs[j].maps, for: t, now: now) else { return nil }
    return (m, locality(of: jobs[j].maps[m], on: t), true)
  }

  /// Hadoop 1's rule for a speculative attempt (`TaskInProgress.hasSpeculativeTask`), for maps
  /// and reduces alike: a task running for at least 60 s, with no backup yet, and at least 0.2
  /// behind the average progress of its job's tasks of its kind — so a job's only reduce is
  /// never speculated: it is its own average.
  static func straggler<T: RunningTask>(_ tasks: [T], for t: NodeID, now: Nanoseconds) -> Int? {
    let average =
      tasks.reduce(0.0) { $0 + ($1.state == .done ? 1 : $1.state == .running ? $1.progress : 0) }
      / Double(max(1, tasks.count))
    return tasks.indices.first { k in
      tasks[k].state == .running && tasks[k].backup == nil && tasks[k].tracker != t
        && now - tasks[k].started >= speculativeLag && average - tasks[k].progress >= speculativeGap
    }
  }

  func locality(of m: MapReduceJob.MapTask, on t: NodeID) -> MapReduceJob.Locality {
    if m.hosts.contains(t) { return .data }
    return m.hosts.contains { settings?.rack(of: $0) == trackers[t]?.rack } ? .rack : .off
  }

  /// `SPECULATIVE_LAG` and `SPECULATIVE_GAP` of Hadoop 1's TaskInProgress.
  static let speculativeLag = Nanoseconds.seconds(60)
  static let speculativeGap = 0.2

  /// Running tasks' progress, as "job/map/3" or "job/reduce/0" and thousandths. Only the
  /// first attempt's counts: a backup is judged by whether it finishes first.
  func progressed(_ list: [Value], from t: NodeID) {
    for item in list {
      guard let l = item.listValue, l.count == 2, let key = l[0].stringValue, let p = l[1].intValue else { continue }
      let parts = key.split(separator: "/")
      guard parts.count == 3, let i = Int(parts[2]), let j = jobs.firstIndex(where: { $0.id == parts[0] }) else {
        continue
      }
      if parts[1] == "map", i < jobs[j].maps.count, jobs[j].maps[i].tracker == t {
        jobs[j].maps[i].progress = Double(p) / 1000
      }
      if parts[1] == "reduce", i < jobs[j].reduces.count, jobs[j].reduces[i].tracker == t {
        jobs[j].reduces[i].progress = Double(p) / 1000
      }
    }
  }

  /// A task report: [job, "map"|"reduce", index, bytes, or −1 for a failed attempt, and for a
  /// finished attempt its counters: a map's [input records, output records, output bytes], a
  /// reduce's [shuffled bytes, input groups, output records, when its shuffle ended]].
  func finished(_ report: Value, from t: NodeID, node: ProgramNode) {
    guard let l = report.listValue, l.count >= 4, let id = l[0].stringValue, let kind = l[1].stringValue,
      let i = l[2].intValue.map(Int.init), let bytes = l[3].intValue, let j = jobs.firstIndex(where: { $0.id == id })
    else { return }
    let counters = l.count > 4 ? (l[4].listValue ?? []).compactMap(\.intValue) : []
    // When the attempt ended on its TaskTracker (the report comes at the next heartbeat).
    let ended = l.count > 5 ? l[5].intValue.map(Nanoseconds.init) ?? node.now : node.now
    if bytes < 0 {
      // A failed attempt: the task goes back to be handed out again.
      var attempts = 0
      if kind == "map", i < jobs[j].maps.count, jobs[j].maps[i].backup == t {
        // A backup failed: the first attempt runs on alone.
        jobs[j].maps[i].backup = nil
        jobs[j].failed += 1
        end(j, .map, i, on: t, .failed, node.now)
      }
      if kind == "map", i < jobs[j].maps.count, jobs[j].maps[i].tracker == t, jobs[j].maps[i].state == .running {
        jobs[j].maps[i].failures += 1
        jobs[j].failed += 1
        attempts = jobs[j].maps[i].failures
        end(j, .map, i, on: t, .failed, node.now)
        // Its backup, if it has one, carries on as the task's attempt; else it is handed out again.
        if let b = jobs[j].maps[i].backup {
          jobs[j].maps[i].tracker = b
          jobs[j].maps[i].backup = nil
          jobs[j].maps[i].locality = locality(of: jobs[j].maps[i], on: b)
        } else {
          jobs[j].maps[i].state = .pending
          jobs[j].maps[i].tracker = nil
        }
      }
      if kind == "reduce", i < jobs[j].reduces.count, jobs[j].reduces[i].backup == t {
        // A backup failed: the first attempt runs on alone.
        jobs[j].reduces[i].backup = nil
        jobs[j].failed += 1
        end(j, .reduce, i, on: t, .failed, node.now)
      }
      if kind == "reduce", i < jobs[j].reduces.count, jobs[j].reduces[i].tracker == t,
        jobs[j].reduces[i].state == .running
      {
        jobs[j].reduces[i].failures += 1
        jobs[j].failed += 1
        attempts = jobs[j].reduces[i].failures
        end(j, .reduce, i, on: t, .failed, node.now)
        if jobs[j].reduces[i].committer == t { jobs[j].reduces[i].committer = nil }
        if let b = jobs[j].reduces[i].backup {
          jobs[j].reduces[i].tracker = b
          jobs[j].reduces[i].backup = nil
        } else {
          jobs[j].reduces[i].state = .pending
          jobs[j].reduces[i].tracker = nil
        }
      }
      // A task that failed mapred.*.max.attempts times fails its job.
      if attempts >= MapReduceJob.maxAttempts, jobs[j].finished == nil {
        jobs[j].finished = node.now
        jobs[j].jobFailed = true
        node.event("mr.failed", [.string(id), .string(kind), .int(Int64(i))])
      }
      return
    }
    if kind == "map", i < jobs[j].maps.count, jobs[j].maps[i].state == .running,
      jobs[j].maps[i].tracker == t || jobs[j].maps[i].backup == t
    {
      // The first attempt to finish wins; the other is killed at its TaskTracker's next heartbeat.
      let loser = jobs[j].maps[i].backup == t ? jobs[j].maps[i].tracker : jobs[j].maps[i].backup
      if jobs[j].maps[i].backup == t {
        jobs[j].maps[i].tracker = t
        jobs[j].maps[i].locality = locality(of: jobs[j].maps[i], on: t)
      }
      if let loser {
        kills[loser, default: []].append(.list([.string(id), .string("map"), .int(Int64(i))]))
        end(j, .map, i, on: loser, .killed, node.now)
      }
      jobs[j].maps[i].backup = nil
      jobs[j].maps[i].state = .done
      end(j, .map, i, on: t, .succeeded, ended)
      if counters.count == 3 {
        let counted = [counters[0], counters[1], jobs[j].program.combines ? counters[2] : 0]
        count(j, counted, sign: 1)
        jobs[j].maps[i].counted = counted
        jobs[j].maps[i].outputBytes = bytes
      }
      node.event("mr.mapdone", [.string(id), .int(Int64(i)), .int(Int64(t.number))])
      if jobs[j].maps[i].locality == .data { jobs[j].dataLocal += 1 }
      if jobs[j].maps[i].locality == .rack { jobs[j].rackLocal += 1 }
    }
    if kind == "reduce", i < jobs[j].reduces.count, jobs[j].reduces[i].state == .running,
      jobs[j].reduces[i].tracker == t || jobs[j].reduces[i].backup == t
    {
      let loser = jobs[j].reduces[i].backup == t ? jobs[j].reduces[i].tracker : jobs[j].reduces[i].backup
      if let loser {
        kills[loser, default: []].append(.list([.string(id), .string("reduce"), .int(Int64(i))]))
        end(j, .reduce, i, on: loser, .killed, node.now)
      }
      jobs[j].reduces[i].tracker = t
      jobs[j].reduces[i].backup = nil
      jobs[j].reduces[i].state = .done
      jobs[j].written += bytes
      if counters.count == 4 {
        jobs[j].shuffled += counters[0]
        jobs[j].records.reduceInputGroups += counters[1]
        jobs[j].records.reduceOutput += counters[2]
        if let a = jobs[j].attempts.lastIndex(where: { $0.kind == .reduce && $0.task == i && $0.tracker == t }) {
          jobs[j].attempts[a].shuffled = Nanoseconds(counters[3])
        }
      }
      end(j, .reduce, i, on: t, .succeeded, ended)
      if jobs[j].reducesDone == jobs[j].reduces.count {
        jobs[j].finished = node.now
        node.event("mr.done", [.string(id)])
        // The job's commit: what losing or failed attempts left in _temporary goes.
        if let s = settings {
          node.tell(s.namenode, "nn.delete", [.string(jobs[j].output + "/_temporary"), .bool(true)])
        }
      }
    }
  }

  /// Hadoop 1's rule for a map whose output reducers cannot fetch: at 3 notifications
  /// (MAX_FETCH_FAILURES_NOTIFICATIONS), and from at least half the running reduces, the
  /// attempt is failed — "Too many fetch-failures" — and the map runs again elsewhere.
  func fetchFailed(_ id: String, _ m: Int, node: ProgramNode) {
    guard let j = jobs.firstIndex(where: { $0.id == id }), jobs[j].finished == nil, m >= 0, m < jobs[j].maps.count,
      jobs[j].maps[m].state == .done, let t = jobs[j].maps[m].tracker
    else { return }
    jobs[j].maps[m].fetchFailures += 1
    let reducing = max(1, jobs[j].reduces.filter { $0.state == .running }.count)
    guard jobs[j].maps[m].fetchFailures >= 3, Double(jobs[j].maps[m].fetchFailures) / Double(reducing) >= 0.5 else {
      return
    }
    if let a = jobs[j].attempts.lastIndex(where: {
      $0.kind == .map && $0.task == m && $0.tracker == t && $0.outcome == .succeeded
    }) {
      jobs[j].attempts[a].outcome = .failed
    }
    count(j, jobs[j].maps[m].counted, sign: -1)
    if jobs[j].maps[m].locality == .data { jobs[j].dataLocal -= 1 }
    if jobs[j].maps[m].locality == .rack { jobs[j].rackLocal -= 1 }
    jobs[j].maps[m].counted = []
    jobs[j].maps[m].fetchFailures = 0
    jobs[j].maps[m].state = .pending
    jobs[j].maps[m].tracker = nil
    jobs[j].maps[m].failures += 1
    jobs[j].failed += 1
    node.event("mr.fetchfailures", [.string(id), .int(Int64(m)), .int(Int64(t.number))])
  }

  /// Adds a map's record counters to its job's, or takes them away when its output is lost.
  func count(_ j: Int, _ c: [Int64], sign: Int64) {
    guard c.count == 3 else { return }
    jobs[j].records.mapInput += sign * c[0]
    jobs[j].records.mapOutput += sign * c[1]
    jobs[j].records.combineOutput += sign * c[2]
  }

  /// Ends the running attempt of a task on a TaskTracker, for the timeline.
  func end(
    _ j: Int, _ kind: MapReduceJob.Attempt.Kind, _ task: Int, on t: NodeID, _ outcome: MapReduceJob.Attempt.Outcome,
    _ now: Nanoseconds
  ) {
    guard
      let a = jobs[j].attempts.lastIndex(where: {
        $0.kind == kind && $0.task == task && $0.tracker == t && $0.end == nil
      })
    else { return }
    jobs[j].attempts[a].end = now
    jobs[j].attempts[a].outcome = outcome
  }

  /// Hadoop's ExpireTrackers: a TaskTracker silent past the expiry interval is lost.
  func expire(_ node: ProgramNode) {
    guard let s = settings else { return }
    for t in trackers.keys.sorted() where !(trackers[t]?.lost ?? true) && node.now - trackers[t]!.last > s.trackerExpiry
    {
      trackers[t]?.lost = true
      kills[t] = nil
      node.event("mr.lost", [.int(Int64(t.number))])
      for j in jobs.indices where jobs[j].finished == nil {
        for a in jobs[j].attempts.indices where jobs[j].attempts[a].tracker == t && jobs[j].attempts[a].end == nil {
          jobs[j].attempts[a].end = node.now
          jobs[j].attempts[a].outcome = .lost
        }
        for m in jobs[j].maps.indices where jobs[j].maps[m].backup == t { jobs[j].maps[m].backup = nil }
        for m in jobs[j].maps.indices where jobs[j].maps[m].tracker == t && jobs[j].maps[m].state == .running {
          // A straggler whose backup still runs: the backup carries on alone.
          guard let b = jobs[j].maps[m].backup else { continue }
          jobs[j].maps[m].tracker = b
          jobs[j].maps[m].backup = nil
          jobs[j].killed += 1
        }
        for m in jobs[j].maps.indices where jobs[j].maps[m].tracker == t && jobs[j].maps[m].state != .pending {
          if jobs[j].maps[m].state == .done {
            // Its output lived on the lost machine: the finished attempt counts for nothing now.
            if let a = jobs[j].attempts.lastIndex(where: {
              $0.kind == .map && $0.task == m && $0.tracker == t && $0.outcome == .succeeded
            }) {
              jobs[j].attempts[a].outcome = .lost
            }
            count(j, jobs[j].maps[m].counted, sign: -1)
            jobs[j].maps[m].counted = []
            if jobs[j].maps[m].locality == .data { jobs[j].dataLocal -= 1 }
            if jobs[j].maps[m].locality == .rack { jobs[j].rackLocal -= 1 }
          }
          jobs[j].maps[m].state = .pending
          jobs[j].maps[m].tracker = nil
          jobs[j].killed += 1
        }
        for k in jobs[j].reduces.indices where jobs[j].reduces[k].state == .running {
          if jobs[j].reduces[k].committer == t { jobs[j].reduces[k].committer = nil }
          if jobs[j].reduces[k].backup == t {
            jobs[j].reduces[k].backup = nil
            jobs[j].killed += 1
          } else if jobs[j].reduces[k].tracker == t {
            // A straggler whose backup still runs: the backup carries on alone.
            if let b = jobs[j].reduces[k].backup {
              jobs[j].reduces[k].tracker = b
              jobs[j].reduces[k].backup = nil
            } else {
              jobs[j].reduces[k].state = .pending
              jobs[j].reduces[k].tracker = nil
            }
            jobs[j].killed += 1
          }
        }
      }
    }
  }
}
