import DistLab

/// A lab's world-side client, held by the session for as long as the world it was made for
/// lasts: a reset (seed, mode, reset) makes the world start over, and with it the lab.
public protocol LabClient: AnyObject {
  init(world: World)
  /// Whether the world has started over since the client was made.
  var isStale: Bool { get }
}

/// The session's lab clients, one per kind, made when first asked for. The session knows no
/// lab by name: each lab's shell side asks for its own client by type.
public final class LabClients {
  private var clients: [ObjectIdentifier: AnyObject] = [:]

  /// The client of kind `C` for `world`, made afresh when there is none or the world reset.
  public func client<C: LabClient>(_ kind: C.Type, world: World) -> C {
    if let c = clients[ObjectIdentifier(kind)] as? C, !c.isStale { return c }
    let c = C(world: world)
    clients[ObjectIdentifier(kind)] = c
    return c
  }

  /// Lets go of the clients of a world that has started over, so that one holding something
  /// outside the world (a connection, a worker thread) lets it go at the reset.
  public func releaseStale() {
    clients = clients.filter { ($0.value as? any LabClient)?.isStale != true }
  }
}
