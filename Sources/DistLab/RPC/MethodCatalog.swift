/// The methods every standard node serves, with their argument shapes; the single source for
/// dispatch, `help rpc` and completion.
public struct MethodSpec: Sendable, Hashable {
  public var name: String
  public var arguments: String
  public var summary: String
}

public enum MethodCatalog {
  public static let all: [MethodSpec] = [
    MethodSpec(name: "add", arguments: "INT INT", summary: "the sum of two integers"),
    MethodSpec(name: "echo", arguments: "VALUE…", summary: "its arguments, unchanged"),
    MethodSpec(name: "sleep", arguments: "NANOSECONDS", summary: "replies after that long"),
    MethodSpec(name: "fail", arguments: "[TEXT]", summary: "always answers with an error"),
    MethodSpec(name: "kv.get", arguments: "KEY", summary: "the value stored under KEY, or null"),
    MethodSpec(name: "kv.put", arguments: "KEY VALUE", summary: "stores VALUE; replies with the old value"),
    MethodSpec(name: "kv.delete", arguments: "KEY", summary: "removes KEY; replies whether it existed"),
    MethodSpec(name: "kv.incr", arguments: "KEY [INT]", summary: "adds to an integer (not idempotent)"),
    MethodSpec(name: "kv.keys", arguments: "", summary: "every key, sorted"),
    MethodSpec(name: "kv.mput", arguments: "[KEY, VALUE, …]", summary: "stores many pairs; replies with how many"),
    MethodSpec(name: "kv.mget", arguments: "[KEY, …]", summary: "the values of many keys (null when missing)"),
    MethodSpec(name: "kv.mdel", arguments: "[KEY, …]", summary: "removes many keys; replies with how many existed"),
  ]

  public static func spec(_ name: String) -> MethodSpec? { all.first { $0.name == name } }
  public static var names: [String] { all.map(\.name) }
}
