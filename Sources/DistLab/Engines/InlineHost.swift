/// A node's home in the reference engine: the program lives on the engine's own thread.
///
/// @unchecked Sendable: an inline host is created, used and dropped on the one thread that
/// drives its world; it never crosses to another thread.
final class InlineHost: NodeHost, @unchecked Sendable {
  private let factory: @Sendable () -> NodeProgram
  private(set) var program: NodeProgram?
  let disk = NodeDisk()

  init(factory: @escaping @Sendable () -> NodeProgram) {
    self.factory = factory
    program = factory()
  }

  func reset(fresh: Bool, wipeDisk: Bool) {
    program = fresh ? factory() : nil
    if wipeDisk { disk.wipe() }
  }

  func query<R: Sendable>(_ body: @escaping @Sendable (NodeProgram?) -> R) -> R { body(program) }

  func stop() { program = nil }
}
