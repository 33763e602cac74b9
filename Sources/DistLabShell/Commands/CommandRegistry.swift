/// Every command the shell knows, by family: the single list behind dispatch, help and completion.
public enum CommandRegistry {
  public static let all: [CommandSpec] =
    NodeCommands.specs + MessageCommands.specs + Labs.all.flatMap(\.commands) + [NetCommands.spec]
    + TimeCommands.specs + ObserveCommands.specs + SessionCommands.specs + [LessonCommands.spec]

  public static let names: [String] = all.map(\.name)

  public static func command(_ name: String) -> CommandSpec? { all.first { $0.name == name } }
}
