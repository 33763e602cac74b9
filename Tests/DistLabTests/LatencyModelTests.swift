import DistLab
import XCTest

/// Latency draws: never below the stated floor, spread as the model says, reproducible.
final class LatencyModelTests: XCTestCase {
  let ms = Nanoseconds.milliseconds

  func sample(_ model: LatencyModel, _ n: Int = 20_000, seed: UInt64 = 5) -> [Int64] {
    var rng = SeededRandom(seed: seed, stream: 1)
    return (0..<n).map { _ in model.draw(&rng).value }
  }

  func mean(_ xs: [Int64]) -> Double { Double(xs.reduce(0, +)) / Double(xs.count) }

  func stdDev(_ xs: [Int64]) -> Double {
    let m = mean(xs)
    return (xs.map { (Double($0) - m) * (Double($0) - m) }.reduce(0, +) / Double(xs.count)).squareRoot()
  }

  func testFixedIsFixed() {
    let model = LatencyModel.fixed(ms(7))
    XCTAssertEqual(Set(sample(model, 1000)), [ms(7).value])
    XCTAssertEqual(model.lowerBound, ms(7))
    XCTAssertEqual(model.mean, ms(7))
    XCTAssertEqual(LatencyModel.fixed(.zero).lowerBound, .zero)
  }

  func testTheDefaultIsOneMillisecondFixed() {
    XCTAssertEqual(LatencyModel.default, .fixed(ms(1)))
  }

  func testUniformStaysWithinMeanPlusOrMinusSpread() {
    let model = LatencyModel.uniform(mean: ms(10), spread: ms(4))
    let xs = sample(model)
    XCTAssertEqual(model.lowerBound, ms(6))
    XCTAssertGreaterThanOrEqual(xs.min()!, ms(6).value)
    XCTAssertLessThanOrEqual(xs.max()!, ms(14).value)
    // It really spreads: both ends of the range are visited.
    XCTAssertLessThan(xs.min()!, ms(6.1).value)
    XCTAssertGreaterThan(xs.max()!, ms(13.9).value)
    XCTAssertEqual(mean(xs), Double(ms(10).value), accuracy: Double(ms(0.2).value))
    // A uniform variable over a range of width w has standard deviation w/√12.
    XCTAssertEqual(stdDev(xs), Double(ms(8).value) / 12.0.squareRoot(), accuracy: Double(ms(0.2).value))
  }

  func testUniformWithASpreadWiderThanTheMeanNeverGoesNegative() {
    let model = LatencyModel.uniform(mean: ms(2), spread: ms(5))
    XCTAssertEqual(model.lowerBound, .zero)
    let xs = sample(model)
    XCTAssertGreaterThanOrEqual(xs.min()!, 0)
    XCTAssertLessThanOrEqual(xs.max()!, ms(7).value)
  }

  func testUniformWithoutSpreadIsTheMean() {
    XCTAssertEqual(Set(sample(.uniform(mean: ms(3), spread: .zero), 100)), [ms(3).value])
  }

  func testNormalHasItsMeanAndSpreadAndRespectsItsFloor() {
    let model = LatencyModel.normal(mean: ms(20), spread: ms(5))
    XCTAssertEqual(model.lowerBound, ms(5))
    let xs = sample(model)
    XCTAssertGreaterThanOrEqual(xs.min()!, model.lowerBound.value)
    XCTAssertEqual(mean(xs), Double(ms(20).value), accuracy: Double(ms(0.3).value))
    XCTAssertEqual(stdDev(xs), Double(ms(5).value), accuracy: Double(ms(0.3).value))
  }

  func testNormalWithALargeSpreadIsCutAtZero() {
    let model = LatencyModel.normal(mean: ms(2), spread: ms(5))
    XCTAssertEqual(model.lowerBound, .zero)
    XCTAssertGreaterThanOrEqual(sample(model).min()!, 0)
  }

  func testExponentialHasItsMeanAndALongTail() {
    let model = LatencyModel.exponential(mean: ms(10))
    XCTAssertEqual(model.lowerBound, .zero)
    XCTAssertEqual(model.mean, ms(10))
    let xs = sample(model).sorted()
    XCTAssertGreaterThanOrEqual(xs.first!, 0)
    XCTAssertEqual(mean(xs), Double(ms(10).value), accuracy: Double(ms(0.4).value))
    // The median of an exponential is mean · ln 2 ≈ 6.93 ms: most draws are fast…
    XCTAssertEqual(Double(xs[xs.count / 2]), Double(ms(10).value) * log(2), accuracy: Double(ms(0.4).value))
    // …and a few are very slow: P(X > 4·mean) = e^-4 ≈ 1.8%.
    let slow = xs.filter { $0 > ms(40).value }.count
    XCTAssertEqual(Double(slow) / Double(xs.count), exp(-4), accuracy: 0.005)
  }

  func testTheSameSeedGivesTheSameDraws() {
    let models: [LatencyModel] = [
      .fixed(ms(1)), .uniform(mean: ms(5), spread: ms(2)), .normal(mean: ms(5), spread: ms(2)),
      .exponential(mean: ms(5)),
    ]
    for model in models {
      XCTAssertEqual(sample(model, 500, seed: 11), sample(model, 500, seed: 11), "\(model)")
      if case .fixed = model { continue }
      XCTAssertNotEqual(sample(model, 500, seed: 11), sample(model, 500, seed: 12), "\(model)")
    }
  }

  func testDescriptions() {
    XCTAssertEqual(LatencyModel.fixed(ms(1)).description, "fixed 1ms")
    XCTAssertEqual(LatencyModel.uniform(mean: ms(10), spread: ms(4)).description, "uniform 10ms ±4ms")
    XCTAssertEqual(LatencyModel.normal(mean: ms(10), spread: ms(2)).description, "normal 10ms ±2ms")
    XCTAssertEqual(LatencyModel.exponential(mean: .seconds(1)).description, "exponential 1s")
  }
}
