import DistLabNet
import XCTest

/// `--listen` takes the forms a person types: HOST:PORT, [IPV6]:PORT, :PORT; anything else is
/// refused before a socket is made.
final class NodeAddressTests: XCTestCase {
  func testAddressesAreReadOrRefused() {
    XCTAssertEqual(NodeProcess.address("127.0.0.1:7001").map { "\($0.host) \($0.port)" }, "127.0.0.1 7001")
    XCTAssertEqual(NodeProcess.address(":0").map { "\($0.host) \($0.port)" }, "0.0.0.0 0")
    XCTAssertEqual(NodeProcess.address("[::1]:9000").map { "\($0.host) \($0.port)" }, "::1 9000")
    XCTAssertEqual(NodeProcess.address("localhost:65535").map { "\($0.host) \($0.port)" }, "localhost 65535")
    for bad in [
      "nonsense", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "::1:80", "[::1]80", "a b:80",
    ] {
      XCTAssertNil(NodeProcess.address(bad), bad)
    }
  }
}
