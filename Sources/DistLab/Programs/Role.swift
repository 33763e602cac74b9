/// A kind of node: the program it runs, made of services, and what those services declare.
/// `spawn 3 --role NAME` runs the role's program; a node spawned without one runs the
/// standard role. A role is one value, added to a catalogue in one place.
public struct Role: Sendable {
  public let name: String
  public let summary: String
  /// Every method the role serves, from its services' declarations.
  public let methods: [MethodSpec]
  /// The names of the numbers its nodes report, in order (`received`, `executed`, `keys`).
  public let metrics: [String]
  /// Whether a service acts at start (a `StartingService`): the world starts such programs
  /// at spawn and restart.
  public let startsItself: Bool
  let make: @Sendable () -> NodeProgram

  /// A fresh program of this role: one incarnation, as a node process runs it.
  public func makeProgram() -> NodeProgram { make() }

  /// A role whose program is made of the services `services` makes (one fresh set per
  /// incarnation). The declarations are read once from a first set.
  public init(_ name: String, summary: String, services: @escaping @Sendable () -> [any Service]) {
    self.name = name
    self.summary = summary
    let sample = services()
    methods = sample.flatMap(\.declaredMethods)
    metrics = ServiceProgram(sample).summary().metrics.map(\.0)
    startsItself = sample.contains { $0 is any StartingService }
    make = { ServiceProgram(services()) }
  }

  /// A role running a hand-written program (benchmarks, tests), serving no declared methods.
  public init(_ name: String, summary: String, program: @escaping @Sendable () -> NodeProgram) {
    self.name = name
    self.summary = summary
    methods = []
    metrics = program().summary().metrics.map(\.0)
    startsItself = false
    make = program
  }
}

/// The roles a world can spawn, the first being what a node without a role runs.
public struct RoleCatalog: Sendable {
  public private(set) var roles: [Role]

  public init(_ roles: [Role]) { self.roles = roles }

  /// The standard role alone.
  public static let standard = RoleCatalog([StandardNode.role])

  /// The same catalogue with `role` added (or replacing one of the same name).
  public func adding(_ role: Role) -> RoleCatalog {
    var copy = self
    copy.roles.removeAll { $0.name == role.name }
    copy.roles.append(role)
    return copy
  }

  public var defaultRole: Role { roles[0] }
  public func role(named name: String) -> Role? { roles.first { $0.name == name } }
  public var names: [String] { roles.map(\.name) }

  /// Every method any role serves, each name once, in catalogue order.
  public var allMethods: [MethodSpec] {
    var seen = Set<String>()
    return roles.flatMap(\.methods).filter { seen.insert($0.name).inserted }
  }

  /// Every metric any role reports, each name once.
  public var allMetrics: [String] {
    var seen = Set<String>()
    return roles.flatMap(\.metrics).filter { seen.insert($0).inserted }
  }
}
