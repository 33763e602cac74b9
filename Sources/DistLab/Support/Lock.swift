#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The project's one lock: a pthread mutex guarding a value.
///
/// `Synchronization.Mutex` draws false "access race" reports under ThreadSanitizer on this
/// toolchain, so shared mutable state lives behind this type instead.
public final class Locked<Value>: @unchecked Sendable {
  // @unchecked Sendable: `value` is only read or written inside `withLock`, which holds
  // `mutex` for the whole access, so no two threads ever touch it at once.
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private var value: Value

  public init(_ value: Value) {
    self.value = value
    mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    mutex.initialize(to: pthread_mutex_t())
    pthread_mutex_init(mutex, nil)
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  /// Runs `body` with exclusive access to the guarded value.
  @inline(__always)
  public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body(&value)
  }
}
