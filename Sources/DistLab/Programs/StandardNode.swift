/// The program every spawned node runs: it keeps an inbox of plain messages, a key/value
/// store, and serves the built-in methods over RPC with an optional duplicate-suppression
/// table (at-most-once execution).
public final class StandardNode: NodeProgram {
  private var received = 0
  private var executed = 0
  private var recent: [String] = []
  private var store = KeyValueStore()
  /// Calls whose timers are pending (`sleep`), by timer token.
  private var sleeping: [UInt64: (caller: NodeID, frame: Frame)] = [:]
  private var nextToken: UInt64 = 1
  /// The duplicate-suppression table: (caller, call id) → the reply sent, or nil while running.
  private var answered: [DedupKey: [UInt8]?] = [:]
  static let recentLimit = 20

  struct DedupKey: Hashable {
    var caller: Int
    var callID: UInt32
  }

  public init() {}

  public func receive(_ envelope: Envelope, context: NodeContext) {
    received += 1
    let frame: Frame
    do {
      frame = try FrameCodec.decode(envelope.bytes)
    } catch {
      context.note(.note, "undecodable frame: \(error)")
      return
    }
    switch frame.kind {
    case .message:
      recent.append(frame.args.first?.description ?? "")
      if recent.count > Self.recentLimit { recent.removeFirst() }
    case .request:
      serve(frame, from: envelope.from, context: context)
    case .reply, .error:
      break
    }
  }

  private func serve(_ frame: Frame, from caller: NodeID, context: NodeContext) {
    let key = DedupKey(caller: caller.number, callID: frame.callID)
    if frame.wantsAtMostOnce, let entry = answered[key] {
      if let reply = entry {
        context.note(.dedup, "rpc#\(frame.callID) answered from the table")
        context.send(to: caller, bytes: reply)
      } else {
        context.note(.dedup, "rpc#\(frame.callID) still running; repeat ignored")
      }
      return
    }
    executed += 1
    context.note(.exec, "\(frame.method) rpc#\(frame.callID)")
    if frame.wantsAtMostOnce { answered[key] = .some(nil) }
    switch execute(frame, context: context) {
    case .now(let result):
      answer(frame, to: caller, result: result, context: context)
    case .later(let delay):
      let token = nextToken
      nextToken += 1
      sleeping[token] = (caller, frame)
      context.setTimer(after: delay, token: token)
    }
  }

  private func answer(_ request: Frame, to caller: NodeID, result: Result<[Value], MethodError>, context: NodeContext) {
    let reply: Frame
    switch result {
    case .success(let values):
      reply = Frame(kind: .reply, callID: request.callID, method: request.method, args: values)
    case .failure(let error):
      reply = Frame(kind: .error, callID: request.callID, method: request.method, args: [.string(error.message)])
    }
    let bytes = FrameCodec.encode(reply)
    if request.wantsAtMostOnce {
      answered[DedupKey(caller: caller.number, callID: request.callID)] = .some(bytes)
    }
    context.send(to: caller, bytes: bytes)
  }

  public func timer(token: UInt64, context: NodeContext) {
    guard let pending = sleeping.removeValue(forKey: token) else { return }
    answer(pending.frame, to: pending.caller, result: .success([.string("slept")]), context: context)
  }

  enum Execution {
    case now(Result<[Value], MethodError>)
    case later(Nanoseconds)
  }

  private func execute(_ frame: Frame, context: NodeContext) -> Execution {
    let a = frame.args
    func key(_ i: Int) -> String? {
      guard i < a.count else { return nil }
      if case .string(let s) = a[i] { return s }
      return a[i].description
    }
    switch frame.method {
    case "add":
      guard a.count == 2, let x = a[0].intValue, let y = a[1].intValue else {
        return .now(.failure(MethodError("add takes two integers")))
      }
      let (sum, overflow) = x.addingReportingOverflow(y)
      return .now(overflow ? .failure(MethodError("add: integer overflow")) : .success([.int(sum)]))
    case "echo":
      return .now(.success(a))
    case "sleep":
      guard a.count == 1, let ns = a[0].intValue, ns >= 0 else {
        return .now(.failure(MethodError("sleep takes one non-negative duration")))
      }
      return .later(Nanoseconds(ns))
    case "fail":
      return .now(.failure(MethodError(a.first.map { $0.stringValue ?? $0.description } ?? "failed on purpose")))
    case "kv.get":
      guard a.count == 1, let k = key(0) else { return .now(.failure(MethodError("kv.get takes a key"))) }
      return .now(.success([store.get(k) ?? .null]))
    case "kv.put":
      guard a.count == 2, let k = key(0) else { return .now(.failure(MethodError("kv.put takes a key and a value"))) }
      return .now(.success([store.put(k, a[1]) ?? .null]))
    case "kv.delete":
      guard a.count == 1, let k = key(0) else { return .now(.failure(MethodError("kv.delete takes a key"))) }
      return .now(.success([.bool(store.delete(k))]))
    case "kv.incr":
      guard (1...2).contains(a.count), let k = key(0) else {
        return .now(.failure(MethodError("kv.incr takes a key and an optional integer")))
      }
      let by: Int64
      if a.count == 2 {
        guard let b = a[1].intValue else {
          return .now(.failure(MethodError("kv.incr: the amount must be an integer")))
        }
        by = b
      } else {
        by = 1
      }
      return .now(store.increment(k, by: by).map { [.int($0)] })
    case "kv.keys":
      return .now(.success([.list(store.entries.keys.sorted().map { .string($0) })]))
    case "kv.mput":
      guard a.count == 1, case .list(let items) = a[0], items.count % 2 == 0 else {
        return .now(.failure(MethodError("kv.mput takes one list of key, value pairs")))
      }
      var stored = 0
      for i in stride(from: 0, to: items.count, by: 2) {
        store.put(items[i].stringValue ?? items[i].description, items[i + 1])
        stored += 1
      }
      return .now(.success([.int(Int64(stored))]))
    case "kv.mget":
      guard a.count == 1, case .list(let items) = a[0] else {
        return .now(.failure(MethodError("kv.mget takes one list of keys")))
      }
      return .now(.success([.list(items.map { store.get($0.stringValue ?? $0.description) ?? .null })]))
    case "kv.mdel":
      guard a.count == 1, case .list(let items) = a[0] else {
        return .now(.failure(MethodError("kv.mdel takes one list of keys")))
      }
      let removed = items.filter { store.delete($0.stringValue ?? $0.description) }.count
      return .now(.success([.int(Int64(removed))]))
    default:
      return .now(.failure(MethodError("no method '\(frame.method)'")))
    }
  }

  public func summary() -> NodeSummary {
    var s = NodeSummary()
    s.received = received
    s.executed = executed
    s.kvKeys = store.count
    s.lastMessages = recent
    s.kv = store.entries
    return s
  }
}
