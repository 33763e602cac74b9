/// The program API a service sees: who and when it is, sending, calling other nodes with a
/// continuation, timers, the disk, trace notes. Calls never block the node's thread: the
/// continuation runs when the reply arrives or the last attempt times out.
public final class ProgramNode {
  // unowned(unsafe): the program owns this object, which reaches services only through the
  // program's own calls and dies with it; a checked reference would cost a reference-count
  // round trip on every call a service makes.
  // Set once, by the program's initialiser, before any service can reach this object.
  unowned(unsafe) var program: ServiceProgram!
  /// The context of the event being handled; set by the program before any service runs.
  var context: NodeContext! {
    didSet { storedDisk = context?.disk }
  }
  /// The context's disk, kept beside it: services reach the disk on nearly every request, and
  /// asking the context each time costs a dynamic call and two reference counts.
  private var storedDisk: NodeDisk?

  init() {}

  public var me: NodeID { context.me }
  public var now: Nanoseconds { context.now }
  public var incarnation: Int { context.incarnation }
  public var disk: NodeDisk { storedDisk ?? context.disk }
  public func random() -> UInt64 { context.randomUInt64() }

  /// Sends a plain message.
  public func send(to: NodeID, _ text: String) { context.send(to: to, frame: .message(text)) }

  /// Records a line in the trace under this node.
  public func note(_ text: String) { context.note(.note, .text(text)) }

  /// Records a typed event in the trace under this node, for a lab to read back as data.
  public func event(_ topic: String, _ values: @autoclosure () -> [Value]) {
    let context = self.context!
    if context.keepsNotes { context.note(.note, .event(topic: topic, values: values())) }
  }

  /// Answers a request a handler kept (`Answer.later`).
  public func answer(_ request: Request, _ answer: Answer) { program.answer(request, answer) }

  // MARK: Timers

  /// Runs `body` once after `delay`.
  @discardableResult
  public func after(_ delay: Nanoseconds, _ body: @escaping (ProgramNode) -> Void) -> TimerHandle {
    arm(.once(body), after: delay)
  }

  /// Runs `body` every `interval`, the first time one interval from now, until cancelled.
  @discardableResult
  public func every(_ interval: Nanoseconds, _ body: @escaping (ProgramNode) -> Void) -> TimerHandle {
    arm(.every(max(interval, Nanoseconds(1)), body), after: max(interval, Nanoseconds(1)))
  }

  /// Stops a timer; a cancelled timer never fires.
  public func cancel(_ timer: TimerHandle) {
    guard program.timers.removeValue(forKey: timer.token) != nil else { return }
    context.cancelTimer(token: timer.token)
  }

  @discardableResult
  func arm(_ action: TimerAction, after delay: Nanoseconds) -> TimerHandle {
    let token = program.nextToken
    program.nextToken += 1
    program.timers[token] = action
    context.setTimer(after: delay, token: token)
    return TimerHandle(token: token)
  }

  // MARK: Calls

  /// Sends `method` to `to` as a one-way request: the server runs it and answers nothing, so
  /// nothing waits, times out or is retried. Lost on the way, it is simply lost.
  public func tell(_ to: NodeID, _ method: String, _ args: [Value] = []) { program.tell(to, method, args) }

  /// Calls `method` on `to` and, without waiting, goes on; `then` runs once with the answer,
  /// or with `.timeout` after every attempt has timed out. Retries and at-most-once work as
  /// the shell's `rpc` flags do.
  public func call(
    _ to: NodeID, _ method: String, _ args: [Value] = [], options: CallOptions = CallOptions(),
    then: @escaping (ProgramNode, CallResult) -> Void
  ) {
    program.call(to, method, args, options: options, then: then)
  }
}

/// A timer a program set, for cancelling it.
public struct TimerHandle: Hashable, Sendable {
  let token: UInt64
}

/// How a program's call ended.
public enum CallResult: Sendable, Equatable {
  case value([Value])
  case error(String)
  case timeout
}
