import DistLab
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A node that lives in another OS process: a child this shell started (`spawn` in process
/// mode: `kill` is a real SIGKILL, `restart` starts the process again on its disk folder), or a
/// node someone else started and the shell joined (`connect`: `kill` and `restart` are asked of
/// the process, which drops its program or starts a fresh one and lives on).
///
/// `@unchecked Sendable`: the mutable members (`pid`, `port`, `link`) are read and changed only
/// on the shell's thread, the one thread that drives the world and so calls every `NodeHost`
/// method; the event loop never touches a host.
final class ProcessHost: NodeHost, @unchecked Sendable {
  enum Place {
    /// A child process, with the folder holding its disk and log.
    case child(folder: String, launcher: ChildLauncher)
    case remote
  }

  let id: NodeID
  let name: String
  let role: String
  let place: Place
  let side: ShellSide
  let host: String
  var port: Int
  var pid: pid_t?
  /// A child that ended without the world killing it, once noticed.
  var ended: pid_t?
  var link: NodeLink?
  /// Never written: a process node's disk is in its own process (and its folder).
  let disk = NodeDisk()

  init(id: NodeID, name: String, role: String, place: Place, side: ShellSide, host: String, port: Int) {
    self.id = id
    self.name = name
    self.role = role
    self.place = place
    self.side = side
    self.host = host
    self.port = port
  }

  var address: String { "\(host):\(port)" }

  /// Starts the child (on its old port when it can) and opens the shell's connection to it.
  func launch() -> Result<Void, WorldError> {
    guard case .child(let folder, let launcher) = place else { return .success(()) }
    var result = launcher.launch(name: name, role: role, port: port, folder: folder)
    if case .failure = result, port != 0 {
      // Its old port was taken meanwhile: any free one will do, and the others are told.
      result = launcher.launch(name: name, role: role, port: 0, folder: folder)
    }
    switch result {
    case .failure(let why): return .failure(.processRefused(name: name, reason: why.line))
    case .success(let child):
      pid = child.pid
      ended = nil
      port = child.port
    }
    return connect()
  }

  /// Opens the shell's connection and reads the node's clock against the shell's.
  func connect() -> Result<Void, WorldError> {
    switch NodeLink.open(node: id, host: host, port: port, side: side) {
    case .failure(let error):
      return .failure(
        .processRefused(name: address, reason: "nothing answers there: \(NodeProcess.reason(error))"))
    case .success(let l):
      link = l
      if let o = side.measureOffset(l) { side.merger.setOffset(o, for: id) }
      return .success(())
    }
  }

  func reset(fresh: Bool, wipeDisk: Bool) {
    switch place {
    case .child(let folder, _):
      if fresh {
        if case .failure(let e) = launch() {
          side.merger.record(TraceEvent(time: side.now, kind: .note, node: id, detail: .text("\(e)")))
        }
      } else {
        link?.close()
        link = nil
        if let pid { ChildLauncher.stop(pid) }
        pid = nil
        ended = nil
        if wipeDisk { try? FileManager.default.removeItem(atPath: folder + "/disk/journal") }
      }
    case .remote:
      guard let link else { return }
      if fresh {
        _ = side.control(link, "ctl.restart")
        if let o = side.measureOffset(link) { side.merger.setOffset(o, for: id) }
      } else {
        _ = side.control(link, "ctl.kill", [.bool(wipeDisk)])
      }
    }
  }

  /// Its address, and a child's process id: a child that ended behind the world's back (a
  /// `kill -9` from another terminal) is reaped here and reported as exited.
  var location: NodeLocation? {
    if let pid {
      var status: Int32 = 0
      if waitpid(pid, &status, WNOHANG) == pid {
        ended = pid
        self.pid = nil
        link?.close()
        link = nil
      }
    }
    return NodeLocation(address: address, pid: pid ?? ended, exited: ended != nil)
  }

  /// A process node's program cannot be reached from here: only its status report can.
  func query<R: Sendable>(_ body: @escaping @Sendable (NodeProgram?) -> R) -> R { body(nil) }

  func metric(_ name: String) -> Double? { summary()?.metric(name) }

  /// The program's own report, asked of its process (`ctl.status`).
  func summary() -> NodeSummary? {
    guard let link, let f = side.control(link, "ctl.status"), f.kind == .reply, f.args.count == 10 else { return nil }
    var s = NodeSummary()
    s.metrics = (f.args[7].listValue ?? []).compactMap { m in
      guard let l = m.listValue, l.count == 2, let k = l[0].stringValue, case .double(let v) = l[1] else { return nil }
      return (k, v)
    }
    if case .map(let entries) = f.args[8] {
      for e in entries { if let k = e.key.stringValue { s.data[k] = e.value } }
    }
    s.lastMessages = (f.args[9].listValue ?? []).compactMap(\.stringValue)
    return s
  }

  /// Ends the shell's part: a child is killed (and reaped); a remote node is left running.
  func stop() {
    link?.close()
    link = nil
    if case .child = place, let pid { ChildLauncher.stop(pid) }
    pid = nil
  }
}
