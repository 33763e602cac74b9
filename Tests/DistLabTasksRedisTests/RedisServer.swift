import DistLabRedis
import XCTest

/// A private redis-server for one test, stopped when the test ends; the test is skipped, saying
/// why, where redis-server is not installed (the README's test command installs it).
func startRedis(for test: XCTestCase) throws -> LocalRedisServer {
  do {
    let server = try LocalRedisServer()
    test.addTeardownBlock { server.stop() }
    return server
  } catch {
    throw XCTSkip("\(error)")
  }
}
