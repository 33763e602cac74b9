import DistLab

/// The one catalogue of the words the shell shows for the world's typed values: refusals,
/// drop reasons and trace details. A second language would be a second catalogue.
enum Messages {
  static func text(_ e: WorldError) -> String {
    switch e {
    case .noNode(let id): return "no node \(id)"
    case .capOutOfRange(let r): return "the node cap is between \(r.lowerBound) and \(r.upperBound)"
    case .capBelowExisting(let n): return "there are already \(n) nodes; the cap cannot go below that"
    case .spawnNothing: return "spawn needs at least one node"
    case .overCap(let n, let total, let cap):
      return "spawning \(n) would make \(total) nodes, over the cap of \(cap) (raise it with 'set max-nodes N')"
    case .badNodeName(let name):
      return "'\(name)' is not a usable node name (letters, digits, - and _, starting with a letter)"
    case .nameTaken(let name): return "a node named '\(name)' already exists"
    case .unknownRole(let name, let known): return "unknown role '\(name)' (roles: \(known.joined(separator: ", ")))"
    case .unknownRegion(let name, let known):
      return "unknown region '\(name)'" + (known.isEmpty ? "" : " (regions: \(known.joined(separator: ", ")))")
    case .threadRefused(let node, let spawned, let of):
      return "the system refused to start a thread for node \(node); \(spawned) of \(of) were spawned"
    case .processRefused(let name, let reason): return "\(name): \(reason)"
    case .connectNeedsProcessMode: return "connect joins a node process; switch with 'mode process' first"
    case .noProcessEngine: return "process mode is not available in this world"
    case .alreadyDown(let name): return "\(name) is already down"
    case .cannotPause(let name, let status): return "\(name) is \(status.rawValue); only an up node can be paused"
    case .notPaused(let name, let status): return "\(name) is \(status.rawValue), not paused"
    case .silentSender(let name, let status):
      return "\(name) is \(status.rawValue): a \(status == .down ? "dead" : "paused") node sends nothing"
    case .traceLimitOutOfRange(let r): return "the trace keeps between \(r.lowerBound) and \(r.upperBound) events"
    case .latencyOutOfRange: return "latency must be between 0 and 1h"
    case .spreadOutOfRange: return "the spread must be between 0 and 1h"
    case .badProbability(let what):
      let subject =
        switch what {
        case .loss: "loss"
        case .duplication: "duplication"
        case .chance: "the chance"
        }
      return "\(subject) is a probability between 0 and 1 (or 0% and 100%)"
    case .linkToItself: return "a link joins two different nodes"
    case .partitionTooFewGroups: return "a partition needs at least two groups, separated by '|'"
    case .partitionEmptyGroup: return "a partition group cannot be empty"
    case .inTwoGroups(let name): return "\(name) is in two groups"
    case .badRegionName(let name): return "'\(name)' is not a usable region name"
    case .badCoordinates: return "latitude is -90…90 and longitude -180…180"
    case .distanceToItself: return "a distance joins two different regions"
    case .distanceOutOfRange: return "a distance on Earth is between 0 and 40,075 km"
    case .nothingToSend: return "send needs at least one message"
    case .callNotMade: return "the call was not made"
    case .timeoutNotPositive: return "the timeout must be longer than zero"
    case .retriesOutOfRange(let r): return "retries must be between \(r.lowerBound) and \(r.upperBound)"
    case .badMethodName: return "a method name has 1 to 255 bytes"
    case .tooManyArguments(let limit): return "a call carries at most \(limit) arguments"
    case .timeBackwards: return "time only moves forward"
    case .pastHorizon: return "that would take the clock past the world's horizon, \(horizon)"
    }
  }

  /// The world's horizon in words, as every refusal that meets it says it.
  static let horizon = "100 years (876000h)"

  static func text(_ r: DropReason) -> String {
    switch r {
    case .loss: "loss"
    case .partition: "partition"
    case .cut: "cut"
    case .nodeDown: "node down"
    case .noSuchNode: "no such node"
    }
  }

  /// A program's typed trace event, worded by the lab it belongs to.
  static func event(_ topic: String, _ values: [Value]) -> String {
    for lab in Labs.all { if let text = lab.events?(topic, values) { return text } }
    return ([topic] + values.map(\.description)).joined(separator: " ")
  }

  static func text(_ d: TraceDetail) -> String {
    switch d {
    case .none: return ""
    case .dropped(let r): return text(r)
    case .region(let r): return r
    case .incarnation(let n): return "incarnation \(n)"
    case .exec(let method, let id): return "\(method) \(CallLabel.label(id))"
    case .dedupAnswered(let id): return "\(CallLabel.label(id)) answered from the table"
    case .dedupIgnored(let id): return "\(CallLabel.label(id)) still running; repeat ignored"
    case .retry(let id, let attempt): return "\(CallLabel.label(id)) timed out; retry \(attempt)"
    case .gaveUp(let id, let n): return "\(CallLabel.label(id)) gave up after \(n) attempt\(n == 1 ? "" : "s")"
    case .undecodable(let e): return "undecodable frame: \(e)"
    case .pastHorizon: return "timer set past the world's horizon; it never fires"
    case .text(let t): return t
    case .event(let topic, let values): return Messages.event(topic, values)
    }
  }
}
