import DistLab

/// The NameNode's client protocol: create a file, get targets for each block, close it; where a
/// file's blocks are; list, delete; and the reports `hdfs fsck` and `hdfs dfsadmin -report` print.
extension NameNodeService {
  static let clientMethods: [ServiceMethod<NameNodeService>] = [
    ServiceMethod(
      "nn.create",
      [
        ArgumentSpec("PATH", .string), ArgumentSpec("SIZE", .int), ArgumentSpec("REPLICATION", .int),
        ArgumentSpec("TEXT", .bool, optional: true),
      ],
      "starts a file (refused in safe mode, or when it exists); TEXT when its bytes are kept"
    ) { n, r, node in
      let path = r.key(0)
      guard n.settings != nil else { return .error(NameNodeService.unformatted) }
      if n.safeMode { return .error("Cannot create file \(path). Name node is in safe mode.") }
      if n.ns.files[path] != nil { return .error("\(path) already exists") }
      n.log(
        .create(
          path: path, size: max(0, r.args[1].intValue ?? 0), replication: Int(r.args[2].intValue ?? 3),
          text: r.args.count > 3 && r.args[3] == .bool(true)),
        node: node)
      return .value([])
    },
    ServiceMethod(
      "nn.addBlock", [ArgumentSpec("PATH", .string), ArgumentSpec("EXCLUDE", .list)],
      "the file's next block: [block, size, DataNodes of its pipeline]"
    ) { n, r, node in n.addBlock(r, node: node) },
    ServiceMethod(
      "nn.abandon", [ArgumentSpec("PATH", .string), ArgumentSpec("BLOCK", .int)],
      "drops a block whose pipeline failed before any DataNode acknowledged it"
    ) { n, r, node in
      guard let f = n.ns.files[r.key(0)], f.underConstruction else {
        return .error("FileNotFoundException: \(r.key(0))")
      }
      n.log(.abandon(path: r.key(0), block: r.args[1].intValue ?? 0), node: node)
      return .value([])
    },
    ServiceMethod("nn.complete", [ArgumentSpec("PATH", .string)], "closes a file") { n, r, node in
      guard n.ns.files[r.key(0)] != nil else { return .error("FileNotFoundException: \(r.key(0))") }
      n.log(.close(path: r.key(0)), node: node)
      return .value([])
    },
    ServiceMethod(
      "nn.locations", [ArgumentSpec("PATH", .string)],
      "each block: [block, size, live DataNodes holding it, nearest the caller first, whether the file is text]"
    ) { n, r, _ in
      guard n.settings != nil else { return .error(NameNodeService.unformatted) }
      guard let f = n.ns.files[r.key(0)] else { return .error("FileNotFoundException: \(r.key(0))") }
      return .value(
        f.blocks.map { b in
          .list([
            .int(b.id), .int(b.size), .list(n.nearest(n.readable(b.id), to: r.caller).map { .int(Int64($0.number)) }),
            .bool(f.text),
          ])
        })
    },
    ServiceMethod(
      "nn.delete", [ArgumentSpec("PATH", .string), ArgumentSpec("RECURSIVE", .bool, optional: true)],
      "removes a file (or, RECURSIVE, every file under a directory); their replicas are deleted"
    ) {
      n, r, node in
      let path = r.key(0)
      guard n.settings != nil else { return .error(NameNodeService.unformatted) }
      if n.safeMode { return .error("Cannot delete \(path). Name node is in safe mode.") }
      let recursive = r.args.count > 1 && r.args[1] == .bool(true)
      let doomed = n.ns.files.keys.filter { $0 == path || recursive && $0.hasPrefix(path + "/") }.sorted()
      guard !doomed.isEmpty else { return .error("FileNotFoundException: \(path)") }
      for p in doomed { n.remove(p, node: node) }
      return .value([])
    },
    ServiceMethod(
      "nn.rename",
      [ArgumentSpec("PATH", .string), ArgumentSpec("TO", .string), ArgumentSpec("OVERWRITE", .bool, optional: true)],
      "moves a file to a new path (how a task's output is committed); OVERWRITE replaces one there"
    ) { n, r, node in
      guard n.settings != nil else { return .error(NameNodeService.unformatted) }
      if n.safeMode { return .error("Cannot rename \(r.key(0)). Name node is in safe mode.") }
      guard n.ns.files[r.key(0)] != nil else { return .error("FileNotFoundException: \(r.key(0))") }
      if n.ns.files[r.key(1)] != nil {
        guard r.args.count > 2, r.args[2] == .bool(true) else { return .error("\(r.key(1)) already exists") }
        n.remove(r.key(1), node: node)
      }
      n.log(.rename(path: r.key(0), to: r.key(1)), node: node)
      return .value([])
    },
    ServiceMethod(
      "nn.fsck", [],
      "every file: [path, size, replication, open, [[block, size, live replicas, corrupt replicas]]]; live DataNodes; racks"
    ) { n, _, _ in
      guard n.settings != nil else { return .error(NameNodeService.unformatted) }
      let files: [Value] = n.ns.files.keys.sorted().map { p in
        let f = n.ns.files[p]!
        return .list([
          .string(p), .int(f.size), .int(Int64(f.replication)), .bool(f.underConstruction),
          .list(
            f.blocks.map { b in
              .list([
                .int(b.id), .int(b.size), .list(n.replicas(b.id).map { .int(Int64($0.number)) }),
                .list((n.corrupt[b.id] ?? []).sorted().map { .int(Int64($0.number)) }),
              ])
            }),
        ])
      }
      let live = n.datanodes.filter { !$0.value.dead }
      return .value([.list(files), .int(Int64(live.count)), .int(Int64(Set(live.values.map(\.rack)).count))])
    },
    ServiceMethod(
      "nn.report", [],
      "[safe mode, blocks reported, blocks, checkpoint imported or -1]; each DataNode: [node, rack, live|stale|dead, ns since contact, used]"
    ) { n, _, node in
      guard n.settings != nil else { return .error(NameNodeService.unformatted) }
      let blocks = n.ns.blocks
      let reported = blocks.keys.filter { !n.replicas($0).isEmpty }.count
      let rows: [Value] = n.datanodes.keys.sorted().map { id in
        let d = n.datanodes[id]!
        let stale = node.now - d.last >= (n.settings?.stale ?? .seconds(30))
        let state = d.dead ? "dead" : d.decommission.state ?? (stale ? "stale" : "live")
        return .list([
          .int(Int64(id.number)), .string(d.rack), .string(state), .int((node.now - d.last).value), .int(d.used),
        ])
      }
      return .value([
        .list([
          .bool(n.safeMode), .int(Int64(reported)), .int(Int64(blocks.count)),
          node.disk["imported"] ?? .int(-1),
        ]), .list(rows),
      ])
    },
  ]

  /// Deletes one file: logged, and its replicas queued for deletion at the holders' heartbeats.
  func remove(_ path: String, node: ProgramNode) {
    guard let f = ns.files[path] else { return }
    log(.delete(path: path), node: node)
    for b in f.blocks {
      for dn in (locations[b.id] ?? []).union(corrupt[b.id] ?? []) {
        queue(dn, .list([.string("delete"), .int(b.id)]))
      }
      locations[b.id] = nil
      corrupt[b.id] = nil
      pending[b.id] = nil
    }
  }

  func addBlock(_ r: Request, node: ProgramNode) -> Answer {
    guard let s = settings else { return .error("not configured") }
    let path = r.key(0)
    guard let (fileSize, replication, written) = openFile(path) else {
      return .error("FileNotFoundException: \(path)")
    }
    let size = min(s.blockSize, max(0, fileSize - written))
    let exclude = Set((r.args[1].listValue ?? []).compactMap { $0.intValue.map { NodeID(Int($0)) } })
    let policy = PlacementPolicy(
      candidates: targetCandidates(excluding: exclude), rack: { [unowned self] in self.rackNumber($0) },
      random: node.random)
    let targets = policy.choose(replication, writer: r.caller, existing: [], total: replication)
    guard !targets.isEmpty else {
      let running = datanodes.values.filter { !$0.dead }.count
      return .error(
        "File \(path) could only be written to 0 of the 1 minReplication nodes. There are \(running) datanode(s) running and \(exclude.count) node(s) are excluded in this operation."
      )
    }
    let block = BlockInfo(id: ns.nextBlock, size: size)
    log(.addBlock(path: path, block), node: node)
    return .value([.int(block.id), .int(block.size), .list(targets.map { .int(Int64($0.number)) })])
  }

  /// A file being written: its length, replication factor and the bytes its blocks hold so
  /// far. Read in place: a copy of the entry kept while the next block is logged would share
  /// its block list, and the edit's append would then copy every block so far.
  func openFile(_ path: String) -> (size: Int64, replication: Int, written: Int64)? {
    guard let f = ns.files[path], f.underConstruction else { return nil }
    return (f.size, f.replication, ns.written[path] ?? 0)
  }

  /// The live, in-service DataNodes not excluded, in node order, with their rack numbers. Put
  /// in order by node number rather than sorted: the NameNode does this for every block.
  func targetCandidates(excluding exclude: Set<NodeID>) -> [(node: NodeID, rack: Int)] {
    var byNumber: [Int] = []
    for (id, d) in datanodes where !d.dead && d.decommission == .normal && !exclude.contains(id) {
      if id.number >= byNumber.count { byNumber += repeatElement(-1, count: id.number + 1 - byNumber.count) }
      byNumber[id.number] = d.rackNumber
    }
    var candidates: [(node: NodeID, rack: Int)] = []
    candidates.reserveCapacity(datanodes.count)
    for (number, rack) in byNumber.enumerated() where rack >= 0 { candidates.append((NodeID(number), rack)) }
    return candidates
  }

  func rack(_ n: NodeID) -> String { datanodes[n]?.rack ?? settings?.rack(of: n) ?? "/default-rack" }

  /// Replicas nearest a reader first: its own node, then its rack, then the rest; replicas on
  /// decommissioning DataNodes last, as Hadoop sorts them.
  func nearest(_ holders: [NodeID], to reader: NodeID) -> [NodeID] {
    let readerRack = datanodes[reader]?.rack
    func distance(_ n: NodeID) -> Int { (inService(n) ? 0 : 10) + (n == reader ? 0 : rack(n) == readerRack ? 2 : 4) }
    return holders.sorted { (distance($0), $0) < (distance($1), $1) }
  }
}
