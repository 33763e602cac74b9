import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// A private `redis-server` for a test: on a free loopback port, saving nothing, stopped (and
/// its folder removed) when the test ends. The README's test command installs Debian's
/// redis-server first; without it these tests cannot run and say so.
final class RedisServer {
  let process = Process()
  let port: Int
  let folder: URL

  static var executable: String? {
    ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  init(_ test: XCTestCase) throws {
    guard let exe = Self.executable else {
      throw XCTSkip("redis-server is not installed (scripts/deps.sh installs it)")
    }
    port = try Self.freePort()
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("redis-\(getpid())-\(port)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    process.executableURL = URL(fileURLWithPath: exe)
    process.arguments = [
      "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder.path,
      "--daemonize", "no",
    ]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(10)
    while !Self.answers(port) {
      guard Date() < deadline, process.isRunning else { throw XCTSkip("redis-server did not start on \(port)") }
      usleep(20_000)
    }
    test.addTeardownBlock { [self] in stop() }
  }

  func stop() {
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

  static func freePort() throws -> Int {
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
