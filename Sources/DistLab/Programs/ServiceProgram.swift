/// A node program made of services: the shape every role takes. It keeps the node's inbox
/// of plain messages, serves requests by the services' declarations (checking arguments
/// first), suppresses duplicates of at-most-once calls, and gives its services the program
/// API through `ProgramNode`: calls with continuations, timers, the disk, notes and metrics.
public final class ServiceProgram: NodeProgram {
  let services: [any Service]
  /// What the services see of the node; a constant, so that reaching it costs no reference count.
  let node = ProgramNode()
  var received = 0
  var executed = 0
  var recent: [String] = []
  static let recentLimit = 20
  /// The duplicate-suppression table: (caller, call id) → the reply sent, or nil while running.
  var answered: [DedupKey: [UInt8]?] = [:]
  /// What each pending timer token stands for.
  var timers: [UInt64: TimerAction] = [:]
  var nextToken: UInt64 = 1
  /// Calls this node made and still waits on, by call id.
  var pending: [UInt32: ProgramCall] = [:]
  var nextCall: UInt32 = 0
  /// Each method this program has been asked for, bound to the service that serves it: filled
  /// as requests come, so a node that serves nothing keeps none. A list, not a table: a node is
  /// asked a handful of methods, and comparing a short name costs less than hashing it; the
  /// most asked drift to the front.
  var routes: [(name: String, method: BoundMethod)] = []

  struct DedupKey: Hashable {
    var caller: NodeID
    var callID: UInt32
  }

  public init(_ services: [any Service]) {
    self.services = services
    node.program = self
  }

  /// Hands the services the context of the event being handled. A node's context changes only
  /// with its incarnation, so the common case stores nothing (and counts no references).
  @inline(__always)
  private func enter(_ context: NodeContext) {
    if node.context !== context { node.context = context }
  }

  /// Every method the program serves, in its services' order.
  public var methods: [MethodSpec] { services.flatMap { $0.declaredMethods } }

  public func start(context: NodeContext) {
    enter(context)
    for case let s as any StartingService in services { s.start(node) }
  }

  public func receive(_ envelope: Envelope, context: NodeContext) {
    enter(context)
    received += 1
    let frame: Frame
    do {
      frame = try FrameCodec.decode(envelope.bytes)
    } catch {
      context.note(.note, .undecodable(error))
      return
    }
    switch frame.kind {
    case .message:
      recent.append(frame.args.first?.description ?? "")
      if recent.count > Self.recentLimit { recent.removeFirst() }
    case .request:
      serve(frame, from: envelope.from, context: context)
    case .reply, .error:
      replied(frame, from: envelope.from, context: context)
    }
  }

  public func timer(token: UInt64, context: NodeContext) {
    enter(context)
    if token & Self.timeoutTokenBit != 0 { return timeoutFired(token) }
    // Looked up once: a repeating timer (a heartbeat) keeps its entry as it is.
    guard let i = timers.index(forKey: token) else { return }
    switch timers.values[i] {
    case .once(let body):
      timers.remove(at: i)
      body(node)
    case .every(let interval, let body):
      context.setTimer(after: interval, token: token)
      body(node)
    }
  }

  /// Serves a request. `context` is the one the event came with (the node's own), passed down
  /// so that the busy path does not load `node.context` — a reference count — at every use.
  private func serve(_ frame: Frame, from caller: NodeID, context: NodeContext) {
    let key = DedupKey(caller: caller, callID: frame.callID)
    if frame.wantsAtMostOnce, let entry = answered[key] {
      if let reply = entry {
        context.note(.dedup, .dedupAnswered(callID: frame.callID))
        context.send(to: caller, bytes: reply)
      } else {
        context.note(.dedup, .dedupIgnored(callID: frame.callID))
      }
      return
    }
    executed += 1
    if context.keepsNotes { context.note(.exec, .exec(method: frame.method, callID: frame.callID)) }
    if frame.wantsAtMostOnce { answered[key] = .some(nil) }
    var request = Request(
      caller: caller, method: frame.method, args: frame.args, callID: frame.callID, atMostOnce: frame.wantsAtMostOnce)
    request.noReply = frame.wantsNoReply
    guard let bound = route(frame.method) else {
      return answer(request, .error("no method '\(frame.method)'"), context: context)
    }
    answer(request, bound.serve(request, node: node), context: context)
  }

  private func route(_ method: String) -> BoundMethod? {
    for i in routes.indices where routes[i].name == method {
      // A method found moves one place forward, so the methods asked most (a heartbeat) come
      // to be compared first.
      guard i > 0 else { return routes[0].method }
      // Through the buffer: the collection's own swap copies both entries, counting references
      // to their names and methods, and a node asked three methods in turn swaps on most requests.
      routes.withUnsafeMutableBufferPointer { $0.swapAt(i, i - 1) }
      return routes[i - 1].method
    }
    for service in services {
      guard let bound = service.bind(method) else { continue }
      routes.append((method, bound))
      return bound
    }
    return nil
  }

  /// How a server words a call that does not fit the method's declaration.
  static func describe(_ m: ArgumentMismatch, of spec: MethodSpec) -> String {
    let usage = spec.usage.isEmpty ? "no arguments" : spec.usage
    switch m {
    case .count(let given):
      return "\(spec.name) takes \(usage), not \(given) argument\(given == 1 ? "" : "s")"
    case .type(let position, let expected, let given):
      return "\(spec.name) takes \(usage): argument \(position) (\(expected.label)) is a \(given.typeName)"
    }
  }

  /// Sends the answer to a request (unless it comes later) and keeps it for duplicates.
  func answer(_ request: Request, _ answer: Answer) { self.answer(request, answer, context: node.context) }

  private func answer(_ request: Request, _ answer: Answer, context: NodeContext) {
    let reply: Frame
    switch answer {
    case .later: return
    case _ where request.noReply: return
    case .value(let values):
      reply = Frame(kind: .reply, callID: request.callID, method: request.method, args: values)
    case .error(let message):
      reply = Frame(kind: .error, callID: request.callID, method: request.method, args: [.string(message)])
    }
    let bytes = FrameCodec.encode(reply)
    if request.atMostOnce { answered[DedupKey(caller: request.caller, callID: request.callID)] = .some(bytes) }
    context.send(to: request.caller, bytes: bytes)
  }

  public func metrics() -> [(String, Double)] {
    [("received", Double(received)), ("executed", Double(executed))] + services.flatMap { $0.metrics() }
  }

  public func summary() -> NodeSummary {
    var s = NodeSummary()
    s.metrics = metrics()
    var data: [String: Value]? = nil
    for service in services {
      // One service's data is passed on as it is (no copy); several are merged.
      if let d = service.data() { data = data.map { $0.merging(d) { a, _ in a } } ?? d }
    }
    s.lastMessages = recent
    s.data = data ?? [:]
    return s
  }
}

/// A service that acts as soon as its node starts (a heartbeat, a scheduler): its role asks
/// the world to start the program at spawn and restart.
public protocol StartingService: Service {
  /// Called once when the program starts (spawn or restart), to set timers or read the disk.
  func start(_ node: ProgramNode)
}

extension Service {
  /// This service's declarations.
  public var declaredMethods: [MethodSpec] { Self.specs }
}

/// What a program's timer token stands for.
enum TimerAction {
  case once((ProgramNode) -> Void)
  case every(Nanoseconds, (ProgramNode) -> Void)
}
