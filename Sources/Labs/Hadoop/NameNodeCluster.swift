import DistLab

/// The NameNode's side of the cluster protocol: what DataNodes tell it (registration,
/// heartbeats, block reports, blocks received and deleted) and what clients report (a bad
/// replica found on read).
extension NameNodeService {
  static let clusterMethods: [ServiceMethod<NameNodeService>] = [
    ServiceMethod("nn.configure", [ArgumentSpec("SETTINGS", .map)], "starts the NameNode with these settings") {
      n, r, node in
      guard let s = HDFSSettings(r.args[0]) else { return .error("not HDFS settings") }
      node.disk["settings"] = s.value
      n.adopt(s, node: node)
      return .value([])
    },
    ServiceMethod("nn.register", [ArgumentSpec("RACK", .string)], "a DataNode joins (again)") { n, r, node in
      guard n.settings != nil else { return .error(NameNodeService.unformatted) }
      n.datanodes[r.caller] = DataNode(rack: r.key(0), rackNumber: n.rackNumber(of: r.key(0)), last: node.now)
      for b in n.locations.keys { n.locations[b]?.remove(r.caller) }
      // One more live DataNode: a block short of replicas for want of nodes may now get one.
      n.suspects.formUnion(n.ns.blocks.keys)
      node.event("hdfs.registered", [.int(Int64(r.caller.number))])
      return .value([])
    },
    ServiceMethod(
      "nn.heartbeat", [ArgumentSpec("USED", .int), ArgumentSpec("BLOCKS", .int)],
      "a DataNode is alive; the answer carries its commands"
    ) { n, r, node in
      // Every DataNode every 3 s: one lookup, the record updated in place.
      if case .none = n.settings { return .error(NameNodeService.unformatted) }
      guard let i = n.datanodes.index(forKey: r.caller), !n.datanodes.values[i].dead else {
        return .value([.list([.string("register")])])
      }
      n.datanodes.values[i].last = node.now
      n.datanodes.values[i].used = r.args[0].intValue ?? 0
      return .value(n.commands.isEmpty ? [] : n.commands.removeValue(forKey: r.caller) ?? [])
    },
    ServiceMethod("nn.blockReport", [ArgumentSpec("BLOCKS", .list)], "every replica a DataNode holds") {
      n, r, node in
      n.blockReport(r.caller, r.args[0].listValue ?? [], node: node)
      return .value([])
    },
    ServiceMethod(
      "nn.blockReceived", [ArgumentSpec("BLOCK", .int), ArgumentSpec("SIZE", .int)], "a replica was written"
    ) { n, r, node in
      let b = r.args[0].intValue ?? 0
      n.pending[b]?.removeAll { $0.target == r.caller }
      if n.pending[b]?.isEmpty == true { n.pending[b] = nil }
      guard n.datanodes[r.caller] != nil else { return .value([]) }
      if n.ns.blocks[b] == nil {
        n.queue(r.caller, .list([.string("delete"), .int(b)]))
      } else {
        n.locations[b, default: []].insert(r.caller)
        n.corrupt[b]?.remove(r.caller)
        n.suspects.insert(b)
      }
      n.checkSafeMode(node)
      return .value([])
    },
    ServiceMethod("nn.blockDeleted", [ArgumentSpec("BLOCK", .int)], "a replica was deleted") { n, r, _ in
      let b = r.args[0].intValue ?? 0
      n.locations[b]?.remove(r.caller)
      n.corrupt[b]?.remove(r.caller)
      n.suspects.insert(b)
      return .value([])
    },
    ServiceMethod(
      "nn.badBlock", [ArgumentSpec("BLOCK", .int), ArgumentSpec("DATANODE", .int)],
      "a reader found this replica's checksum wrong"
    ) { n, r, node in
      let b = r.args[0].intValue ?? 0
      let dn = NodeID(Int(r.args[1].intValue ?? 0))
      n.locations[b]?.remove(dn)
      n.corrupt[b, default: []].insert(dn)
      n.suspects.insert(b)
      node.event("hdfs.corrupt", [.int(b), .int(Int64(dn.number))])
      // Enough good replicas left: the corrupt one goes at once; else after a new copy is made.
      if let want = n.ns.blocks[b]?.replication, n.replicas(b).count >= want {
        n.queue(dn, .list([.string("delete"), .int(b)]))
        n.corrupt[b]?.remove(dn)
      }
      return .value([])
    },
    ServiceMethod(
      "nn.moved", [ArgumentSpec("BLOCK", .int), ArgumentSpec("SOURCE", .int)],
      "the balancer copied a replica away from SOURCE (Hadoop's delHint): SOURCE's copy goes"
    ) { n, r, _ in
      let b = r.args[0].intValue ?? 0
      let source = NodeID(Int(r.args[1].intValue ?? 0))
      guard let want = n.ns.blocks[b]?.replication, n.replicas(b).count > want, n.locations[b]?.contains(source) == true
      else { return .value([.bool(false)]) }
      n.locations[b]?.remove(source)
      n.queue(source, .list([.string("delete"), .int(b)]))
      n.suspects.insert(b)
      return .value([.bool(true)])
    },
    ServiceMethod("nn.decommission", [ArgumentSpec("DATANODE", .int)], "drains a DataNode for removal") { n, r, node in
      let dn = NodeID(Int(r.args[0].intValue ?? 0))
      guard n.settings != nil else { return .error(NameNodeService.unformatted) }
      guard let d = n.datanodes[dn], !d.dead else { return .error("not a live DataNode") }
      guard d.decommission == .normal else { return .error("already \(d.decommission.rawValue.lowercased())") }
      n.datanodes[dn]?.decommission = .inProgress
      n.suspects.formUnion(n.held(by: dn))
      node.event("hdfs.decommissioning", [.int(Int64(dn.number))])
      return .value([])
    },
    ServiceMethod("nn.txinfo", [], "[last transaction, last transaction in the fsimage]") { n, _, node in
      guard n.settings != nil else { return .error(NameNodeService.unformatted) }
      return .value([.int(n.txid), .int(node.disk["fsimage-txid"]?.intValue ?? 0)])
    },
    ServiceMethod(
      "nn.getImage", [], "for a checkpoint: [fsimage, its last transaction, every edit after it]"
    ) { n, _, node in
      guard n.settings != nil else { return .error(NameNodeService.unformatted) }
      let from = node.disk["fsimage-txid"]?.intValue ?? 0
      let edits: [Value] = from < n.txid ? ((from + 1)...n.txid).compactMap { node.disk["edit:\($0)"] } : []
      return .value([node.disk["fsimage"] ?? Namespace().value, .int(from), .list(edits)])
    },
    ServiceMethod(
      "nn.putImage", [ArgumentSpec("IMAGE", .map), ArgumentSpec("TXID", .int), ArgumentSpec("SETTINGS", .value)],
      "a merged fsimage from the SecondaryNameNode (or, with SETTINGS, imported into a NameNode without one)"
    ) { n, r, node in
      guard let image = Namespace(r.args[0]), let t = r.args[1].intValue else { return .error("not an fsimage") }
      if n.settings == nil {
        // -importCheckpoint: a NameNode whose disk was lost starts from the checkpoint.
        guard let s = HDFSSettings(r.args[2]) else { return .error(NameNodeService.unformatted) }
        node.disk["settings"] = s.value
        node.disk["fsimage"] = image.value
        node.disk["fsimage-txid"] = .int(t)
        node.disk["txid"] = .int(t)
        node.disk["imported"] = .int(t)
        n.load(node)
        n.adopt(s, node: node)
        node.event("hdfs.imported", [.int(t)])
        return .value([])
      }
      n.install(image, txid: t, node: node)
      return .value([])
    },
  ]

  /// A full block report: what the DataNode holds replaces what the NameNode thought it held.
  /// A replica of a block no file has is deleted; a corrupt one is marked.
  func blockReport(_ dn: NodeID, _ report: [Value], node: ProgramNode) {
    guard datanodes[dn] != nil else { return }
    suspects.formUnion(held(by: dn))
    for b in locations.keys { locations[b]?.remove(dn) }
    for b in corrupt.keys { corrupt[b]?.remove(dn) }
    let known = ns.blocks
    for item in report {
      guard let l = item.listValue, l.count == 3, let b = l[0].intValue else { continue }
      if known[b] == nil {
        queue(dn, .list([.string("delete"), .int(b)]))
      } else if l[2] == .bool(true) {
        corrupt[b, default: []].insert(dn)
        suspects.insert(b)
      } else {
        locations[b, default: []].insert(dn)
        suspects.insert(b)
      }
    }
    checkSafeMode(node)
  }
}
