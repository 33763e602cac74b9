import DistLab

/// One event a node process recorded, as it travels to the shell: the node's own clock, what
/// happened, the other node, the sender's message count (matching a delivery to its send) and
/// the node's Lamport clock.
public struct NodeEvent: Sendable, Equatable {
  public var time: Nanoseconds
  public var kind: TraceEvent.Kind
  public var peer: NodeID?
  public var seq: UInt64?
  public var clock: UInt64
  public var bytes: [UInt8]?
  public var detail: TraceDetail
  /// For a drop: whether the receiver dropped it (it arrived while the node was down), not
  /// the sender's side of the network.
  public var atReceiver = false
}

/// How a node's events travel in a `ctl.trace` message frame: each event a list `[TIME, KIND,
/// PEER or -1, SEQ or -1, CLOCK, BYTES or null, DETAIL, AT RECEIVER]`, the detail a list led by
/// its tag.
enum TraceWire {
  static func encode(_ e: NodeEvent) -> Value {
    .list([
      .int(e.time.value), .string(e.kind.rawValue), .int(Int64(e.peer?.number ?? -1)),
      .int(e.seq.map { Int64(truncatingIfNeeded: $0) } ?? -1), .int(Int64(truncatingIfNeeded: e.clock)),
      e.bytes.map { .bytes($0) } ?? .null, encode(e.detail), .bool(e.atReceiver),
    ])
  }

  static func decode(_ v: Value) -> NodeEvent? {
    guard let l = v.listValue, l.count == 8, case .bool(let atReceiver) = l[7], let time = l[0].intValue,
      let kindText = l[1].stringValue,
      let kind = TraceEvent.Kind(rawValue: kindText), let peer = l[2].intValue, let seq = l[3].intValue,
      let clock = l[4].intValue, let detail = decodeDetail(l[6])
    else { return nil }
    var bytes: [UInt8]?
    if case .bytes(let b) = l[5] { bytes = b }
    return NodeEvent(
      time: Nanoseconds(time), kind: kind, peer: peer < 0 ? nil : NodeID(Int(peer)),
      seq: seq < 0 ? nil : UInt64(seq), clock: UInt64(truncatingIfNeeded: clock), bytes: bytes, detail: detail,
      atReceiver: atReceiver)
  }

  static func encode(_ d: TraceDetail) -> Value {
    func tagged(_ tag: String, _ rest: Value...) -> Value { .list([.string(tag)] + rest) }
    switch d {
    case .none: return .null
    case .dropped(let r): return tagged("dropped", .string(LinkRules.reasons.first { $0.0 == r }?.1 ?? "unknown"))
    case .region(let s): return tagged("region", .string(s))
    case .incarnation(let n): return tagged("incarnation", .int(Int64(n)))
    case .exec(let m, let id): return tagged("exec", .string(m), .int(Int64(id)))
    case .dedupAnswered(let id): return tagged("dedupAnswered", .int(Int64(id)))
    case .dedupIgnored(let id): return tagged("dedupIgnored", .int(Int64(id)))
    case .retry(let id, let n): return tagged("retry", .int(Int64(id)), .int(Int64(n)))
    case .gaveUp(let id, let n): return tagged("gaveUp", .int(Int64(id)), .int(Int64(n)))
    case .undecodable(let e): return tagged("text", .string("undecodable: \(e)"))
    case .pastHorizon: return tagged("pastHorizon")
    case .text(let s): return tagged("text", .string(s))
    case .event(let topic, let values): return tagged("event", .string(topic), .list(values))
    }
  }

  static func decodeDetail(_ v: Value) -> TraceDetail? {
    if case .null = v { return TraceDetail.none }
    guard let l = v.listValue, let tag = l.first?.stringValue else { return nil }
    let a = Array(l.dropFirst())
    func int(_ i: Int) -> Int? { i < a.count ? a[i].intValue.map { Int($0) } : nil }
    func id(_ i: Int) -> UInt32? { int(i).flatMap { UInt32(exactly: $0) } }
    func text(_ i: Int) -> String? { i < a.count ? a[i].stringValue : nil }
    switch tag {
    case "dropped": return text(0).flatMap { t in LinkRules.reasons.first { $0.1 == t }.map { .dropped($0.0) } }
    case "region": return text(0).map { .region($0) }
    case "incarnation": return int(0).map { .incarnation($0) }
    case "exec": return text(0).flatMap { m in id(1).map { .exec(method: m, callID: $0) } }
    case "dedupAnswered": return id(0).map { .dedupAnswered(callID: $0) }
    case "dedupIgnored": return id(0).map { .dedupIgnored(callID: $0) }
    case "retry": return id(0).flatMap { c in int(1).map { .retry(callID: c, attempt: $0) } }
    case "gaveUp": return id(0).flatMap { c in int(1).map { .gaveUp(callID: c, attempts: $0) } }
    case "pastHorizon": return .pastHorizon
    case "text": return text(0).map { .text($0) }
    case "event":
      guard let topic = text(0), a.count > 1, let values = a[1].listValue else { return nil }
      return .event(topic: topic, values: values)
    default: return nil
    }
  }
}
