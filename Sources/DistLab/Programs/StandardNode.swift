/// The standard role, which every node runs unless spawned with another: an inbox of plain
/// messages, the core methods and a key/value store.
public enum StandardNode {
  public static let role = Role(
    "standard", summary: "the core methods and a key/value store (the default)",
    services: { [CoreService(), KeyValueService()] })

  /// A standard node's program.
  public static func make() -> NodeProgram { ServiceProgram([CoreService(), KeyValueService()]) }
}
