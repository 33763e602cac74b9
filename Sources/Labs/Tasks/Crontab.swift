import DistLab

/// Celery's `crontab` schedule: minute, hour, day_of_week (Sunday = 0), day_of_month and
/// month_of_year, each `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a list of
/// these; day and month names (`mon`, `jan`) are accepted. As in Celery, a time is due when
/// every field matches (day of week *and* day of month). Virtual time 0 is Thursday
/// 1 January 1970, 00:00 UTC.
public struct Crontab: Hashable, Sendable {
  public enum Field: String, CaseIterable, Sendable {
    case minute, hour
    case dayOfWeek = "day_of_week"
    case dayOfMonth = "day_of_month"
    case monthOfYear = "month_of_year"

    public var range: ClosedRange<Int> {
      switch self {
      case .minute: 0...59
      case .hour: 0...23
      case .dayOfWeek: 0...6
      case .dayOfMonth: 1...31
      case .monthOfYear: 1...12
      }
    }

    var names: [String] {
      switch self {
      case .dayOfWeek: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
      case .monthOfYear: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
      default: []
      }
    }
  }

  /// Why a crontab was refused.
  public enum Problem: Error, Equatable, Sendable {
    case unknownField(String)
    case badValue(field: Field, text: String)
    case outOfRange(field: Field, value: Int)
    case nothingMatches
  }

  /// The allowed values of each field.
  public private(set) var allowed: [Field: Set<Int>]
  /// The fields as written, for showing the schedule back.
  public private(set) var written: [Field: String]

  /// `minute=0,hour=*/3,day_of_week=mon-fri`: `field=pattern` pairs; a field left out is `*`.
  /// Patterns use `;` between list items here (`minute=0;30`), as `,` separates fields.
  public init(parsing text: String) throws(Problem) {
    allowed = [:]
    written = [:]
    for part in text.split(separator: ",") where !part.isEmpty {
      let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
      guard pair.count == 2, let field = Field(rawValue: pair[0]) else { throw .unknownField(String(part)) }
      allowed[field] = try Self.values(pair[1], field)
      written[field] = pair[1]
    }
    for f in Field.allCases where allowed[f] == nil { allowed[f] = Set(f.range) }
    guard next(after: .zero) != nil else { throw .nothingMatches }
  }

  static func values(_ pattern: String, _ field: Field) throws(Problem) -> Set<Int> {
    var out = Set<Int>()
    for item in pattern.split(separator: ";", omittingEmptySubsequences: false) {
      let stepParts = item.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
      var step = 1
      if stepParts.count == 2 {
        guard let s = Int(stepParts[1]), s >= 1 else { throw .badValue(field: field, text: String(item)) }
        step = s
      }
      let base = stepParts[0]
      var low = field.range.lowerBound
      var high = field.range.upperBound
      if base != "*" {
        let bounds = base.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let a = try number(bounds[0], field) else { throw .badValue(field: field, text: String(item)) }
        low = a
        high = a
        if bounds.count == 2 {
          guard let b = try number(bounds[1], field), b >= a else { throw .badValue(field: field, text: String(item)) }
          high = b
        } else if stepParts.count == 2 {
          high = field.range.upperBound
        }
      }
      for v in stride(from: low, through: high, by: step) { out.insert(v) }
    }
    return out
  }

  static func number(_ text: String, _ field: Field) throws(Problem) -> Int? {
    let v: Int
    if let n = Int(text) {
      v = field == .dayOfWeek && n == 7 ? 0 : n
    } else if let k = field.names.firstIndex(of: text.lowercased()) {
      v = field == .monthOfYear ? k + 1 : k
    } else {
      return nil
    }
    guard field.range.contains(v) else { throw .outOfRange(field: field, value: v) }
    return v
  }

  /// The first whole minute after `time` at which every field matches (nil when none within
  /// eight years, which only an impossible date such as 31 February gives).
  public func next(after time: Nanoseconds) -> Nanoseconds? {
    let minute: Int64 = 60_000_000_000
    var m = time.value / minute + 1
    let limit = m + 8 * 366 * 1440
    while m < limit {
      let date = CivilDate(minutes: m)
      if allowed[.monthOfYear]?.contains(date.month) == true, allowed[.dayOfMonth]?.contains(date.day) == true,
        allowed[.dayOfWeek]?.contains(date.weekday) == true
      {
        if allowed[.hour]?.contains(date.hour) == true, allowed[.minute]?.contains(date.minute) == true {
          return Nanoseconds(m * minute)
        }
        m += 1
      } else {
        m = (m / 1440 + 1) * 1440
      }
    }
    return nil
  }

  /// `crontab(minute=0, hour=*/3)`, the fields as written.
  public var description: String {
    let parts = Field.allCases.compactMap { f in written[f].map { "\(f.rawValue)=\($0)" } }
    return "crontab(" + parts.joined(separator: ", ") + ")"
  }
}

/// A minute of virtual time as a calendar date (virtual time 0 is 1970-01-01 00:00 UTC, a
/// Thursday).
struct CivilDate {
  var year: Int
  var month: Int
  var day: Int
  var hour: Int
  var minute: Int
  /// Sunday = 0.
  var weekday: Int

  init(minutes: Int64) {
    let days = Int(minutes / 1440)
    let inDay = Int(minutes % 1440)
    hour = inDay / 60
    minute = inDay % 60
    weekday = (days + 4) % 7
    // Howard Hinnant's days-from-civil, inverted.
    let z = days + 719_468
    let era = z / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    day = doy - (153 * mp + 2) / 5 + 1
    month = mp < 10 ? mp + 3 : mp - 9
    year = yoe + era * 400 + (month <= 2 ? 1 : 0)
  }
}
