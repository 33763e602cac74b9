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
    refused(
      s, "service load --rate 10 --balancer fastest",
      "--balancer is one of round-robin, random, least-outstanding, not 'fastest'")
    refused(s, "service load --rate 10 --arrivals bursty", "--arrivals is one of poisson, fixed, not 'bursty'")
    refused(s, "service load --rate 100000 --for 1h", "at most 2,000,000 requests")
    refused(s, "expect sla.p99 < 1s", "there has been none")
  }

  func testANoisyNeighbourIsTamedByItsThrottle() {
    let s = ShellSession(config: WorldConfig())
    runOK(s, ["service start --servers 2 --service-time 5ms --gateway", "service tenant alice", "service tenant bob"])
    runOK(s, ["service load --mix alice:20,bob:370 --for 20s"])
    // Near saturation, everyone waits: alice's p99 suffers from bob's load.
    runOK(s, ["expect tenant.p99.alice > 50ms", "expect tenant.refused.bob == 0"])
    let out = runOK(s, ["service quota bob --rate 100 --burst 20"])
    XCTAssertEqual(out, "tenant bob: throttled to 100/s, bursts of 20; no quota")
    runOK(s, ["service load --mix alice:20,bob:370 --for 20s"])
    runOK(
      s, ["expect tenant.p99.alice < 30ms", "expect tenant.refused.bob > 5000", "expect tenant.refused.alice == 0"])
    runOK(s, ["expect usage.refused.bob > 5000", "expect sla.throttled > 5000", "expect sla.refused > 5000"])
  }

  func testTheAuditLogSaysWhoCalledWhatAndHowItEnded() {
    let s = ShellSession(config: WorldConfig())
    runOK(s, ["service start --gateway", "service tenant alice --methods read --token s3cret", "service tenant eve"])
    runOK(s, ["service load --tenant alice --method write --rate 5 --for 1s"])
    runOK(
      s,
      ["service load --tenant alice --token guess --rate 5 --for 1s", "service load --tenant alice --rate 5 --for 1s"])
    runOK(s, ["expect sla.availability == 100%", "expect usage.billed.alice >= 4", "expect usage.refused.alice >= 8"])
    let audit = runOK(s, ["service audit --refused --last 100"])
    XCTAssertTrue(audit.contains("403 forbidden"), audit)
    XCTAssertTrue(audit.contains("401 unauthenticated"), audit)
    XCTAssertFalse(audit.contains(" 200 ok"), audit)
    let usage = runOK(s, ["service usage"])
    XCTAssertTrue(usage.hasPrefix("what the gateway metered"), usage)
    XCTAssertFalse(usage.contains("eve"), "a tenant that sent nothing is not metered: \(usage)")
  }

  func testAReplicaAddedUnderLoadRestoresTheFigures() {
    let s = ShellSession(config: WorldConfig())
    runOK(s, ["service start --servers 2 --service-time 10ms", "service load --rate 180 --for 20s"])
    runOK(s, ["expect sla.p99 > 100ms"])
    runOK(s, ["service add", "service load --rate 180 --for 20s", "expect sla.p99 < 100ms"])
  }

  func testAClosedLoopCannotOverloadTheService() {
    let s = ShellSession(config: WorldConfig())
    runOK(s, ["service start --service-time 10ms", "service load --clients 50 --for 10s"])
    // 50 clients, one server at 100 a second: a long queue but never more than 100 a second.
    runOK(s, ["expect sla.throughput <= 101", "expect sla.availability == 100%", "expect sla.p50 > 300ms"])
  }

  func testBadTenancyInputIsRefused() {
    let s = ShellSession(config: WorldConfig())
    refused(s, "service tenant alice", "no service yet")
    runOK(s, ["service start"])
    refused(s, "service tenant alice", "tenants live at a gateway, and this service has none")
    refused(s, "service load --tenant alice --rate 5", "tenants need a gateway")
    let g = ShellSession(config: WorldConfig())
    runOK(g, ["service start --gateway", "service tenant alice"])
    refused(g, "service quota --rate 10", "a quota belongs to a tenant: 'service quota NAME --rate R'")
    refused(g, "service quota carol --rate 10", "no tenant 'carol': 'service tenant carol' adds one")
    refused(g, "service quota alice", "needs --rate R (a throttle), --limit N (a quota), or --off")
    refused(g, "service quota alice --burst 3", "--burst sizes the throttle's bucket: add --rate R")
    refused(g, "service quota alice --limit 5 --per 0s", "--per")
    refused(g, "service quota alice --off --rate 3", "--off removes the plan")
    refused(g, "service quota alice --rate 0", "--rate is requests a second")
    refused(g, "service tenant al/ice", "a tenant's name is up to 32 letters")
    refused(g, "service tenant bob --methods read,delete", "not 'delete'")
    refused(g, "service load --rate 5", "the gateway asks every request for a tenant")
    refused(g, "service load --mix alice", "--mix is TENANT:RATE")
    refused(g, "service load --mix alice:5,alice:6", "names 'alice' twice")
    refused(g, "service load --mix alice:5 --rate 3", "--mix and --rate do not go together")
    refused(g, "service load --clients 5 --rate 3 --tenant alice", "--clients and --rate do not go together")
    refused(g, "service load --think 1s --rate 3 --tenant alice", "--think is a closed-loop client's pause")
    refused(g, "service load --token x --rate 3", "--token is presented for a tenant")
    runOK(g, ["kill gw"])
    refused(g, "service usage", "gw did not answer")
    refused(g, "expect usage.billed.alice == 0", "the gateway did not answer")
  }
}
