import DistLabRedis
import Foundation
import XCTest

/// What the shell's tests against a real Redis share: a private `redis-server` stopped when the
/// test ends (the test is skipped where none can start), and waiting on the wall clock.
extension XCTestCase {
  func privateRedis() throws -> LocalRedisServer {
    do {
      let server = try LocalRedisServer()
      addTeardownBlock { server.stop() }
      return server
    } catch {
      throw XCTSkip("\(error)")
    }
  }

  /// Polls `done` every 20 ms for up to `seconds`.
  func poll(_ seconds: Double, until done: () throws -> Bool) rethrows {
    let deadline = Date().addingTimeInterval(seconds)
    while try !done() && Date() < deadline { usleep(20_000) }
  }
}
