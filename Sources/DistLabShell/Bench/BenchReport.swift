/// What `distlab bench` measured: one figure per line, each with the target it is held to.
struct BenchReport: Codable, Sendable {
  /// Processors online while the figures were taken.
  var cores: Int
  /// Whether the runs were shortened (`--quick`).
  var quick: Bool
  var figures: [BenchFigure] = []

  /// Targets met and targets measured; a figure that could not be taken counts as missed.
  var targetsMet: Int { figures.filter { $0.met == true }.count }
  var targetsTotal: Int { figures.filter { $0.target != nil }.count }

  enum CodingKeys: String, CodingKey {
    case cores, quick, figures, targetsMet, targetsTotal
  }

  init(cores: Int, quick: Bool) {
    self.cores = cores
    self.quick = quick
  }

  init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    cores = try c.decode(Int.self, forKey: .cores)
    quick = try c.decode(Bool.self, forKey: .quick)
    figures = try c.decode([BenchFigure].self, forKey: .figures)
  }

  func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(cores, forKey: .cores)
    try c.encode(quick, forKey: .quick)
    try c.encode(figures, forKey: .figures)
    try c.encode(targetsMet, forKey: .targetsMet)
    try c.encode(targetsTotal, forKey: .targetsTotal)
  }
}

/// One measured figure.
struct BenchFigure: Codable, Sendable {
  /// A stable name for scripts: `sim.messagesPerSecond`.
  var id: String
  /// What a person reads: `sim, 100 nodes`.
  var label: String
  /// The figure, or nil when it could not be measured (see `note`).
  var value: Double?
  var unit: String
  var target: BenchTarget?
  /// Whether the target was met; nil when there is no target.
  var met: Bool?
  /// How the figure was taken, or why it is missing.
  var note: String?

  init(id: String, label: String, value: Double?, unit: String, target: BenchTarget? = nil, note: String? = nil) {
    self.id = id
    self.label = label
    self.value = value.flatMap { $0.isFinite ? $0 : nil }
    self.unit = unit
    self.target = target
    self.note = note
    if let target { met = self.value.map(target.isMet) ?? false }
  }
}

/// A bound a figure must stay on the right side of.
struct BenchTarget: Codable, Sendable, Equatable {
  enum Comparison: String, Codable, Sendable {
    case atLeast, atMost
  }
  var comparison: Comparison
  var limit: Double

  static func atLeast(_ limit: Double) -> BenchTarget { BenchTarget(comparison: .atLeast, limit: limit) }
  static func atMost(_ limit: Double) -> BenchTarget { BenchTarget(comparison: .atMost, limit: limit) }

  func isMet(_ value: Double) -> Bool {
    switch comparison {
    case .atLeast: value >= limit
    case .atMost: value <= limit
    }
  }
}
