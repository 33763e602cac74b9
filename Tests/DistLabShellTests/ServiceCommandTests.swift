import DistLab
import XCTest

@testable import DistLabShell

/// The service lab's commands: SLA figures a student can expect on, and bad input refused with
/// one line.
final class ServiceCommandTests: XCTestCase {
  func testALoadReportsFiguresAnExpectationReads() {
    let s = ShellSession(config: WorldConfig())
    runOK(s, ["service start --servers 2 --service-time 5ms", "service load --rate 100 --for 10s"])
    runOK(s, ["expect sla.availability >= 99.9%", "expect sla.p50 < 50ms", "expect sla.throughput > 90"])
    XCTAssertEqual(s.run("expect sla.p99 < 1ms").status, .expectationFailed)
  }

  func testAKilledServerShowsInTheFiguresAndABalancerThatAvoidsItHelps() {
    let s = ShellSession(config: WorldConfig())
    runOK(s, ["service start --servers 2 --service-time 5ms", "kill srv2"])
    runOK(s, ["service load --rate 50 --for 10s --deadline 200ms"])
    runOK(s, ["expect sla.availability < 60%", "expect sla.timeouts > 200"])
    runOK(s, ["service load --rate 50 --for 10s --deadline 200ms --balancer least-outstanding"])
    runOK(s, ["expect sla.availability > 85%"])
  }

  func testBadServiceInputIsRefused() {
    let s = ShellSession(config: WorldConfig())
    refused(s, "service load --rate 10", "no service yet")
    refused(s, "service start --service-time 0ms", "--service-time is between 1µs and 60s")
    runOK(s, ["service start"])
    refused(s, "service load", "needs --rate")
    refused(s, "service load --rate -5", "--rate is requests a second")
    refused(s, "service load --rate 10 --balancer fastest", "--balancer is round-robin, random or least-outstanding")
    refused(s, "service load --rate 10 --arrivals bursty", "--arrivals is poisson or fixed")
    refused(s, "service load --rate 100000 --for 1h", "at most 2,000,000 requests")
    refused(s, "expect sla.p99 < 1s", "there has been none")
  }
}
