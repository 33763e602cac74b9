import DistLab

/// Reads node sets: `n1`, `n1,n3`, `n1..n5`, `all`, a role such as `workers`, or `cli` (the
/// shell's own endpoint) where a caller is meant.
public enum NodeSet {
  /// The nodes `token` names, in spawn order without repeats.
  public static func resolve(_ token: Token, in world: World, allowClient: Bool = false) throws(ShellError) -> [NodeID]
  {
    var out: [NodeID] = []
    var seen = Set<NodeID>()
    for part in token.text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
      guard !part.isEmpty else { throw ShellError("empty name in node set '\(token.text)'", column: token.column) }
      for id in try resolvePart(part, token: token, world: world, allowClient: allowClient)
      where seen.insert(id).inserted {
        out.append(id)
      }
    }
    return out
  }

  /// Exactly one node (or `cli` when allowed).
  public static func single(_ token: Token, in world: World, allowClient: Bool = false) throws(ShellError) -> NodeID {
    let ids = try resolve(token, in: world, allowClient: allowClient)
    guard ids.count == 1 else {
      throw ShellError("'\(token.text)' names \(ids.count) nodes; one is needed here", column: token.column)
    }
    return ids[0]
  }

  static func resolvePart(_ part: String, token: Token, world: World, allowClient: Bool) throws(ShellError) -> [NodeID]
  {
    if part == "cli" {
      guard allowClient else { throw ShellError("'cli' is the shell itself, not a node", column: token.column) }
      return [.client]
    }
    if part == "all" {
      guard !world.allNodes.isEmpty else {
        throw ShellError("there are no nodes yet (try 'spawn 3')", column: token.column)
      }
      return world.allNodes.map(\.id)
    }
    if let id = world.node(named: part)?.id { return [id] }
    if let range = part.range(of: "..") {
      return try expand(
        String(part[..<range.lowerBound]), String(part[range.upperBound...]), token: token, world: world)
    }
    let byRole = world.allNodes.filter { info in info.roles.contains { $0 == part || $0 + "s" == part } }
    if !byRole.isEmpty { return byRole.map(\.id) }
    throw ShellError(
      "unknown node '\(part)'\(Suggest.hint(for: part, in: world.allNodes.map(\.name))) (\(summary(world)))",
      column: token.column)
  }

  static func expand(_ a: String, _ b: String, token: Token, world: World) throws(ShellError) -> [NodeID] {
    let (pa, na) = split(a)
    let (pb, nb) = split(b)
    guard let na, let nb, pa == pb || pb.isEmpty else {
      throw ShellError("a range is written like n1..n5", column: token.column)
    }
    guard na <= nb else { throw ShellError("the range \(a)..\(b) runs backwards", column: token.column) }
    guard nb - na < 100_000 else { throw ShellError("the range \(a)..\(b) is too long", column: token.column) }
    var out: [NodeID] = []
    for i in na...nb {
      guard let id = world.node(named: "\(pa)\(i)")?.id else {
        throw ShellError("unknown node '\(pa)\(i)' in \(a)..\(b) (\(summary(world)))", column: token.column)
      }
      out.append(id)
    }
    return out
  }

  static func split(_ s: String) -> (String, Int?) {
    let digits = s.reversed().prefix { $0.isASCII && $0.isNumber }
    let prefix = String(s.dropLast(digits.count))
    return (prefix, digits.isEmpty ? nil : Int(String(digits.reversed())))
  }

  /// `nodes: n1..n4` or `no nodes yet`, for error messages.
  public static func summary(_ world: World) -> String {
    let names = world.allNodes.map(\.name)
    guard !names.isEmpty else { return "no nodes yet; try 'spawn 3'" }
    return "nodes: " + compact(names)
  }

  /// `n1..n4, web` — runs of numbered names folded.
  public static func compact(_ names: [String]) -> String {
    var parts: [String] = []
    var i = 0
    while i < names.count {
      let (p, n) = split(names[i])
      var j = i
      if let n {
        while j + 1 < names.count, split(names[j + 1]).0 == p, split(names[j + 1]).1 == n + (j + 1 - i) { j += 1 }
      }
      parts.append(j - i >= 2 ? "\(names[i])..\(names[j])" : names[i...j].joined(separator: ", "))
      i = j + 1
    }
    return parts.joined(separator: ", ")
  }
}
