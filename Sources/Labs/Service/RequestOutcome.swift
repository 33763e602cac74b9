/// How one request of a load ended, as its client saw it. A gateway's refusals carry the HTTP
/// status a real API gateway answers with.
public enum RequestOutcome: Int, Sendable, CaseIterable, Hashable {
  case ok
  /// The server answered with an error.
  case error
  /// No answer within the client's deadline.
  case timeout
  /// 401: the tenant is unknown or the token is not its token.
  case unauthenticated
  /// 403: the tenant may not call this method.
  case forbidden
  /// 429: the tenant's token bucket was empty.
  case throttled
  /// 429: the tenant has used its quota for the period.
  case overQuota
  /// 504: the gateway's own call to a server timed out.
  case unavailable

  /// The word a gateway answers with, and a generator reads back.
  public var wire: String {
    switch self {
    case .ok: "ok"
    case .error: "error"
    case .timeout: "timeout"
    case .unauthenticated: "unauthenticated"
    case .forbidden: "forbidden"
    case .throttled: "throttled"
    case .overQuota: "over-quota"
    case .unavailable: "unavailable"
    }
  }

  public init?(wire: String) {
    guard let found = Self.allCases.first(where: { $0.wire == wire }) else { return nil }
    self = found
  }

  /// The HTTP status an API gateway would answer with (none for a request that never came back).
  public var status: Int? {
    switch self {
    case .ok: 200
    case .error: 500
    case .timeout: nil
    case .unauthenticated: 401
    case .forbidden: 403
    case .throttled, .overQuota: 429
    case .unavailable: 504
    }
  }

  /// Whether a gateway turned the request away before any server saw it.
  public var isRefusal: Bool { [.unauthenticated, .forbidden, .throttled, .overQuota].contains(self) }
}
