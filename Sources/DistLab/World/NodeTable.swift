/// A node the world knows: what it reports about itself and where its program lives. Engines
/// read it; only the world changes it.
public final class NodeRecord {
  public internal(set) var info: NodeInfo
  public let role: Role
  public let host: any NodeHost

  init(info: NodeInfo, role: Role, host: any NodeHost) {
    self.info = info
    self.role = role
    self.host = host
  }

  public var id: NodeID { info.id }
}

/// Every node of a world by address, in spawn order, and by name. Addresses are handed out
/// once and never reused within a world, so a stale address finds nothing rather than
/// another node.
final class NodeTable {
  /// Records by node number (numbers are small and dense): looked up for every message.
  private var records: [NodeRecord?] = []
  private var names: [String: NodeID] = [:]
  /// Addresses in spawn order: how `nodes` lists them.
  private(set) var order: [NodeID] = []
  private var nextNumber = 1

  var count: Int { order.count }

  subscript(id: NodeID) -> NodeRecord? { id.number > 0 && id.number < records.count ? records[id.number] : nil }

  func id(named name: String) -> NodeID? { names[name] }

  /// An address no node of this world has had.
  func freshID() -> NodeID {
    defer { nextNumber += 1 }
    return NodeID(nextNumber)
  }

  func add(_ record: NodeRecord) {
    let k = record.id.number
    if k >= records.count { records += [NodeRecord?](repeating: nil, count: k + 1 - records.count) }
    records[k] = record
    names[record.info.name] = record.id
    order.append(record.id)
  }

  /// Every record, in spawn order.
  var all: [NodeRecord] { order.compactMap { self[$0] } }

  func removeAll() {
    records = []
    names = [:]
    order = []
    nextNumber = 1
  }
}
