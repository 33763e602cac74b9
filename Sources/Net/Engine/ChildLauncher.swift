import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Starts `distlab node` as a child process of the shell and reads the address it listens on.
/// The child's standard error goes to a log file beside its disk (a node reports a misbehaving
/// peer there, and a refusal to start); `--exit-with-parent` ends it with the shell, however
/// the shell ends.
struct ChildLauncher: Sendable {
  /// The `distlab` executable to run.
  let executable: String
  /// How long a child may take to print its listening line.
  static let patience: Int64 = 10_000_000_000

  /// A running child: its process id and the port it listens on.
  struct Child: Sendable {
    var pid: pid_t
    var port: Int
  }

  /// Starts node `name` running `role` on `127.0.0.1:port` (0 for any free port) with its disk
  /// in `folder`; answers the child, or why it did not start, in a line.
  func launch(name: String, role: String, port: Int, folder: String) -> Result<Child, LaunchFailure> {
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let logPath = folder + "/log"
    var pipeFDs: [Int32] = [0, 0]
    guard pipe(&pipeFDs) == 0 else { return .failure(.system("no pipe: \(String(cString: strerror(errno)))")) }
    // Neither end leaks into other children (the write end reaches this one as its stdout).
    for fd in pipeFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    let logFD = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    defer {
      if logFD >= 0 { close(logFD) }
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
    if logFD >= 0 { posix_spawn_file_actions_adddup2(&actions, logFD, 2) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    let args = [
      executable, "node", "--listen", "127.0.0.1:\(port)", "--role", role, "--name", name, "--disk", folder + "/disk",
      "--exit-with-parent",
    ]
    var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, executable, &actions, nil, &argv, environ)
    close(pipeFDs[1])
    guard rc == 0 else {
      close(pipeFDs[0])
      return .failure(.system("cannot run \(executable): \(String(cString: strerror(rc)))"))
    }
    let line = Self.readLine(pipeFDs[0], within: Self.patience)
    close(pipeFDs[0])
    guard let line, let listening = line.range(of: " listening on ") else {
      Self.stop(pid)
      let said = (try? String(contentsOfFile: logPath, encoding: .utf8))?.split(separator: "\n").last.map(String.init)
      return .failure(.refused(said ?? (line == nil ? "it did not start within 10 s" : "it said '\(line!)'")))
    }
    let address = line[listening.upperBound...]
    guard let colon = address.lastIndex(of: ":"), let bound = Int(address[address.index(after: colon)...]) else {
      Self.stop(pid)
      return .failure(.refused("it said '\(line)'"))
    }
    return .success(Child(pid: pid, port: bound))
  }

  /// Why a child did not start.
  enum LaunchFailure: Error, Sendable {
    /// The system refused (no pipe, no such executable).
    case system(String)
    /// The child ran and refused (a port in use), in its own words.
    case refused(String)

    var line: String {
      switch self {
      case .system(let s), .refused(let s): s
      }
    }
  }

  /// SIGKILL, then reaps it: what a crash is.
  static func stop(_ pid: pid_t) {
    kill(pid, SIGKILL)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
  }

  /// The first line written to `fd`, or nil at its end or after `nanos`.
  static func readLine(_ fd: Int32, within nanos: Int64) -> String? {
    let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(nanos)
    var bytes: [UInt8] = []
    while true {
      let now = DispatchTime.now().uptimeNanoseconds
      guard now < deadline else { return nil }
      var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      let ready = poll(&p, 1, Int32(min(1000, (deadline - now) / 1_000_000 + 1)))
      if ready < 0 && errno == EINTR { continue }
      guard ready > 0 else { continue }
      var b: UInt8 = 0
      let n = read(fd, &b, 1)
      if n <= 0 { return nil }
      if b == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
      bytes.append(b)
    }
  }
}
