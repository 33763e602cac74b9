/// A call a program made and still waits on.
struct ProgramCall {
  var to: NodeID
  var request: [UInt8]
  var options: CallOptions
  var attempt: Int
  var timeout: TimerHandle
  var then: (ProgramNode, CallResult) -> Void
}

/// Calls from a program: sent at once, a timer per attempt, retried or given up on as the
/// shell's calls are (with the same trace notes), answered through the continuation.
extension ServiceProgram {
  /// The id of this node's next call (see `CallLabel`): never one the shell uses, and not
  /// one an earlier incarnation used, so an at-most-once server does not mistake the two.
  func freshCallID(incarnation: Int) -> UInt32 {
    nextCall = (nextCall + 1) & 0x7F_FFFF
    return CallLabel.programID(incarnation: incarnation, count: nextCall)
  }

  func call(
    _ to: NodeID, _ method: String, _ args: [Value], options: CallOptions,
    then: @escaping (ProgramNode, CallResult) -> Void
  ) {
    // The context loaded once: each load of `node.context` costs a reference count.
    let context: NodeContext = node.context
    let callID = freshCallID(incarnation: context.incarnation)
    let frame = Frame(
      kind: .request, flags: options.atMostOnce ? Frame.atMostOnceFlag : 0, callID: callID, method: method,
      args: Self.sendable(args))
    let bytes = FrameCodec.encode(frame)
    context.send(to: to, bytes: bytes)
    let timeout = armTimeout(callID, attempt: 1, after: options.timeout, context: context)
    pending[callID] = ProgramCall(
      to: to, request: bytes, options: options, attempt: 1, timeout: timeout, then: then)
  }

  /// The top bit of a call's timeout token; the other timers' tokens count up from 1.
  static let timeoutTokenBit: UInt64 = 1 << 63

  /// Sets the timer for `attempt` of call `callID`. Its token says which call and attempt it
  /// is for, so a call's timeout needs no entry in the timer table.
  func armTimeout(_ callID: UInt32, attempt: Int, after delay: Nanoseconds, context: NodeContext) -> TimerHandle {
    // An attempt short of 2^31 − 1, so that no token is every bit set (live mode's wake-up token).
    let token = Self.timeoutTokenBit | UInt64(callID) << 31 | UInt64(min(attempt, 0x7FFF_FFFE))
    context.setTimer(after: delay, token: token)
    return TimerHandle(token: token)
  }

  /// A call's timeout fired: which call and attempt its token names.
  func timeoutFired(_ token: UInt64) {
    callTimedOut(UInt32(truncatingIfNeeded: token >> 31), attempt: Int(token & 0x7FFF_FFFF))
  }

  /// A one-way request: sent once, with no reply, timer or continuation — what a client does
  /// when the answer would change nothing it does (an acknowledgement, a result to store).
  func tell(_ to: NodeID, _ method: String, _ args: [Value]) {
    let context: NodeContext = node.context
    let frame = Frame(
      kind: .request, flags: Frame.noReplyFlag, callID: freshCallID(incarnation: context.incarnation), method: method,
      args: Self.sendable(args))
    context.send(to: to, bytes: FrameCodec.encode(frame))
  }

  /// At most the 255 arguments a request carries, copied only when there are more.
  static func sendable(_ args: [Value]) -> [Value] { args.count <= 255 ? args : Array(args.prefix(255)) }

  /// A reply or error reached this node: settle the call it answers, once.
  func replied(_ frame: Frame, from: NodeID, context: NodeContext) {
    // One lookup, and the call moved out of the table rather than copied.
    guard let i = pending.index(forKey: frame.callID), pending.values[i].to == from else { return }
    let call = pending.remove(at: i).value
    context.cancelTimer(token: call.timeout.token)
    let result: CallResult =
      frame.kind == .reply
      ? .value(frame.args) : .error(frame.args.first?.stringValue ?? frame.args.first?.description ?? "error")
    call.then(node, result)
  }

  func callTimedOut(_ callID: UInt32, attempt: Int) {
    guard var call = pending[callID], call.attempt == attempt else { return }
    if call.attempt <= call.options.retries {
      let context: NodeContext = node.context
      call.attempt += 1
      context.note(.note, .retry(callID: callID, attempt: call.attempt - 1))
      context.send(to: call.to, bytes: call.request)
      call.timeout = armTimeout(callID, attempt: call.attempt, after: call.options.timeout, context: context)
      pending[callID] = call
    } else {
      pending[callID] = nil
      node.context.note(.note, .gaveUp(callID: callID, attempts: call.attempt))
      call.then(node, .timeout)
    }
  }
}
