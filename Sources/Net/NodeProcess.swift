import CSys
import Dispatch
import DistLab
import Foundation
import NIOCore
import NIOPosix

/// `distlab node --listen HOST:PORT`: one node, headless, as a process of its own. It prints
/// the address it listens on (the real port when asked for port 0) and serves until SIGTERM or
/// SIGINT, when it closes its connections and exits 0. Bad input is one line on standard error
/// and exit status 2.
public enum NodeProcess {
  /// `HOST:PORT`, `[IPV6]:PORT` or `:PORT` (every interface); nil when not one of those.
  public static func address(_ text: String) -> (host: String, port: Int)? {
    var host: Substring
    let portText: Substring
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
      host = text[text.index(after: text.startIndex)..<close]
      portText = text[text.index(close, offsetBy: 2)...]
    } else {
      guard let colon = text.lastIndex(of: ":") else { return nil }
      host = text[..<colon]
      portText = text[text.index(after: colon)...]
      if host.contains(":") { return nil }
    }
    if host.isEmpty { host = "0.0.0.0" }
    guard let port = Int(portText), (0...65_535).contains(port), !host.contains(" ") else { return nil }
    return (String(host), port)
  }

  /// With `disk`, the node's disk is that folder: what the program wrote is there when the
  /// process starts again (`restart`); without it, the disk lasts as long as the process.
  /// With `exitWithParent`, the node ends (as on SIGTERM) when the process that started it
  /// dies, however it dies — so a shell killed with SIGKILL leaves no node processes behind.
  public static func run(
    listen: String, role roleName: String?, name: String?, disk: String?, exitWithParent: Bool = false,
    roles: RoleCatalog
  ) -> Int32 {
    func fail(_ line: String) -> Int32 {
      FileHandle.standardError.write(Data(("distlab node: " + line + "\n").utf8))
      return 2
    }
    guard let (host, port) = address(listen) else {
      return fail("--listen is HOST:PORT, like 127.0.0.1:7001 (port 0 for any free one), not '\(listen)'")
    }
    let role: Role
    if let roleName {
      guard let r = roles.role(named: roleName) else {
        return fail("unknown role '\(roleName)' (roles: \(roles.names.joined(separator: ", ")))")
      }
      role = r
    } else {
      role = roles.defaultRole
    }
    // SIGTERM (what `kill` sends) and SIGINT (Ctrl-C) end the node cleanly: blocked in every
    // thread (the event loop's inherits the mask), and awaited by one thread of their own.
    var stopSignals = sigset_t()
    sigemptyset(&stopSignals)
    sigaddset(&stopSignals, SIGTERM)
    sigaddset(&stopSignals, SIGINT)
    pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
    // A shell that read the listening line may close its end of standard output: a later write
    // there fails instead of killing the node.
    signal(SIGPIPE, SIG_IGN)
    if exitWithParent {
      // Linux sends SIGTERM when the parent dies; if it already has, stop now.
      let parent = getppid()
      _ = distlab_term_with_parent()
      if getppid() != parent { return 0 }
    }
    let nodeName = name ?? "node"
    guard World.isValidName(nodeName) else { return fail("'\(nodeName)' is not a node name") }
    var folder: DiskFolder?
    if let disk {
      do {
        folder = try DiskFolder(path: disk)
      } catch {
        return fail("cannot use '\(disk)' as the node's disk: \(error.localizedDescription)")
      }
    }
    let server = NodeServer(
      role: role, name: nodeName, disk: folder?.disk ?? NodeDisk(), incarnation: folder?.incarnation ?? 1
    ) { line in
      FileHandle.standardError.write(Data((line + "\n").utf8))
    }
    let bound: (host: String, port: Int)
    do {
      bound = try server.listen(host: host, port: port)
    } catch {
      server.stop()
      return fail("cannot listen on \(listen): \(reason(error))")
    }
    FileHandle.standardOutput.write(
      Data("node \(nodeName) (role \(role.name)) listening on \(bound.host):\(bound.port)\n".utf8))
    let awaited = stopSignals
    let waiter = Thread {
      var mask = awaited
      var caught: Int32 = 0
      sigwait(&mask, &caught)
      server.close()
    }
    waiter.start()
    try? server.wait()
    server.stop()
    withExtendedLifetime(folder) {}
    return 0
  }

  /// A bind or connect failure as a person would say it.
  static func reason(_ error: Error) -> String {
    if let e = error as? NIOConnectionError, let first = e.connectionErrors.first {
      return reason(first.error)
    }
    if let e = error as? NIOConnectionError, let dns = e.dnsAAAAError ?? e.dnsAError { return reason(dns) }
    if let e = error as? IOError {
      switch e.errnoCode {
      case EADDRINUSE: return "the port is in use"
      case EADDRNOTAVAIL: return "that address is not this machine's"
      case EACCES: return "not allowed (ports below 1024 need privileges)"
      case ECONNREFUSED: return "connection refused"
      case EHOSTUNREACH, ENETUNREACH: return "no route to that host"
      case ETIMEDOUT: return "no answer within 2 s"
      default: return e.description
      }
    }
    if let e = error as? ChannelError, case .connectTimeout = e { return "no answer within 2 s" }
    if error is SocketAddressError || error is SocketAddressError.UnknownHost { return "no such host" }
    return "\(error)"
  }
}
