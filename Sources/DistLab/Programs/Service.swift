/// A call a service is asked to handle: who asked, and with what.
public struct Request: Sendable {
  public let caller: NodeID
  public let method: String
  public let args: [Value]
  public let callID: UInt32
  public let atMostOnce: Bool
  /// A one-way request: whatever the handler answers is not sent.
  public var noReply = false

  /// The argument at `i` read as a key: text as it is, anything else as it is written.
  public func key(_ i: Int) -> String {
    i < args.count ? (args[i].stringValue ?? args[i].description) : ""
  }
}

/// What a handler answers: a value now, an error now, or later through `ProgramNode.answer`.
public enum Answer: Sendable {
  case value([Value])
  case error(String)
  /// The handler keeps the request and answers it later (after a timer, or another call).
  case later
}

/// A method as a service declares it: the declaration and the handler, side by side, so
/// nothing about the method is written twice.
public struct ServiceMethod<S: Service>: Sendable {
  public let spec: MethodSpec
  let handle: @Sendable (S, Request, ProgramNode) -> Answer

  public init(
    _ name: String, _ arguments: [ArgumentSpec] = [], _ summary: String,
    _ handle: @escaping @Sendable (S, Request, ProgramNode) -> Answer
  ) {
    spec = MethodSpec(name, arguments, summary)
    self.handle = handle
  }
}

/// A part of a node program with its own state and methods. A role is a list of services;
/// the program that hosts them decodes requests, checks arguments against the declarations,
/// dispatches, answers, and suppresses duplicates for at-most-once calls.
public protocol Service: AnyObject {
  /// The methods served, declared once.
  static var methods: [ServiceMethod<Self>] { get }
  /// Named numbers for `nodes`, `stats` and `expect` (`n1.keys`), in a fixed order.
  func metrics() -> [(String, Double)]
  /// Key/value data the service keeps, for `nodes NODE` and `expect n1.kv.KEY`; nil if none.
  func data() -> [String: Value]?
}

extension Service {
  public func metrics() -> [(String, Double)] { [] }
  public func data() -> [String: Value]? { nil }

  /// The declarations alone, for help and completion without an instance.
  public static var specs: [MethodSpec] { methods.map(\.spec) }

  /// The method named `method` bound to this instance, if the service declares it. Looked up
  /// in the type's static list, so a service keeps no table of its own (10,000 nodes stay
  /// light); the program keeps what it binds for the methods it is asked.
  func bind(_ method: String) -> BoundMethod? {
    guard let m = Self.methods.first(where: { $0.spec.name == method }) else { return nil }
    return BoundMethod(spec: m.spec) { request, node in m.handle(self, request, node) }
  }
}

/// A declared method bound to one service instance: what a program dispatches a request to.
/// Made once per method a node is asked, in the service's own type, so that serving a request
/// takes no generic look-ups at run time.
final class BoundMethod {
  let spec: MethodSpec
  private let handle: (Request, ProgramNode) -> Answer

  init(spec: MethodSpec, handle: @escaping (Request, ProgramNode) -> Answer) {
    self.spec = spec
    self.handle = handle
  }

  /// Serves `request`: the arguments are checked against the declaration first.
  func serve(_ request: Request, node: ProgramNode) -> Answer {
    if let mismatch = spec.mismatch(request.args) { return .error(ServiceProgram.describe(mismatch, of: spec)) }
    return handle(request, node)
  }
}
