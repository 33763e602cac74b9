import Dispatch
import DistLab
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Process mode: every node an OS process of its own (`distlab node`), joined by real TCP. The
/// shell starts children on loopback with free ports, or joins nodes started elsewhere
/// (`connect`); tells each where the others listen and what the network model asks of what it
/// sends; calls and messages the nodes as their client (address 0); and merges the events the
/// nodes stream to it into one trace.
public enum ProcessMode {
  /// The engine maker process mode needs, running `executable` (by default the `distlab`
  /// this process is, or one beside it).
  public static func maker(executable: String? = nil) -> ProcessEngineMaker {
    let path = executable ?? defaultExecutable() ?? "distlab"
    return { seed, network, traceLimit in
      ProcessEngine(seed: seed, network: network, traceLimit: traceLimit, launcher: ChildLauncher(executable: path))
    }
  }

  /// This process's own executable when it is `distlab`, else a `distlab` in the same folder
  /// (where the test bundle sits beside it).
  public static func defaultExecutable() -> String? {
    let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    let url = URL(fileURLWithPath: me)
    if url.lastPathComponent == "distlab" { return url.path }
    let beside = url.deletingLastPathComponent().appendingPathComponent("distlab").path
    return FileManager.default.isExecutableFile(atPath: beside) ? beside : nil
  }
}

final class ProcessEngine: Engine {
  let side: ShellSide
  let launcher: ChildLauncher
  /// The folder of this world's children: a folder per node, with its disk and its log.
  let folder: String
  private var hosts: [NodeID: ProcessHost] = [:]
  private var order: [NodeID] = []
  private var network: NetworkConfig
  private var clientRNG: SeededRandom
  private var clientSent: UInt64 = 0
  private var tracing = true

  init(seed: UInt64, network: NetworkConfig, traceLimit: Int, launcher: ChildLauncher) {
    side = ShellSide(traceLimit: traceLimit)
    self.launcher = launcher
    self.network = network
    clientRNG = SeededRandom(seed: seed, stream: 1)
    folder = NSTemporaryDirectory() + "distlab-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
  }

  var now: Nanoseconds { side.now }
  var trace: TraceLog { side.merger.state.withLock { $0.log } }
  /// The shell's own events (spawn, kill, a call given up) are on its clock, Lamport's included.
  func record(_ e: TraceEvent) {
    var e = e
    if e.clock == nil { e.clock = side.tick() }
    side.merger.record(e)
  }
  func clearStats() { side.merger.state.withLock { $0.log.clearStats() } }
  func resizeTrace(limit: Int) { side.merger.state.withLock { $0.log.resize(limit: limit) } }
  var pendingEvents: Int { 0 }

  func host(_ id: NodeID, name: String, role: Role) throws(WorldError) -> any NodeHost {
    let h = ProcessHost(
      id: id, name: name, role: role.name, place: .child(folder: folder + "/" + name, launcher: launcher), side: side,
      host: "127.0.0.1", port: 0)
    if case .failure(let e) = h.launch() {
      h.stop()
      throw e
    }
    return h
  }

  func connect(_ address: String, id: NodeID) throws(WorldError) -> (host: any NodeHost, name: String, role: String) {
    guard let (hostName, port) = NodeProcess.address(address), port > 0 else {
      throw .processRefused(name: address, reason: "an address is HOST:PORT, like 127.0.0.1:7001")
    }
    let h = ProcessHost(id: id, name: address, role: "", place: .remote, side: side, host: hostName, port: port)
    if case .failure(let e) = h.connect() { throw e }
    guard let link = h.link, let f = side.control(link, "ctl.status"), f.kind == .reply, f.args.count == 10,
      let name = f.args[0].stringValue, let role = f.args[1].stringValue
    else {
      h.stop()
      throw .processRefused(name: address, reason: "\(address) did not answer as a distlab node")
    }
    let named = ProcessHost(id: id, name: name, role: role, place: .remote, side: side, host: hostName, port: port)
    named.link = h.link
    return (named, name, role)
  }

  func nodeAdded(_ node: NodeRecord) {
    guard let h = node.host as? ProcessHost else { return }
    hosts[node.id] = h
    order.append(node.id)
    tellEveryone()
  }

  func statusChanged(_ node: NodeRecord, from old: NodeStatus) {
    guard let h = node.host as? ProcessHost else { return }
    switch (old, node.info.status) {
    case (.up, .paused): if let l = h.link { _ = side.control(l, "ctl.pause") }
    case (.paused, .up): if let l = h.link { _ = side.control(l, "ctl.resume") }
    case (.down, .up): tellEveryone()
    default: break
    }
  }

  /// Tells every reachable node its address, where the others listen, what the network model
  /// asks of its sends, and whether to stream its trace.
  private func tellEveryone() {
    let table: [Value] = order.compactMap { id in
      hosts[id].map { .list([.int(Int64(id.number)), .string($0.host), .int(Int64($0.port))]) }
    }
    var requests: [(NodeLink, String, [Value])] = []
    for id in order {
      guard let link = hosts[id]?.link else { continue }
      let rules = LinkRules(network: network, me: id, others: order)
      requests.append((link, "ctl.peers", [.int(Int64(id.number)), .list(table)]))
      requests.append((link, "ctl.faults", [.list(rules.wire)]))
      requests.append((link, "ctl.trace", [.bool(tracing)]))
    }
    _ = side.control(requests)
  }

  func start(_ nodes: [NodeRecord]) {}

  func networkChanged(_ network: NetworkConfig) {
    self.network = network
    var requests: [(NodeLink, String, [Value])] = []
    for id in order {
      guard let link = hosts[id]?.link else { continue }
      requests.append((link, "ctl.faults", [.list(LinkRules(network: network, me: id, others: order).wire)]))
    }
    _ = side.control(requests)
  }

  func setEventTracing(_ on: Bool) {
    tracing = on
    side.merger.state.withLock { $0.tracing = on }
    _ = side.control(order.compactMap { hosts[$0]?.link }.map { ($0, "ctl.trace", [.bool(on)]) })
  }

  /// The shell sends as the client: the network model decides the fate of its message here,
  /// as each node decides its own; a node the shell has no connection to is down.
  private func shellSend(to: NodeID, bytes: [UInt8]) -> TraceMerger.MessageKey {
    clientSent += 1
    let key = TraceMerger.MessageKey(sender: .client, seq: clientSent)
    let at = side.now
    let clock = side.tick()
    side.merger.shellSent(key, to: to, at: at, clock: clock, bytes: bytes)
    guard let link = hosts[to]?.link, link.isOpen else {
      side.merger.shellDropped(key, to: to, at: at, clock: clock, reason: .nodeDown, bytes: bytes)
      return key
    }
    switch network.fate(from: .client, to: to, rng: &clientRNG) {
    case .dropped(let reason):
      side.merger.shellDropped(key, to: to, at: at, clock: clock, reason: reason, bytes: bytes)
    case .delivered(let delays):
      let unit = Stamp.wrap(bytes, seq: key.seq, clock: clock)
      for d in delays { link.write(unit, after: d) }
    }
    return key
  }

  func post(from: NodeID, to: NodeID, bytes: [UInt8]) -> Int {
    if from.isClient { return side.merger.messageID(shellSend(to: to, bytes: bytes)) }
    guard let link = hosts[from]?.link,
      let seq = side.control(link, "ctl.send", [.int(Int64(to.number)), .bytes(bytes)])?.args.first?.intValue
    else { return 0 }
    return side.merger.messageID(TraceMerger.MessageKey(sender: from, seq: UInt64(seq)))
  }

  /// How long a `send` waits for its messages before reporting them still in flight: two
  /// seconds plus four times the slowest link's mean, as in live mode.
  private func sendPatience() -> Int64 {
    let slowest = ([network.latency] + Array(network.linkLatency.values)).map(\.mean).max() ?? .zero
    return 2_000_000_000 + 4 * min(slowest.value, 3_600_000_000_000)
  }

  func send(pairs: [(NodeID, NodeID)], texts: [String], cancel: () -> Bool) -> SendOutcome {
    var sent: [(key: TraceMerger.MessageKey?, from: NodeID, to: NodeID, text: String)] = []
    for (from, to) in pairs {
      for text in texts {
        if from.isClient {
          sent.append((shellSend(to: to, bytes: FrameCodec.encode(.message(text))), from, to, text))
        } else {
          let seq = hosts[from]?.link.flatMap {
            side.control($0, "ctl.send", [.int(Int64(to.number)), .string(text)])?.args.first?.intValue
          }
          sent.append((seq.map { TraceMerger.MessageKey(sender: from, seq: UInt64($0)) }, from, to, text))
        }
      }
    }
    let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(sendPatience())
    let interrupted =
      !side.wait(until: deadline, cancel: cancel) {
        sent.allSatisfy { s in
          guard let key = s.key, let f = side.merger.fate(key) else { return s.key == nil }
          return f.deliveredAt != nil || f.dropped != nil
        }
      } && cancel()
    var messages: [MessageOutcome] = []
    var arrivals: [(Nanoseconds, Int)] = []
    for s in sent {
      let f = s.key.flatMap { side.merger.fate($0) }
      let id = s.key.map { side.merger.messageID($0) } ?? 0
      var fate = MessageOutcome.Fate.inFlight
      if let at = f?.deliveredAt {
        fate = .delivered(at: at, latency: f?.latency ?? .zero)
        arrivals.append((at, id))
      } else if let reason = f?.dropped {
        fate = .dropped(reason: reason)
      }
      messages.append(
        MessageOutcome(id: id, from: s.from, to: s.to, text: s.text, fate: fate, duplicates: f?.copies ?? 0))
    }
    arrivals.sort { ($0.0, $0.1) < ($1.0, $1.1) }
    return SendOutcome(messages: messages, arrivalOrder: arrivals.map(\.1), interrupted: interrupted)
  }

  /// Sends every request at once and waits for all: each attempt has its own deadline, and a
  /// call that runs out retries or gives up, with the same trace notes as the other modes. A
  /// call from a node is made by that node (`ctl.relay`), its answer passed back.
  func call(_ calls: [CallOutcome], options: CallOptions, cancel: () -> Bool) -> [CallOutcome] {
    var outcomes = calls
    var done = [Bool](repeating: false, count: calls.count)
    var deadlines = [UInt64](repeating: 0, count: calls.count)
    side.answers.withLock { $0.removeAll() }
    let timeout = UInt64(min(options.timeout.value, Int64(1) << 61))
    func attempt(_ i: Int) {
      let c = outcomes[i]
      if c.from.isClient {
        _ = shellSend(to: c.to, bytes: c.request)
      } else if let link = hosts[c.from]?.link {
        let id = side.nextControl.wrappingAdd(1, ordering: .relaxed).oldValue
        link.write(
          FrameCodec.encode(
            Frame(
              kind: .request, callID: id, method: "ctl.relay", args: [.int(Int64(c.to.number)), .bytes(c.request)])))
      }
      deadlines[i] = DispatchTime.now().uptimeNanoseconds + timeout
    }
    for i in outcomes.indices { attempt(i) }
    let byID = Dictionary(outcomes.indices.map { (outcomes[$0].callID, $0) }, uniquingKeysWith: { a, _ in a })
    var remaining = calls.count
    while remaining > 0 {
      let next = outcomes.indices.filter { !done[$0] }.map { deadlines[$0] }.min() ?? 0
      _ = side.wait(until: next, cancel: cancel) { side.answers.withLock { !$0.isEmpty } }
      let arrived = side.answers.withLock { a -> [ShellSide.Answer] in
        defer { a.removeAll() }
        return Array(a.values)
      }
      for a in arrived {
        guard let i = byID[a.frame.callID], !done[i], a.from == outcomes[i].to else { continue }
        done[i] = true
        remaining -= 1
        outcomes[i].reply = FrameCodec.encode(a.frame)
        outcomes[i].endedAt = a.at
        outcomes[i].result =
          a.frame.kind == .reply ? .value(a.frame.args) : .error(a.frame.args.first?.stringValue ?? "error")
      }
      if cancel() {
        for i in outcomes.indices where !done[i] {
          outcomes[i].result = .interrupted
          outcomes[i].endedAt = now
        }
        return outcomes
      }
      let t = DispatchTime.now().uptimeNanoseconds
      for i in outcomes.indices where !done[i] && deadlines[i] <= t {
        if outcomes[i].attemptExpired(options: options, at: now, record: record) {
          attempt(i)
        } else {
          done[i] = true
          remaining -= 1
        }
      }
    }
    return outcomes
  }

  func advance(by d: Nanoseconds, cancel: () -> Bool) -> AdvanceOutcome {
    let start = now
    let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, d.value))
    _ = side.wait(until: deadline, cancel: cancel) { false }
    return AdvanceOutcome(from: start, to: now, eventsHandled: 0, interrupted: cancel())
  }

  func shutdown() {
    for id in order { hosts[id]?.stop() }
    hosts = [:]
    order = []
    try? side.group.syncShutdownGracefully()
    try? FileManager.default.removeItem(atPath: folder)
  }
}
