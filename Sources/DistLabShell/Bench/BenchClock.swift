import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Wall-clock readings for the benchmarks: a monotonic clock in nanoseconds.
enum BenchClock {
  static func now() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
  }

  /// Seconds elapsed since `start` (a reading of `now()`).
  static func seconds(since start: Int64) -> Double { Double(now() - start) / 1e9 }

  static func sleep(seconds: Double) {
    Thread.sleep(forTimeInterval: seconds)
  }
}

/// The process's resident memory, read from `/proc/self/statm` (Linux only).
enum ProcessMemory {
  /// Resident set size in bytes, or nil where `/proc` is not available.
  static func residentBytes() -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
    let fields = text.split(separator: " ")
    guard fields.count >= 2, let pages = Int(fields[1]) else { return nil }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
  }
}
