import DistLab
import XCTest

/// Durations and clock readings as the user types and reads them.
final class NanosecondsTests: XCTestCase {
  /// A clock reading rounds to the nearest millisecond: 9.681ms reads 0.010s, not 0.009s.
  func testClockReadingsRound() {
    XCTAssertEqual(Nanoseconds.milliseconds(9.681).clockReading, "0.010s")
    XCTAssertEqual(Nanoseconds.milliseconds(9.4).clockReading, "0.009s")
    XCTAssertEqual(Nanoseconds.milliseconds(9.5).clockReading, "0.010s")
    XCTAssertEqual(Nanoseconds.zero.clockReading, "0.000s")
    XCTAssertEqual(Nanoseconds.seconds(12.3456).clockReading, "12.346s")
  }

  func testConstructorsScaleToNanoseconds() {
    XCTAssertEqual(Nanoseconds.microseconds(3), Nanoseconds(3_000))
    XCTAssertEqual(Nanoseconds.milliseconds(250), Nanoseconds(250_000_000))
    XCTAssertEqual(Nanoseconds.seconds(1.5), Nanoseconds(1_500_000_000))
    XCTAssertEqual(Nanoseconds.seconds(2).value, 2_000_000_000)
    XCTAssertEqual(Nanoseconds.milliseconds(0.5), Nanoseconds.microseconds(500))
  }

  /// `1.001s` typed by a user must be exactly 1,001 ms, not one nanosecond less because the
  /// binary double 1.001 lies just below it.
  func testDecimalDurationsAreExact() {
    var wrong: [String] = []
    for k in 1...2000 {
      let x = Double(k) / 1000
      let s = Nanoseconds.seconds(x)
      if s != Nanoseconds(Int64(k) * 1_000_000) { wrong.append("seconds(\(x)) = \(s.value)ns") }
      let m = Nanoseconds.milliseconds(x)
      if m != Nanoseconds(Int64(k) * 1_000) { wrong.append("milliseconds(\(x)) = \(m.value)ns") }
      let u = Nanoseconds.microseconds(x)
      if u != Nanoseconds(Int64(k)) { wrong.append("microseconds(\(x)) = \(u.value)ns") }
    }
    XCTAssertEqual(wrong, [], "\(wrong.count) durations are off by truncation, e.g. \(wrong.prefix(3))")
  }

  func testArithmeticAndOrder() {
    let a = Nanoseconds.milliseconds(3)
    let b = Nanoseconds.milliseconds(5)
    XCTAssertEqual(a + b, .milliseconds(8))
    XCTAssertEqual(b - a, .milliseconds(2))
    XCTAssertEqual(a - b, .milliseconds(-2))
    XCTAssertLessThan(a, b)
    var c = a
    c += b
    XCTAssertEqual(c, .milliseconds(8))
    XCTAssertEqual(Nanoseconds.seconds(1.5).seconds, 1.5)
    XCTAssertEqual(Nanoseconds.seconds(1.5).milliseconds, 1500)
  }

  func testDescriptionUsesTheLargestExactUnit() {
    XCTAssertEqual(Nanoseconds.zero.description, "0s")
    XCTAssertEqual(Nanoseconds(999).description, "999ns")
    XCTAssertEqual(Nanoseconds(1_000).description, "1µs")
    XCTAssertEqual(Nanoseconds.milliseconds(250).description, "250ms")
    XCTAssertEqual(Nanoseconds.seconds(2).description, "2s")
    XCTAssertEqual(Nanoseconds.seconds(120).description, "2m")
    // Not whole minutes: the next unit down that divides, or seconds with decimals.
    XCTAssertEqual(Nanoseconds.seconds(90).description, "90s")
    XCTAssertEqual(Nanoseconds.milliseconds(-250).description, "-250ms")
  }

  func testDescriptionRoundsToThreeDecimals() {
    XCTAssertEqual(Nanoseconds(1_500_000_000).description, "1.5s")
    XCTAssertEqual(Nanoseconds(12_300).description, "12.3µs")
    XCTAssertEqual(Nanoseconds(1_500).description, "1.5µs")
    XCTAssertEqual(Nanoseconds(1_000_500_000).description, "1.001s", "half a millisecond rounds up")
    XCTAssertEqual(Nanoseconds(1_000_400_000).description, "1s")
    XCTAssertEqual(Nanoseconds(1_999_600_000).description, "2s", "rounding carries into the whole part")
    XCTAssertEqual(Nanoseconds(1_050_000).description, "1.05ms")
    XCTAssertEqual(Nanoseconds(Int64.min).description.first, "-")
  }

  func testClockReadingHasMillisecondPrecision() {
    XCTAssertEqual(Nanoseconds.zero.clockReading, "0.000s")
    XCTAssertEqual(Nanoseconds.milliseconds(5).clockReading, "0.005s")
    XCTAssertEqual(Nanoseconds.milliseconds(12_345).clockReading, "12.345s")
    XCTAssertEqual(Nanoseconds(1_999_999).clockReading, "0.002s", "readings round to the nearest millisecond")
    XCTAssertEqual(Nanoseconds.seconds(100).clockReading, "100.000s")
  }
}
