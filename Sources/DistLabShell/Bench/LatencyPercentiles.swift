/// The 50th and 99th percentiles of timed samples, as every latency row reports them: the
/// sample at rank ⌈p·n⌉, in microseconds.
enum LatencyPercentiles {
  /// `nanos` in any order; zeros when there are none.
  static func of(_ nanos: [Int64]) -> (p50: Double, p99: Double) {
    let sorted = nanos.sorted()
    func percentile(_ p: Double) -> Double {
      guard !sorted.isEmpty else { return 0 }
      return Double(sorted[max(0, min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1))]) / 1e3
    }
    return (percentile(0.5), percentile(0.99))
  }
}
