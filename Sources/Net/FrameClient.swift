import DistLab
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A plain blocking TCP connection to a node process, for one caller at a time: a request
/// out, its answer back, read whole by the codec's length prefix. With a receive timeout, so
/// a node that went silent is a nil answer, not a hang. (The shell's bench measures a process
/// round trip with it; the event-loop side is `NodeServer`.)
public final class FrameClient {
  let fd: Int32
  var nextCall: UInt32 = 1

  /// Connects to `host:port` (IPv4); nil when nothing listens there.
  public init?(host: String = "127.0.0.1", port: Int, timeout: Nanoseconds = .seconds(2)) {
    fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    var t = timeval(tv_sec: Int(timeout.value / 1_000_000_000), tv_usec: Int(timeout.value / 1000 % 1_000_000))
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else {
      close(fd)
      return nil
    }
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

  /// Calls `method` (as call `id`, or the next one) and waits for its answer frame (a reply or
  /// an error); nil when the node closed the connection or did not answer in time.
  public func call(_ method: String, _ args: [Value], id: UInt32? = nil) -> Frame? {
    let callID = id ?? nextCall
    nextCall = callID &+ 1
    let bytes = FrameCodec.encode(Frame(kind: .request, callID: callID, method: method, args: args))
    guard send(bytes) else { return nil }
    return readFrame()
  }

  /// Sends bytes as they are (a frame, or anything at all); false when they did not all go.
  @discardableResult
  public func send(_ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
  }

  /// Whether the node closed this connection: a read finds the end of the stream.
  public var closedByNode: Bool {
    var b: UInt8 = 0
    return recv(fd, &b, 1, 0) == 0
  }

  /// How long a read looks for bytes without sleeping before it blocks: an answer over loopback
  /// usually comes sooner than the wake-up of a thread asleep in `recv` would.
  static let spinNanos: UInt64 = 150_000

  func read(_ n: Int) -> [UInt8]? {
    var out = [UInt8](repeating: 0, count: n)
    var got = 0
    let spinUntil = DispatchTime.now().uptimeNanoseconds + Self.spinNanos
    while got < n {
      let spinning = DispatchTime.now().uptimeNanoseconds < spinUntil
      let r = out.withUnsafeMutableBytes {
        recv(fd, $0.baseAddress! + got, n - got, spinning ? Int32(MSG_DONTWAIT) : 0)
      }
      if r < 0 && spinning && (errno == EAGAIN || errno == EWOULDBLOCK) { continue }
      if r <= 0 { return nil }
      got += r
    }
    return out
  }

  /// The next whole frame the node sends (out of its stamp, when the node stamps what it sends
  /// this connection); nil at the end of the stream or a timeout.
  public func readFrame() -> Frame? {
    guard let head = read(4) else { return nil }
    let length = head.reduce(0) { $0 << 8 | Int($1) }
    guard length <= FrameCodec.maxFrameLength, let body = read(length) else { return nil }
    let unit = head + body
    return try? FrameCodec.decode(Stamp.unwrap(unit)?.frame ?? unit)
  }
}
