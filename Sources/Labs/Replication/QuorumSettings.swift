import DistLab

/// How a quorum store (Dynamo-style) places and settles keys. Each key has `n` home replicas,
/// the first `n` store nodes in its preference order; a write is acknowledged once `w` replicas
/// hold it and a read answers once `r` have answered. Strict quorums use only the home
/// replicas, so a side of a partition that cannot reach `w` of them refuses (the CP choice);
/// sloppy quorums use the first `n` nodes the coordinator believes are up, standing in for
/// home replicas with hinted writes (the AP choice).
public struct QuorumSettings: Hashable, Sendable {
  public var me: NodeID
  /// Every store node, in spawn order.
  public var members: [NodeID]
  public var n: Int
  public var w: Int
  public var r: Int
  public var sloppy: Bool
  public var resolution: Resolution
  /// How often a node compares its keys with one peer and copies what either lacks; nil: never.
  public var antiEntropy: Nanoseconds?
  /// How long a coordinator waits for a replica before counting it unanswered.
  public var replicaTimeout = Nanoseconds.milliseconds(200)
  /// How long a coordinator leaves out a replica that did not answer before trying it again.
  public var suspectFor = Nanoseconds.seconds(1)
  /// How often a stand-in tries to hand its hinted writes to their home replicas.
  public var hintInterval = Nanoseconds.seconds(1)

  public init(
    me: NodeID, members: [NodeID], n: Int, w: Int, r: Int, sloppy: Bool, resolution: Resolution,
    antiEntropy: Nanoseconds?
  ) {
    self.me = me
    self.members = members
    self.n = n
    self.w = w
    self.r = r
    self.sloppy = sloppy
    self.resolution = resolution
    self.antiEntropy = antiEntropy
  }

  /// Every store node in `key`'s preference order (rendezvous hashing: highest FNV-1a hash of
  /// the key and the node's number first); the first `n` are the key's home replicas.
  public static func preference(of key: String, among members: [NodeID]) -> [NodeID] {
    members.map { ($0, FNV1a.hash(key + "#" + String($0.number))) }.sorted { ($0.1, $0.0) > ($1.1, $1.0) }.map(\.0)
  }

  public func homes(of key: String) -> [NodeID] { Array(Self.preference(of: key, among: members).prefix(n)) }

  var value: Value {
    .map([
      "me": .int(Int64(me.number)), "members": .list(members.map { .int(Int64($0.number)) }),
      "n": .int(Int64(n)), "w": .int(Int64(w)), "r": .int(Int64(r)), "sloppy": .bool(sloppy),
      "resolution": .string(resolution.rawValue), "anti_entropy": antiEntropy.map { .int($0.value) } ?? .null,
    ])
  }

  init?(_ v: Value) {
    guard let me = v["me"]?.intValue, let n = v["n"]?.intValue, let w = v["w"]?.intValue, let r = v["r"]?.intValue,
      let res = v["resolution"]?.stringValue.flatMap(Resolution.init(rawValue:)), n >= 1, (1...n).contains(w),
      (1...n).contains(r)
    else { return nil }
    self.init(
      me: NodeID(Int(me)),
      members: (v["members"]?.listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } }, n: Int(n),
      w: Int(w), r: Int(r), sloppy: v["sloppy"] == .bool(true), resolution: res,
      antiEntropy: v["anti_entropy"]?.intValue.flatMap { $0 > 0 ? Nanoseconds($0) : nil })
  }
}
