import DistLab

/// What the detectors did, read from the trace against what really happened (kills, restarts,
/// pauses): how long each observer took to suspect a node that was killed, and which
/// suspicions fell on a node that was alive. The world's truth, as `trace` shows it; no node
/// reads it.
public struct DetectionLedger: Sendable, Equatable {
  /// A kill and, for each observer that suspected the node afterwards, how long that took.
  public struct Kill: Sendable, Equatable {
    public var node: NodeID
    public var at: Nanoseconds
    public var detections: [(observer: NodeID, after: Nanoseconds)]
    public static func == (a: Kill, b: Kill) -> Bool {
      a.node == b.node && a.at == b.at && a.detections.map(\.observer) == b.detections.map(\.observer)
        && a.detections.map(\.after) == b.detections.map(\.after)
    }
  }

  /// A suspicion of a node that was up (running or paused) when it was suspected.
  public struct Mistake: Sendable, Equatable {
    public var observer: NodeID
    public var suspect: NodeID
    public var at: Nanoseconds
    /// Whether the suspect was paused then.
    public var paused: Bool
  }

  public var kills: [Kill] = []
  public var mistakes: [Mistake] = []
  public var suspicions = 0

  public init(_ trace: TraceLog) {
    var down: [NodeID: Nanoseconds] = [:]
    var paused: Set<NodeID> = []
    var openKill: [NodeID: Int] = [:]
    /// Who suspects whom right now.
    var suspecting: Set<[NodeID]> = []
    for e in trace.ordered {
      switch e.kind {
      case .kill:
        down[e.node] = e.time
        // An observer that already suspected the node (wrongly, until now) has detected it.
        let already = suspecting.filter { $0[1] == e.node }.map { ($0[0], Nanoseconds.zero) }
        kills.append(Kill(node: e.node, at: e.time, detections: already.sorted { $0.0 < $1.0 }))
        openKill[e.node] = kills.count - 1
      case .restart:
        down[e.node] = nil
        openKill[e.node] = nil
        paused.remove(e.node)
      case .pause: paused.insert(e.node)
      case .resume: paused.remove(e.node)
      case .note:
        if case .event("fd.trust", let values) = e.detail, let n = values.first?.intValue {
          suspecting.remove([e.node, NodeID(Int(n))])
        }
        guard case .event("fd.suspect", let values) = e.detail, let n = values.first?.intValue else { continue }
        let suspect = NodeID(Int(n))
        suspecting.insert([e.node, suspect])
        suspicions += 1
        if let k = openKill[suspect] {
          if !kills[k].detections.contains(where: { $0.observer == e.node }) {
            kills[k].detections.append((e.node, e.time - kills[k].at))
          }
        } else if down[suspect] == nil {
          mistakes.append(Mistake(observer: e.node, suspect: suspect, at: e.time, paused: paused.contains(suspect)))
        }
      default: continue
      }
    }
  }

  /// The mean time to detection over every kill and observer; nil when nothing was detected.
  public var meanDetection: Nanoseconds? {
    let all = kills.flatMap { $0.detections.map(\.after) }
    guard !all.isEmpty else { return nil }
    return Nanoseconds(all.reduce(Int64(0)) { $0 + $1.value } / Int64(all.count))
  }
}
