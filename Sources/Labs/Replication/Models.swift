import DistLab

/// What a history is checked against: a sequential object and how each operation changes it.
public enum LinearizabilityModel: String, Sendable, CaseIterable {
  /// Read and write one value (nil at first).
  case register
  /// Read, write, and compare-and-set one value.
  case casRegister = "cas-register"
  /// Get, put, append and compare-and-set per key, checked key by key.
  case kv

  /// Whether `op`, applied to `state`, is consistent with what it returned, and the state after.
  func step(_ state: Value, _ op: HistoryOperation) -> Value? {
    switch op.function {
    case .read, .get:
      // A read that never returned observed nothing.
      if op.complete == nil { return state }
      return op.value == state ? state : nil
    case .write, .put: return op.value
    case .append:
      let base = state.stringValue ?? (state == .null ? "" : state.description)
      return .string(base + (op.value.stringValue ?? op.value.description))
    case .cas:
      guard self != .register else { return nil }
      // A cas that completed succeeded (a failed one is not in the history); one that timed
      // out may have succeeded, so it needs the expected value too.
      return state == op.expected ? op.value : nil
    }
  }

  /// Which operations this model accepts.
  func accepts(_ f: HistoryOperation.Function) -> Bool {
    switch self {
    case .register: [.read, .write].contains(f)
    case .casRegister: [.read, .write, .cas].contains(f)
    case .kv: [.get, .put, .append, .cas].contains(f)
    }
  }
}
