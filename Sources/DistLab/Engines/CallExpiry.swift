extension CallOutcome {
  /// An attempt ran out of time. While `options` allows another, the call is tried again,
  /// noted in the trace as a retry (true: send it again); else it ends in a timeout, noted as
  /// given up (false). The wall-clock engines share this, so their traces say the same.
  public mutating func attemptExpired(options: CallOptions, at now: Nanoseconds, record: (TraceEvent) -> Void)
    -> Bool
  {
    if attempts <= options.retries {
      attempts += 1
      record(TraceEvent(time: now, kind: .note, node: from, detail: .retry(callID: callID, attempt: attempts - 1)))
      return true
    }
    result = .timeout
    endedAt = now
    record(TraceEvent(time: now, kind: .note, node: from, detail: .gaveUp(callID: callID, attempts: attempts)))
    return false
  }
}
