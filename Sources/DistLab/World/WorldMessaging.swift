/// The operations that run the world forward: messages, calls and the passing of time.
extension World {
  /// Sends each text as its own message from `from` to `to`, in order, and runs the world
  /// until every message has arrived or been dropped.
  public func send(from: NodeID, to: NodeID, texts: [String], cancel: () -> Bool = { false }) throws(WorldError)
    -> SendOutcome
  {
    try send(pairs: [(from, to)], texts: texts, cancel: cancel)
  }

  /// Sends every text from each sender to its receiver (pair by pair, text by text, all at
  /// the same moment) and runs the world until every message has arrived or been dropped.
  public func send(pairs: [(NodeID, NodeID)], texts: [String], cancel: () -> Bool = { false }) throws(WorldError)
    -> SendOutcome
  {
    for (from, to) in pairs {
      try checkEndpoint(from, role: "sender")
      try checkEndpoint(to, role: "receiver")
    }
    guard !texts.isEmpty, !pairs.isEmpty else { throw .nothingToSend }
    return engine.send(pairs: pairs, texts: texts, cancel: cancel)
  }

  func checkEndpoint(_ id: NodeID, role: String) throws(WorldError) {
    if id.isClient { return }
    let info = try requireNode(id).info
    if role != "receiver" && info.status != .up {
      throw .silentSender(name: info.name, status: info.status)
    }
  }

  /// Calls `method` on `to` and runs the world until the answer arrives or every attempt has
  /// timed out.
  public func call(
    from: NodeID = .client, to: NodeID, method: String, args: [Value], options: CallOptions = CallOptions(),
    cancel: () -> Bool = { false }
  ) throws(WorldError) -> CallOutcome {
    let outcomes = try callAll(
      [CallRequest(from: from, to: to, method: method, args: args)], options: options, cancel: cancel)
    guard let first = outcomes.first else { throw .callNotMade }
    return first
  }

  /// Makes several calls at the same moment and runs the world until every one has its answer
  /// or has timed out: how a client fans out to many servers at once.
  public func callAll(
    _ requests: [CallRequest], options: CallOptions = CallOptions(), cancel: () -> Bool = { false }
  ) throws(WorldError) -> [CallOutcome] {
    guard options.timeout > .zero else { throw .timeoutNotPositive }
    guard (0...100).contains(options.retries) else { throw .retriesOutOfRange(0...100) }
    guard !(now + options.timeout.times(options.retries + 1)).isPastHorizon else { throw .pastHorizon }
    for r in requests {
      try checkEndpoint(r.from, role: "caller")
      try requireNode(r.to)
      guard r.method.utf8.count <= 255, !r.method.isEmpty else { throw .badMethodName }
      guard r.args.count <= 255 else { throw .tooManyArguments(limit: 255) }
    }
    var started: [CallOutcome] = []
    started.reserveCapacity(requests.count)
    for r in requests {
      let callID = nextCallID
      nextCallID = nextCallID >= CallLabel.firstProgramID - 1 ? 1 : nextCallID + 1
      let frame = Frame(
        kind: .request, flags: options.atMostOnce ? Frame.atMostOnceFlag : 0, callID: callID, method: r.method,
        args: r.args)
      let outcome = CallOutcome(
        callID: callID, from: r.from, to: r.to, method: r.method, args: r.args, request: FrameCodec.encode(frame),
        reply: nil,
        result: .timeout, attempts: 1, startedAt: now, endedAt: now)
      started.append(outcome)
    }
    return engine.call(started, options: options, cancel: cancel)
  }

  /// Lets `duration` pass: in sim mode every event due by then happens; in live mode the
  /// caller waits that long on the wall clock.
  public func advance(by duration: Nanoseconds, cancel: () -> Bool = { false }) throws(WorldError) -> AdvanceOutcome {
    guard duration >= .zero else { throw .timeBackwards }
    guard !(now + duration).isPastHorizon else { throw .pastHorizon }
    return engine.advance(by: duration, cancel: cancel)
  }

  /// Events waiting in the queue (sim mode): messages in flight and timers.
  public var pendingEvents: Int { engine.pendingEvents }
}

extension World {
  /// Puts a message on the wire without waiting for it: the way load generators and
  /// benchmarks start traffic. Returns the message id.
  @discardableResult
  public func post(from: NodeID, to: NodeID, bytes: [UInt8]) throws(WorldError) -> Int {
    try checkEndpoint(from, role: "sender")
    try checkEndpoint(to, role: "receiver")
    return engine.post(from: from, to: to, bytes: bytes)
  }

  /// Stops (or restarts) recording individual events, for measuring raw throughput. Sim
  /// mode always records.
  public func setLiveEventTracing(_ on: Bool) {
    engine.setEventTracing(on)
  }
}
