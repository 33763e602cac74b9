import Foundation

/// The signal a revoke with terminate names, read as Celery's `signals.signum` reads it: a name
/// in upper case with or without `SIG` (`TERM` is `SIGTERM`), or a number; Celery's worker
/// refuses a name in lower case or one Python's `signal` module does not have.
public enum CelerySignal {
  /// Every signal a name can give here, with this system's number for it.
  public static let all: [(name: String, number: Int32)] = [
    ("SIGHUP", SIGHUP), ("SIGINT", SIGINT), ("SIGQUIT", SIGQUIT), ("SIGILL", SIGILL), ("SIGTRAP", SIGTRAP),
    ("SIGABRT", SIGABRT), ("SIGBUS", SIGBUS), ("SIGFPE", SIGFPE), ("SIGKILL", SIGKILL), ("SIGUSR1", SIGUSR1),
    ("SIGSEGV", SIGSEGV), ("SIGUSR2", SIGUSR2), ("SIGPIPE", SIGPIPE), ("SIGALRM", SIGALRM), ("SIGTERM", SIGTERM),
    ("SIGCHLD", SIGCHLD), ("SIGCONT", SIGCONT), ("SIGSTOP", SIGSTOP), ("SIGTSTP", SIGTSTP), ("SIGTTIN", SIGTTIN),
    ("SIGTTOU", SIGTTOU), ("SIGURG", SIGURG), ("SIGXCPU", SIGXCPU), ("SIGXFSZ", SIGXFSZ), ("SIGVTALRM", SIGVTALRM),
    ("SIGPROF", SIGPROF), ("SIGWINCH", SIGWINCH), ("SIGIO", SIGIO), ("SIGSYS", SIGSYS),
  ]

  /// Celery's default for a terminate (billiard's `TERM_SIGNAME`).
  public static let defaultName = "SIGTERM"

  /// The signal `text` names, as Celery's worker reads it; nil when it names none.
  public static func signum(_ text: String) -> (name: String, number: Int32)? {
    if let n = Int32(text), n > 0 { return all.first { $0.number == n } ?? ("\(n)", n) }
    return all.first { $0.name == (text.hasPrefix("SIG") ? text : "SIG" + text) }
  }

  /// Why Celery's worker refuses `text`, as the exception its log shows after "pidbox command
  /// error: ".
  public static func refusal(_ text: String) -> String {
    guard text == text.uppercased() else { return "TypeError('signal name must be uppercase string.')" }
    return "AttributeError(\"module 'signal' has no attribute '\(text.hasPrefix("SIG") ? text : "SIG" + text)'\")"
  }
}
