/// How the world keeps time: `sim` on a virtual clock fixed by the seed, `live` on the wall
/// clock, `process` on the wall clock with every node an OS process of its own over TCP.
public enum WorldMode: String, Sendable, CaseIterable {
  case sim, live, process
}

/// Makes the engine of process mode from the seed, the network and the trace's limit; given by
/// whoever can (the shell, from `DistLabNet`), since the world's module knows no sockets.
public typealias ProcessEngineMaker =
  @Sendable (_ seed: UInt64, _ network: NetworkConfig, _ traceLimit: Int) ->
  any Engine

/// When the sim engine hands a window's events to the nodes' threads rather than handling them
/// on the thread that drives the world. The output is the same either way; only the speed
/// differs, since waking a thread costs more than a light handler's work.
public enum SimHandOff: Sendable {
  /// When two or more nodes have work whose measured cost outweighs waking their threads.
  case byCost
  /// Every window (the tests' check that the threaded path gives the same output).
  case always
}

/// Settings fixed when a world is made.
public struct WorldConfig: Sendable {
  public var seed: UInt64 = 1
  public var mode: WorldMode = .sim
  /// Spawning beyond this many nodes is refused.
  public var maxNodes = 1000
  public var traceLimit = 100_000
  /// What the node cap and the trace's length may be set to, wherever they are set.
  public static let maxNodesRange = 1...100_000
  public static let traceLimitRange = 10...1_000_000
  /// Sim mode only: run the single-threaded reference engine instead of node threads (the
  /// same events in the same order; the tests' oracle and the bench's baseline).
  public var singleThreaded = false
  /// Sim mode only: which batches go to the node threads (see `SimHandOff`).
  public var simHandOff = SimHandOff.byCost
  /// What makes process mode's engine; without it the world refuses process mode.
  public var processEngine: ProcessEngineMaker?
  public init() {}
}

/// A refusal from the world: the command changed nothing.

/// A node as the world reports it.
public struct NodeInfo: Hashable, Sendable {
  public var id: NodeID
  public var name: String
  public var status: NodeStatus
  public var roles: [String]
  public var region: String?
  /// How many times the node has been (re)started; 1 after spawn.
  public var incarnation: Int
}

/// What became of one message sent from the shell.
public struct MessageOutcome: Sendable {
  public enum Fate: Sendable, Equatable {
    case delivered(at: Nanoseconds, latency: Nanoseconds)
    case dropped(reason: DropReason)
    /// Still travelling when the command ended (interrupted).
    case inFlight
  }
  public var id: Int
  public var from: NodeID
  public var to: NodeID
  public var text: String
  public var fate: Fate
  /// Extra copies the network made; they arrive later.
  public var duplicates: Int
  public init(id: Int, from: NodeID, to: NodeID, text: String, fate: Fate, duplicates: Int) {
    self.id = id
    self.from = from
    self.to = to
    self.text = text
    self.fate = fate
    self.duplicates = duplicates
  }
}

/// The result of `send`: every message, in the order they were sent, and the arrival order.
public struct SendOutcome: Sendable {
  public var messages: [MessageOutcome]
  /// Message ids in the order they arrived.
  public var arrivalOrder: [Int]
  public var interrupted: Bool

  public init(messages: [MessageOutcome], arrivalOrder: [Int], interrupted: Bool) {
    self.messages = messages
    self.arrivalOrder = arrivalOrder
    self.interrupted = interrupted
  }
}

/// How a call is made: how long to wait, how often to try again, and whether the server
/// should suppress duplicates.
public struct CallOptions: Sendable, Equatable {
  public var timeout: Nanoseconds = .seconds(1)
  public var retries = 0
  public var atMostOnce = false
  public init(timeout: Nanoseconds = .seconds(1), retries: Int = 0, atMostOnce: Bool = false) {
    self.timeout = timeout
    self.retries = retries
    self.atMostOnce = atMostOnce
  }
}

/// The result of a remote call.
public struct CallOutcome: Sendable {
  public enum Result: Sendable, Equatable {
    case value([Value])
    case error(String)
    case timeout
    case interrupted
  }
  public var callID: UInt32
  public var from: NodeID
  public var to: NodeID
  public var method: String
  public var args: [Value]
  public var request: [UInt8]
  public var reply: [UInt8]?
  public var result: Result
  /// How many times the request was sent.
  public var attempts: Int
  public var startedAt: Nanoseconds
  public var endedAt: Nanoseconds
  public var roundTrip: Nanoseconds { endedAt - startedAt }
}

/// The result of `advance`.
public struct AdvanceOutcome: Sendable {
  public var from: Nanoseconds
  public var to: Nanoseconds
  public var eventsHandled: Int
  public var interrupted: Bool
  public init(from: Nanoseconds, to: Nanoseconds, eventsHandled: Int, interrupted: Bool) {
    self.from = from
    self.to = to
    self.eventsHandled = eventsHandled
    self.interrupted = interrupted
  }
}

/// One call among several made at once (`World.callAll`).
public struct CallRequest: Sendable {
  public var from: NodeID
  public var to: NodeID
  public var method: String
  public var args: [Value]

  public init(from: NodeID = .client, to: NodeID, method: String, args: [Value]) {
    self.from = from
    self.to = to
    self.method = method
    self.args = args
  }
}
