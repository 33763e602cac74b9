import DistLab
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A plain blocking TCP peer for the tests: connects, sends bytes, reads whole frames, with a
/// receive timeout so a test cannot hang on a node that went quiet.
final class TestPeer {
  let fd: Int32

  init?(port: Int, host: String = "127.0.0.1") {
    fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    var timeout = timeval(tv_sec: 1, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    inet_pton(AF_INET, host, &addr.sin_addr)
    let ok = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
      }
    }
    guard ok else {
      close(fd)
      return nil
    }
  }

  deinit { close(fd) }

  func send(_ bytes: [UInt8]) {
    _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
  }

  func call(_ method: String, _ args: [Value], id: UInt32 = 1) -> Frame? {
    send(FrameCodec.encode(Frame(kind: .request, callID: id, method: method, args: args)))
    return readFrame()
  }

  /// Exactly `n` bytes, or nil at end of stream or timeout.
  func read(_ n: Int) -> [UInt8]? {
    var out = [UInt8](repeating: 0, count: n)
    var got = 0
    while got < n {
      let r = out.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, n - got, 0) }
      if r <= 0 { return nil }
      got += r
    }
    return out
  }

  func readFrame() -> Frame? {
    guard let head = read(4) else { return nil }
    let length = head.reduce(0) { $0 << 8 | Int($1) }
    guard let body = read(length) else { return nil }
    return try? FrameCodec.decode(head + body)
  }

  /// Whether the node closed this connection (a read finds the end of the stream).
  var closedByNode: Bool {
    var b: UInt8 = 0
    return recv(fd, &b, 1, 0) == 0
  }
}
