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
    guard !texts.isEmpty, !pairs.isEmpty else { throw WorldError("send needs at least one message") }
    if let live { return live.send(pairs: pairs, texts: texts, cancel: cancel) }
    watched = [:]
    arrivals = []
    var ids: [Int] = []
    for (from, to) in pairs {
      for text in texts {
        let bytes = FrameCodec.encode(.message(text))
        let id = nextMessageID
        watched[id] = MessageOutcome(id: id, from: from, to: to, text: text, fate: .inFlight, duplicates: 0)
        emit(from: from, to: to, bytes: bytes, at: simNow)
        ids.append(id)
      }
    }
    let run = runSim(
      until: nil, precise: true, done: { ids.allSatisfy { watched[$0]?.fate != .inFlight } }, cancel: cancel)
    let outcome = SendOutcome(
      messages: ids.compactMap { watched[$0] }, arrivalOrder: arrivals, interrupted: run.interrupted)
    watched = [:]
    arrivals = []
    return outcome
  }

  func checkEndpoint(_ id: NodeID, role: String) throws(WorldError) {
    if id.isClient { return }
    let info = try requireNode(id)
    if role != "receiver" && info.status != .up {
      throw WorldError(
        "\(info.name) is \(info.status.rawValue): a \(info.status == .down ? "dead" : "paused") node sends nothing")
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
    guard let first = outcomes.first else { throw WorldError("the call was not made") }
    return first
  }

  /// Makes several calls at the same moment and runs the world until every one has its answer
  /// or has timed out: how a client fans out to many servers at once.
  public func callAll(
    _ requests: [CallRequest], options: CallOptions = CallOptions(), cancel: () -> Bool = { false }
  ) throws(WorldError) -> [CallOutcome] {
    guard options.timeout > .zero else { throw WorldError("the timeout must be longer than zero") }
    guard (0...100).contains(options.retries) else { throw WorldError("retries must be between 0 and 100") }
    for r in requests {
      try checkEndpoint(r.from, role: "caller")
      _ = try requireNode(r.to)
      guard r.method.utf8.count <= 255, !r.method.isEmpty else { throw WorldError("a method name has 1 to 255 bytes") }
      guard r.args.count <= 255 else { throw WorldError("a call carries at most 255 arguments") }
    }
    var ids: [UInt32] = []
    var started: [CallOutcome] = []
    for r in requests {
      let callID = nextCallID
      nextCallID = nextCallID == UInt32.max ? 1 : nextCallID + 1
      let frame = Frame(
        kind: .request, flags: options.atMostOnce ? Frame.atMostOnceFlag : 0, callID: callID, method: r.method,
        args: r.args)
      let outcome = CallOutcome(
        callID: callID, from: r.from, to: r.to, method: r.method, args: r.args, request: FrameCodec.encode(frame),
        reply: nil,
        result: .timeout, attempts: 1, startedAt: now, endedAt: now)
      ids.append(callID)
      started.append(outcome)
    }
    if let live { return started.map { live.call($0, options: options, cancel: cancel) } }
    for outcome in started {
      calls[outcome.callID] = PendingCall(outcome: outcome, options: options, attempt: 1, done: false)
      emit(from: outcome.from, to: outcome.to, bytes: outcome.request, at: simNow)
      queue.insert(
        SimEvent(time: simNow + options.timeout, seq: nextSeq(), kind: .callTimeout(callID: outcome.callID, attempt: 1))
      )
    }
    let run = runSim(until: nil, precise: true, done: { ids.allSatisfy { calls[$0]?.done ?? true } }, cancel: cancel)
    let waited = Set(ids)
    var finals: [CallOutcome] = []
    for (i, id) in ids.enumerated() {
      let pending = calls.removeValue(forKey: id)
      var final = pending?.outcome ?? started[i]
      if run.interrupted && !(pending?.done ?? false) {
        final.result = .interrupted
        final.endedAt = simNow
      }
      finals.append(final)
    }
    // The callers stopped waiting: their pending timeouts are no longer events of the world.
    _ = queue.removeAll { e in
      if case .callTimeout(let id, _) = e.kind { return waited.contains(id) }
      return false
    }
    return finals
  }

  /// A reply reached its caller: settle the call unless it already was.
  func replyArrived(_ env: Envelope, at time: Nanoseconds) {
    // Most deliveries are not awaited replies: tell from the header before decoding.
    guard let peeked = FramePeek.replyCallID(env.bytes), calls[peeked] != nil else { return }
    guard let frame = try? FrameCodec.decode(env.bytes), frame.kind == .reply || frame.kind == .error,
      var call = calls[frame.callID], !call.done, call.outcome.from == env.to, call.outcome.to == env.from
    else { return }
    if !env.to.isClient, info(env.to)?.status != .up { return }
    call.done = true
    call.outcome.reply = env.bytes
    call.outcome.endedAt = time
    if frame.kind == .reply {
      call.outcome.result = .value(frame.args)
    } else {
      call.outcome.result = .error(frame.args.first?.stringValue ?? frame.args.first?.description ?? "error")
    }
    calls[frame.callID] = call
  }

  func callTimedOut(_ callID: UInt32, attempt: Int, at time: Nanoseconds) {
    guard var call = calls[callID], !call.done, call.attempt == attempt else { return }
    if call.attempt <= call.options.retries {
      call.attempt += 1
      call.outcome.attempts = call.attempt
      calls[callID] = call
      record(
        TraceEvent(
          time: time, kind: .note, node: call.outcome.from, detail: "rpc#\(callID) timed out; retry \(call.attempt - 1)"
        ))
      emit(from: call.outcome.from, to: call.outcome.to, bytes: call.outcome.request, at: time)
      queue.insert(
        SimEvent(
          time: time + call.options.timeout, seq: nextSeq(), kind: .callTimeout(callID: callID, attempt: call.attempt)))
    } else {
      call.done = true
      call.outcome.result = .timeout
      call.outcome.endedAt = time
      calls[callID] = call
      record(
        TraceEvent(
          time: time, kind: .note, node: call.outcome.from,
          detail: "rpc#\(callID) gave up after \(call.attempt) attempt\(call.attempt == 1 ? "" : "s")"))
    }
  }

  /// Lets `duration` pass: in sim mode every event due by then happens; in live mode the
  /// caller waits that long on the wall clock.
  public func advance(by duration: Nanoseconds, cancel: () -> Bool = { false }) throws(WorldError) -> AdvanceOutcome {
    guard duration >= .zero else { throw WorldError("time only moves forward") }
    let start = now
    if let live { return live.advance(by: duration, cancel: cancel) }
    let deadline = simNow + duration
    let run = runSim(until: deadline, precise: false, done: { false }, cancel: cancel)
    if !run.interrupted { simNow = deadline }
    return AdvanceOutcome(from: start, to: simNow, eventsHandled: run.handled, interrupted: run.interrupted)
  }

  /// Events waiting in the queue (sim mode): messages in flight and timers.
  public var pendingEvents: Int { queue.count }
}

extension World {
  /// Puts a message on the wire without waiting for it: the way load generators and
  /// benchmarks start traffic. Returns the message id.
  @discardableResult
  public func post(from: NodeID, to: NodeID, bytes: [UInt8]) throws(WorldError) -> Int {
    try checkEndpoint(from, role: "sender")
    try checkEndpoint(to, role: "receiver")
    if let live {
      let table = live.router.snapshot()
      var rng = SeededRandom(seed: config.seed, stream: UInt64(nextMessageID) &+ 7)
      nextMessageID += 1
      return live.router.route(from: from, to: to, bytes: bytes, table: table, rng: &rng, tracing: true)
    }
    return emit(from: from, to: to, bytes: bytes, at: simNow)
  }

  /// Live mode: stops (or restarts) recording individual events, for measuring raw
  /// throughput. Sim mode always records.
  public func setLiveEventTracing(_ on: Bool) {
    live?.setTracing(on)
  }
}
