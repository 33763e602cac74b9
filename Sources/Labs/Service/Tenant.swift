import DistLab

/// A tenant of the service as its gateway knows it: an identity with a credential (its token),
/// the methods it may call (its ACL), and its usage plan — a throttle (a token bucket of `rate`
/// a second holding up to `burst`) and a quota of `limit` requests a `period`, as an API
/// gateway's usage plan has.
public struct Tenant: Hashable, Sendable {
  public var name: String
  public var token: String
  public var methods: [String]
  public var rate: Double?
  public var burst: Int?
  public var limit: Int?
  public var period: Nanoseconds

  public init(
    name: String, token: String, methods: [String], rate: Double? = nil, burst: Int? = nil, limit: Int? = nil,
    period: Nanoseconds = .seconds(86_400)
  ) {
    self.name = name
    self.token = token
    self.methods = methods
    self.rate = rate
    self.burst = burst
    self.limit = limit
    self.period = period
  }

  /// The bucket's size: the burst, or one second's worth of the rate.
  public var bucket: Int? { rate.map { burst ?? max(1, Int($0.rounded(.up))) } }

  var value: Value {
    var m = [
      MapEntry(.string("name"), .string(name)), MapEntry(.string("token"), .string(token)),
      MapEntry(.string("methods"), .list(methods.map { .string($0) })), MapEntry(.string("period"), .int(period.value)),
    ]
    if let rate { m.append(MapEntry(.string("rate"), .double(rate))) }
    if let burst { m.append(MapEntry(.string("burst"), .int(Int64(burst)))) }
    if let limit { m.append(MapEntry(.string("limit"), .int(Int64(limit)))) }
    return .map(m)
  }

  init?(_ v: Value) {
    guard let name = v["name"]?.stringValue, let token = v["token"]?.stringValue,
      let methods = v["methods"]?.listValue, let period = v["period"]?.intValue, period > 0
    else { return nil }
    var rate: Double? = nil
    if case .double(let r)? = v["rate"] { rate = r }
    self.init(
      name: name, token: token, methods: methods.compactMap(\.stringValue), rate: rate,
      burst: v["burst"]?.intValue.map { Int($0) }, limit: v["limit"]?.intValue.map { Int($0) },
      period: Nanoseconds(period))
  }
}

/// The methods every server of the service serves; a tenant's ACL names some of them.
public enum ServiceAPI {
  public static let methods = ["read", "write", "admin"]
}

/// A token bucket: it fills at `rate` tokens a second up to `size`, and each request takes one;
/// an empty bucket throttles.
struct TokenBucket {
  var rate: Double
  var size: Int
  var tokens: Double
  var filled: Nanoseconds

  init(rate: Double, size: Int, now: Nanoseconds) {
    self.rate = rate
    self.size = size
    tokens = Double(size)
    filled = now
  }

  mutating func take(at now: Nanoseconds) -> Bool {
    tokens = min(Double(size), tokens + rate * (now - filled).seconds)
    filled = now
    guard tokens >= 1 else { return false }
    tokens -= 1
    return true
  }
}
