import DistLab
import NIOCore

/// The shell's control messages, answered by the node's process, not its program.
extension NodeServer {
  /// The usage of each control message, its one source: an error answer quotes it.
  static let controlUsage: [String: String] = [
    "ctl.peers": "ctl.peers ME [[ID, HOST, PORT], …]",
    "ctl.faults": "ctl.faults [[TO, BLOCK, LOSS, DUPLICATION, MODEL, MEAN, SPREAD, FLOOR], …]",
    "ctl.send": "ctl.send TO TEXT",
    "ctl.relay": "ctl.relay TO REQUEST-BYTES",
    "ctl.trace": "ctl.trace ON",
    "ctl.kill": "ctl.kill WIPE",
  ]

  /// `ctl.status` ([name, role, incarnation, frames received, paused, up, Lamport clock,
  /// [[metric, value], …], {data}, [last messages]]), `ctl.clock` (the node's clock, for the
  /// shell's estimate of its offset), `ctl.pause` and `ctl.resume` (what arrived meanwhile is
  /// handed over then, in order), `ctl.kill` and `ctl.restart` (the program dropped, or a
  /// fresh one started, the process living on), `ctl.peers`, `ctl.faults`, `ctl.send`,
  /// `ctl.relay` (a call made by this node for the shell) and `ctl.trace` (stream every event to
  /// this connection, or stop).
  func control(_ f: Frame, from peer: NodeID) {
    func reply(_ args: [Value] = []) -> Frame { Frame(kind: .reply, callID: f.callID, method: f.method, args: args) }
    func usage() -> Frame {
      Frame(
        kind: .error, callID: f.callID, method: f.method,
        args: [.string(Self.controlUsage[f.method] ?? "unknown control message \(f.method)")])
    }
    var answer: Frame
    switch f.method {
    case "ctl.peers":
      guard f.args.count == 2, let me = f.args[0].intValue, let list = f.args[1].listValue else {
        answer = usage()
        break
      }
      context.me = NodeID(Int(me))
      for item in list {
        guard let l = item.listValue, l.count == 3, let id = l[0].intValue, let host = l[1].stringValue,
          let port = l[2].intValue
        else { continue }
        let node = NodeID(Int(id))
        if let old = addresses[node], old != (host, Int(port)) {
          // It moved (restarted on another port): the old connection leads nowhere.
          context.peers.removeValue(forKey: node)?.close(promise: nil)
        }
        addresses[node] = (host, Int(port))
      }
      answer = reply()
    case "ctl.faults":
      guard f.args.count == 1, let list = f.args[0].listValue, let rules = LinkRules(wire: list) else {
        answer = usage()
        break
      }
      context.rules = rules
      answer = reply()
    case "ctl.send":
      // The shell's `send FROM TO TEXT`, with this node as FROM: answers the message's number.
      guard f.args.count == 2, let to = f.args[0].intValue, let text = f.args[1].stringValue else {
        answer = usage()
        break
      }
      context.send(to: NodeID(Int(to)), frame: .message(text))
      answer = reply([.int(Int64(context.sent))])
    case "ctl.relay":
      guard f.args.count == 2, let to = f.args[0].intValue, case .bytes(let request) = f.args[1],
        let call = try? FrameCodec.decode(request), call.kind == .request
      else {
        answer = usage()
        break
      }
      let callee = NodeID(Int(to))
      relayed[callee, default: (peer, [])].calls.insert(call.callID)
      relayed[callee]?.to = peer
      context.send(to: callee, bytes: request)
      answer = reply([.int(Int64(context.sent))])
    case "ctl.trace":
      guard f.args.count == 1, case .bool(let on) = f.args[0] else {
        answer = usage()
        break
      }
      context.watcher = on ? context.peers[peer] : nil
      answer = reply()
    case "ctl.clock":
      answer = reply([.int(context.now.value)])
    case "ctl.status":
      let summary = program?.summary() ?? NodeSummary()
      let metrics: [Value] = summary.metrics.map { .list([.string($0.0), .double($0.1)]) }
      let data: Value = .map(summary.data.keys.sorted().map { MapEntry(.string($0), summary.data[$0]!) })
      answer = reply([
        .string(name), .string(role.name), .int(Int64(context.incarnation)), .int(Int64(received)), .bool(paused),
        .bool(program != nil), .int(Int64(truncatingIfNeeded: context.clock)), .list(metrics), data,
        .list(summary.lastMessages.map { .string($0) }),
      ])
    case "ctl.pause":
      paused = true
      answer = reply()
    case "ctl.resume":
      paused = false
      let waiting = held
      held = []
      for (e, seq, clock) in waiting where program != nil {
        context.received(from: e.from, seq: seq, clock: clock, bytes: e.bytes)
        program?.receive(e, context: context)
      }
      answer = reply()
    case "ctl.kill":
      guard f.args.count == 1, case .bool(let wipe) = f.args[0] else {
        answer = usage()
        break
      }
      program = nil
      paused = false
      held = []
      context.cancelAllTimers()
      if wipe { for k in context.disk.keys { context.disk[k] = nil } }
      answer = reply()
    case "ctl.restart":
      context.cancelAllTimers()
      context.incarnation += 1
      program = role.makeProgram()
      paused = false
      held = []
      if role.startsItself { program?.start(context: context) }
      answer = reply([.int(Int64(context.incarnation))])
    default:
      answer = usage()
    }
    context.flush()
    context.peers[peer]?.writeAndFlush(ByteBuffer(bytes: FrameCodec.encode(answer)), promise: nil)
  }
}
