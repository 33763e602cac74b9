import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A private `redis-server` on a free loopback port, saving nothing, for the tests and the
/// bench: started here, stopped (and its folder removed) by `stop`. Debian's redis-server, which
/// the README's test command installs.
public final class LocalRedisServer: @unchecked Sendable {
  // @unchecked Sendable: `process` is replaced only by `restart`, and a server is started,
  // stopped and restarted by one thread (a test's, the bench's); `stop` may run twice (a test's
  // teardown after the test stopped it), and Process tolerates that.
  var process = Process()
  public let port: Int
  let folder: URL

  public enum Failure: Error, CustomStringConvertible {
    case notInstalled
    case didNotStart(port: Int)
    public var description: String {
      switch self {
      case .notInstalled: "redis-server is not installed (scripts/deps.sh installs it)"
      case .didNotStart(let port): "redis-server did not start on port \(port)"
      }
    }
  }

  public static var executable: String? {
    ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  public init() throws(Failure) {
    guard let exe = Self.executable else { throw .notInstalled }
    port = Self.freePort()
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("redis-\(getpid())-\(port)")
    try start(exe)
  }

  /// Starts the server again on the same port, empty, after `stop` (Redis coming back).
  public func restart() throws(Failure) {
    guard let exe = Self.executable else { throw .notInstalled }
    stop()
    process = Process()
    try start(exe)
  }

  func start(_ exe: String) throws(Failure) {
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    process.executableURL = URL(fileURLWithPath: exe)
    process.arguments = [
      "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder.path,
      "--daemonize", "no",
    ]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { throw .didNotStart(port: port) }
    let deadline = Date().addingTimeInterval(10)
    while !Self.answers(port) {
      guard Date() < deadline, process.isRunning else {
        stop()
        throw .didNotStart(port: port)
      }
      usleep(20_000)
    }
  }

  deinit { stop() }

  public func stop() {
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
    }
    try? FileManager.default.removeItem(at: folder)
  }

  /// Whether something accepts connections on the port.
  static func answers(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    } == 0
  }

  /// A port nothing listens on now (the kernel's pick for a socket bound to port 0).
  static func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
  }
}
