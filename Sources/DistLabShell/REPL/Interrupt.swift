import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Set from the SIGINT handler, read by the command loop. A global `let` holding an `Atomic`
/// is allowed under strict concurrency, and atomic loads and stores are async-signal-safe.
private let interruptRequested = Atomic<Bool>(false)

/// Ctrl-C while a command runs.
///
/// `install()` replaces the default SIGINT action (which would end the process) with a handler
/// that only raises a flag; long-running commands poll `isRequested` and stop early, and the
/// shell calls `clear()` before it starts the next command.
///
/// At the prompt Ctrl-C never reaches this handler: `LineEditor` turns the terminal's signal
/// keys off while libedit edits a line and binds Ctrl-C to an editor command instead, so the
/// key works even when the signal would be delivered to some other thread. A SIGINT sent from
/// outside (`kill -INT`) while libedit reads goes first to libedit's own handler, which puts
/// the terminal back into normal mode and re-raises it to this one.
public enum Interrupt {
  /// Installs the SIGINT handler. Calling it again is harmless.
  public static func install() {
    // Touch the global before a signal handler can: its first access may run lazy
    // initialisation, which must not happen inside the handler.
    interruptRequested.store(false, ordering: .relaxed)
    // `signal` has BSD semantics on glibc and Darwin: the handler stays installed and
    // interrupted system calls are restarted, so blocking calls in commands are not disturbed.
    _ = signal(SIGINT, sigintHandler)
  }

  /// True once Ctrl-C was pressed since the last `clear()`.
  public static var isRequested: Bool {
    interruptRequested.load(ordering: .relaxed)
  }

  /// Forgets an earlier Ctrl-C; the shell calls this before it runs a command.
  public static func clear() {
    interruptRequested.store(false, ordering: .relaxed)
  }
}

/// The SIGINT handler. It captures nothing and does only an atomic store, which is safe in a
/// signal handler.
private let sigintHandler: @convention(c) (Int32) -> Void = { _ in
  interruptRequested.store(true, ordering: .relaxed)
}
