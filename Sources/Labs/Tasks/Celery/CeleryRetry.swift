/// Celery's retry policy for a task declared with `autoretry_for`, in the parts a worker needs
/// to retry as Celery's does: how long a retry waits (`default_retry_delay`, or with
/// `retry_backoff` and `retry_jitter` `get_exponential_backoff_interval`) and how the wait is
/// said (`celery.exceptions.Retry`'s text).
public enum CeleryRetry {
  /// The task option `max_retries`: retries after the first run, then the failure stands.
  public static let defaultMaxRetries = 3
  /// The task option `default_retry_delay`: three minutes.
  public static let defaultDelay = 180.0
  /// The task option `retry_backoff_max`: the longest backoff, ten minutes.
  public static let backoffMax = 600

  /// Seconds before retry number `retries + 1`: `delay`, or with backoff a whole number of
  /// seconds drawn from 0 up to 2^`retries` (at most `backoffMax`) — full jitter, as Celery's
  /// `random.randrange(countdown + 1)`; `draw` in 0..<1 picks it.
  public static func countdown(retries: Int, delay: Double, backoff: Bool, draw: Double) -> Double {
    guard backoff else { return delay }
    let cap = min(backoffMax, 1 << min(retries, 30))
    return Double(min(cap, Int(draw * Double(cap + 1))))
  }

  /// Seconds as Python prints the number Celery was given: `180` for a whole number (Celery's
  /// default delay and every backoff are integers), `0.2` otherwise.
  public static func seconds(_ s: Double) -> String {
    s == s.rounded() && abs(s) < 1e15 ? String(Int64(s)) : "\(s)"
  }

  /// `Retry in 0.2s: ConnectionError('flaky failed')`, as the worker's log and the RETRY
  /// traceback say it.
  public static func text(countdown: String, type: String, message: String) -> String {
    "Retry in \(countdown)s: " + CeleryResult.repr(type: type, message: message)
  }
}
