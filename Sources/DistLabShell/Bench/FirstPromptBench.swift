import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Time from starting the `distlab` executable on a pseudo-terminal until its prompt appears.
enum FirstPromptBench {
  enum Failure: Error, CustomStringConvertible {
    case noExecutable
    case noTerminal
    case spawnFailed(Int32)
    case noPrompt(String)
    var description: String {
      switch self {
      case .noExecutable: "cannot find the distlab executable (/proc/self/exe)"
      case .noTerminal: "openpty failed"
      case .spawnFailed(let e): "posix_spawn failed: \(String(cString: strerror(e)))"
      case .noPrompt(let seen): "no prompt within 5 s; saw \(seen.debugDescription)"
      }
    }
  }

  /// The best of `attempts` starts, in milliseconds.
  static func run(attempts: Int) -> Result<Double, Failure> {
    guard let exe = executablePath() else { return .failure(.noExecutable) }
    let home = FileManager.default.temporaryDirectory.appendingPathComponent("distlab-bench-\(getpid())").path
    try? FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: home) }
    var best: Double?
    for _ in 0..<attempts {
      switch once(exe, home: home) {
      case .success(let ms): best = min(best ?? ms, ms)
      case .failure(let f): return .failure(f)
      }
    }
    return best.map { .success($0) } ?? .failure(.noPrompt(""))
  }

  /// This process's own executable: `distlab` when run as `distlab bench`.
  static func executablePath() -> String? {
    guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
    return path.hasSuffix("distlab") ? path : nil
  }

  static func once(_ exe: String, home: String) -> Result<Double, Failure> {
    var master: Int32 = -1
    var slave: Int32 = -1
    guard openpty(&master, &slave, nil, nil, nil) == 0 else { return .failure(.noTerminal) }
    defer { close(master) }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for fd: Int32 in 0...2 { posix_spawn_file_actions_adddup2(&actions, slave, fd) }
    posix_spawn_file_actions_addclose(&actions, slave)
    posix_spawn_file_actions_addclose(&actions, master)
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    // POSIX_SPAWN_SETSID (glibc, _GNU_SOURCE only, so not imported): the child leads its own
    // session, as a shell started by a terminal would.
    posix_spawnattr_setflags(&attr, 0x80)

    var env = ProcessInfo.processInfo.environment
    env["HOME"] = home
    env["DISTLAB_HISTORY"] = ""
    if (env["TERM"] ?? "").isEmpty || env["TERM"] == "dumb" { env["TERM"] = "xterm-256color" }
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup(exe), nil]
    let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for p in argv { free(p) }
      for p in envp { free(p) }
    }

    var pid: pid_t = 0
    let start = BenchClock.now()
    let rc = posix_spawn(&pid, exe, &actions, &attr, argv, envp)
    close(slave)
    guard rc == 0 else { return .failure(.spawnFailed(rc)) }
    defer { finish(pid, master: master) }

    let prompt = Array("distlab>".utf8)
    var seen: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while BenchClock.now() - start < 5_000_000_000 {
      var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
      guard poll(&pfd, 1, 50) > 0 else { continue }
      let n = read(master, &buffer, buffer.count)
      if n <= 0 { break }
      seen.append(contentsOf: buffer[0..<n])
      if contains(seen, prompt) { return .success(Double(BenchClock.now() - start) / 1e6) }
    }
    return .failure(.noPrompt(String(decoding: seen.suffix(200), as: UTF8.self)))
  }

  /// Sends Ctrl-D, reads what is left and reaps the child; kills it if it lingers.
  static func finish(_ pid: pid_t, master: Int32) {
    var eot: UInt8 = 4
    _ = write(master, &eot, 1)
    var buffer = [UInt8](repeating: 0, count: 4096)
    let start = BenchClock.now()
    var status: Int32 = 0
    while BenchClock.now() - start < 2_000_000_000 {
      if waitpid(pid, &status, WNOHANG) == pid { return }
      var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
      if poll(&pfd, 1, 10) > 0 && read(master, &buffer, buffer.count) <= 0 {
        usleep(1000)
      }
    }
    kill(pid, SIGKILL)
    _ = waitpid(pid, &status, 0)
  }

  static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard haystack.count >= needle.count else { return false }
    for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
      if Array(haystack[i..<(i + needle.count)]) == needle { return true }
    }
    return false
  }
}
