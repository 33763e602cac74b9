import DistLab
import DistLabDetection

extension DetectionClient: LabClient {}

extension ShellSession {
  /// The failure-detection lab's client for the current world.
  var detection: DetectionClient { labs.client(DetectionClient.self, world: world) }
}

/// The failure-detection lab's shell side, as `Labs.all` lists it.
enum DetectionLab {
  static let shell = LabShellSide(
    commands: [DetectCommands.spec], subjects: subjects, events: event, nodeView: DetectCommands.nodeView)

  static let subjects = SubjectGroup(
    title: "Failure detectors (the world's truth, from the trace: what 'detect report' shows)", namespace: "detect.",
    subjects: [
      Subject("detect.false", "suspicions of monitors that were up (running or paused)") { s, t throws(ShellError) in
        .number(Double(try ledger(s, t).mistakes.count))
      },
      Subject("detect.suspicions", "every suspicion so far") { s, t throws(ShellError) in
        .number(Double(try ledger(s, t).suspicions))
      },
      Subject("detect.detection", "the mean time from a kill to each observer's suspicion") {
        s, t throws(ShellError) in
        guard let d = try ledger(s, t).meanDetection else {
          throw ShellError("'\(t.text)': no kill has been detected yet", column: t.column)
        }
        return .duration(d)
      },
      Subject("detect.missed", "observers that have not suspected a monitor killed earlier") {
        s, t throws(ShellError) in
        let l = try ledger(s, t)
        let watchers = max(0, s.detection.nodes.count - 1)
        return .number(Double(l.kills.reduce(0) { $0 + max(0, watchers - $1.detections.count) }))
      },
    ])

  static func ledger(_ s: ShellSession, _ t: Token) throws(ShellError) -> DetectionLedger {
    guard s.detection.settings != nil else {
      throw ShellError("'\(t.text)' is about the monitors, and there are none: 'detect start'", column: t.column)
    }
    return s.detection.ledger
  }

  /// How the monitors' trace events read.
  @Sendable static func event(_ topic: String, _ values: [Value]) -> String? {
    let n = values.map { $0.intValue ?? 0 }
    switch topic {
    case "fd.suspect" where n.count == 3:
      let why = n[2] >= 0 ? "φ \(Double(n[2]) / 100)" : "silent \(Nanoseconds(n[1]))"
      return "suspects node \(n[0]) (\(why))"
    case "fd.trust" where n.count == 2: return "trusts node \(n[0]) again (suspected for \(Nanoseconds(n[1])))"
    default: return nil
    }
  }
}
