import DistLab
import DistLabTasks

/// The task lab's traffic with nothing behind it, for the bench's floor rows: the same six
/// messages per task (publish and its reply, a BRPOP and its reply, an ack, a stored result),
/// the same payloads and the same program API, but a broker that keeps a plain array, workers
/// that run nothing and a backend that only counts. What the lab costs above these rows is its
/// own work; what these rows cost is the engine's and the call layer's.
enum TaskFloorRoles {
  static let broker = Role("floor-broker", summary: "bench only: a queue and nothing else", services: { [Broker()] })
  static let worker = Role("floor-worker", summary: "bench only: fetch, ack, store", services: { [Worker()] })
  static let backend = Role("floor-backend", summary: "bench only: counts results", services: { [Backend()] })
  static let rawBroker = Role("raw-broker", summary: "bench only: bytes in, bytes out", program: { RawBroker() })
  static let rawWorker = Role("raw-worker", summary: "bench only: bytes in, bytes out", program: { RawWorker() })
  static let rawBackend = Role("raw-backend", summary: "bench only: counts", program: { RawBackend() })

  static let catalog = RoleCatalog.builtIn.adding(broker).adding(worker).adding(backend).adding(rawBroker)
    .adding(rawWorker).adding(rawBackend)

  /// The message the lab's bench publishes, so that the floor carries the same bytes.
  static func message(_ i: Int) -> Value {
    TaskMessage(id: "B\(i)", task: "add", args: [.int(Int64(i)), .int(1)]).value
  }

  /// FIFO messages, consumers served oldest first, a tag per delivery; no disk, no unacked table.
  final class Broker: Service {
    var queue: [Value] = []
    var head = 0
    var waiting: [Request] = []
    var tag: Int64 = 0

    static let methods: [ServiceMethod<Broker>] = [
      ServiceMethod("floor.publish", [ArgumentSpec("MESSAGE", .map)], "queues a message") { b, r, node in
        b.queue.append(r.args[0])
        if !b.waiting.isEmpty, let answer = b.pop() { node.answer(b.waiting.removeFirst(), answer) }
        return .value([.int(Int64(b.queue.count - b.head))])
      },
      ServiceMethod("floor.fetch", [ArgumentSpec("QUEUES", .list)], "the front message, or waits") { b, r, _ in
        if let answer = b.pop() { return answer }
        b.waiting.append(r)
        return .later
      },
      ServiceMethod("floor.ack", [ArgumentSpec("TAG", .int)], "nothing") { _, _, _ in .value([]) },
    ]

    func pop() -> Answer? {
      guard head < queue.count else { return nil }
      let m = queue[head]
      head += 1
      tag += 1
      return .value([m, .int(tag)])
    }
  }

  /// One BRPOP in flight, as a kombu consumer keeps; each message acked, then its result stored.
  final class Worker: Service {
    var broker = NodeID.client
    var backend = NodeID.client

    static let methods: [ServiceMethod<Worker>] = [
      ServiceMethod("floor.begin", [ArgumentSpec("BROKER", .int), ArgumentSpec("BACKEND", .int)], "starts fetching") {
        w, r, node in
        w.broker = NodeID(Int(r.args[0].intValue ?? 0))
        w.backend = NodeID(Int(r.args[1].intValue ?? 0))
        w.fetch(node)
        return .value([])
      }
    ]

    func fetch(_ node: ProgramNode) {
      let options = CallOptions(timeout: TaskDefaults.brpopTimeout + TaskDefaults.callTimeout)
      node.call(broker, "floor.fetch", [.list([.string(TaskDefaults.queue)])], options: options) {
        [unowned self] node, result in
        if case .value(let v) = result, v.count == 2, let id = v[0]["id"] {
          node.tell(self.broker, "floor.ack", [v[1]])
          let meta: [MapEntry] = [
            MapEntry(.string("state"), .string(TaskState.success.rawValue)), MapEntry(.string("retries"), .int(0)),
            MapEntry(.string("worker"), .int(Int64(node.me.number))), MapEntry(.string("result"), .int(1)),
          ]
          node.tell(self.backend, "floor.store", [id, .map(meta)])
        }
        self.fetch(node)
      }
    }
  }

  /// Counts stored results; a reader may wait for one id, as `backend.wait` does.
  final class Backend: Service {
    var results = 0
    var waiting: [String: Request] = [:]

    func metrics() -> [(String, Double)] { [("results", Double(results))] }

    static let methods: [ServiceMethod<Backend>] = [
      ServiceMethod("floor.store", [ArgumentSpec("ID", .string), ArgumentSpec("META", .map)], "counts it") {
        b, r, node in
        b.results += 1
        if !b.waiting.isEmpty, let w = b.waiting.removeValue(forKey: r.key(0)) { node.answer(w, .value([r.args[1]])) }
        return .value([])
      },
      ServiceMethod("floor.wait", [ArgumentSpec("ID", .string)], "answers when ID is stored") { b, r, _ in
        b.waiting[r.key(0)] = r
        return .later
      },
    ]
  }

  /// Bytes of the sizes the lab's frames have, told apart by their first byte; never decoded.
  enum Raw: UInt8 {
    case publish = 1
    case fetch
    case ack
    case store
    case reply
    case begin

    /// A publish is as long as the lab's; the others about as long as their small frames.
    var bytes: [UInt8] {
      let publish = Frame(kind: .request, callID: 1, method: "broker.publish", args: [TaskFloorRoles.message(1)])
      var b = [UInt8](repeating: 0, count: self == .publish ? FrameCodec.encode(publish).count : 48)
      b[0] = rawValue
      return b
    }
  }

  /// Queues publishes, answers each with a reply, and hands the front one to the oldest waiting fetch.
  final class RawBroker: NodeProgram {
    var queue: [[UInt8]] = []
    var head = 0
    var waiting: [NodeID] = []
    let reply = Raw.reply.bytes

    func receive(_ env: Envelope, context: NodeContext) {
      switch Raw(rawValue: env.bytes.first ?? 0) {
      case .publish:
        queue.append(env.bytes)
        if !waiting.isEmpty, head < queue.count {
          context.send(to: waiting.removeFirst(), bytes: queue[head])
          head += 1
        }
        context.send(to: env.from, bytes: reply)
      case .fetch:
        if head < queue.count {
          context.send(to: env.from, bytes: queue[head])
          head += 1
        } else {
          waiting.append(env.from)
        }
      default: break
      }
    }

    func timer(token: UInt64, context: NodeContext) {}
    func summary() -> NodeSummary { NodeSummary() }
  }

  /// Told where the broker and backend are by a `begin` whose second and third bytes name them.
  final class RawWorker: NodeProgram {
    var broker = NodeID.client
    var backend = NodeID.client
    let ack = Raw.ack.bytes
    let store = Raw.store.bytes
    let fetch = Raw.fetch.bytes

    func receive(_ env: Envelope, context: NodeContext) {
      if env.bytes.first == Raw.begin.rawValue {
        broker = NodeID(Int(env.bytes[1]))
        backend = NodeID(Int(env.bytes[2]))
      } else {
        context.send(to: broker, bytes: ack)
        context.send(to: backend, bytes: store)
      }
      context.send(to: broker, bytes: fetch)
    }

    func timer(token: UInt64, context: NodeContext) {}
    func summary() -> NodeSummary { NodeSummary() }
  }

  /// Counts what it is sent.
  final class RawBackend: NodeProgram {
    var results = 0
    func receive(_ env: Envelope, context: NodeContext) { results += 1 }
    func timer(token: UInt64, context: NodeContext) {}
    func summary() -> NodeSummary {
      var s = NodeSummary()
      s.metrics = [("results", Double(results))]
      return s
    }
    func metrics() -> [(String, Double)] { [("results", Double(results))] }
  }
}
