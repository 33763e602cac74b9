import DistLab
import Foundation

/// Tab completion for the shell: commands, subcommands, flags, node names, methods, regions
/// and file names, all read from the command specs and the world.
public struct Completer {
  let session: ShellSession

  public init(session: ShellSession) { self.session = session }

  /// Full words that could replace the word under the cursor.
  public func candidates(_ lineUpToCursor: String) -> [String] {
    var words = lineUpToCursor.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    let current: String
    if lineUpToCursor.hasSuffix(" ") || words.isEmpty {
      current = ""
    } else {
      current = words.removeLast()
    }
    if current.hasPrefix("\"") || words.contains(where: { $0.hasPrefix("#") }) { return [] }
    guard let first = words.first else { return match(current, CommandRegistry.names) }
    guard var spec = CommandRegistry.command(first) else { return [] }
    var rest = Array(words.dropFirst())
    if !spec.subcommands.isEmpty {
      if rest.isEmpty {
        return match(current, spec.subcommands.map(\.name) + (current.hasPrefix("--") ? spec.flags.map(\.name) : []))
      }
      if let sub = spec.subcommand(rest[0]) {
        spec = sub
        rest.removeFirst()
      }
    }
    if current.hasPrefix("--") {
      // Only the flags that go with what the command's first word chose (`shard use ring`).
      let first = firstPositional(spec, rest)
      return match(current, spec.flags.filter { $0.applies(to: first) }.map(\.name).filter { !rest.contains($0) })
    }
    if let last = rest.last, let flag = spec.flags.first(where: { $0.name == last }) {
      guard let kind = flag.value else { return positional(spec, rest, current) }
      return complete(kind, current)
    }
    return positional(spec, rest, current)
  }

  /// The positional words typed so far (flags and their values left out).
  private func positionalWords(_ spec: CommandSpec, _ rest: [String]) -> [String] {
    var words: [String] = []
    var i = 0
    while i < rest.count {
      if rest[i].hasPrefix("--") {
        if spec.flags.first(where: { $0.name == rest[i] })?.value != nil { i += 1 }
      } else {
        words.append(rest[i])
      }
      i += 1
    }
    return words
  }

  private func firstPositional(_ spec: CommandSpec, _ rest: [String]) -> String? {
    positionalWords(spec, rest).first
  }

  private func positional(_ spec: CommandSpec, _ rest: [String], _ current: String) -> [String] {
    let words = positionalWords(spec, rest)
    guard let kind = spec.kind(at: words.count) else { return [] }
    return complete(kind, current, after: words.last)
  }

  private func complete(_ kind: WordKind, _ current: String, after previous: String? = nil) -> [String] {
    let world = session.world
    let names = world.allNodes.map(\.name)
    switch kind {
    case .node: return match(current, names + ["cli"])
    case .nodeSet:
      let roles = Set(world.allNodes.flatMap(\.roles)).sorted()
      let options = names + ["all"] + roles
      if let comma = current.lastIndex(of: ",") {
        let head = String(current[...comma])
        let already = Set(head.split(separator: ",").map(String.init))
        return match(String(current[current.index(after: comma)...]), options.filter { !already.contains($0) }).map {
          head + $0
        }
      }
      return match(current, options)
    case .method:
      // The methods of the node just named, or of every role when it is not known yet.
      let node = previous.flatMap { world.node(named: $0) }
      return match(current, (node.map { world.methods(of: $0.id) } ?? world.roles.allMethods).map(\.name))
    case .region: return match(current, world.network.regions.keys.sorted())
    case .choice(let options): return match(current, options)
    case .command: return match(current, CommandRegistry.names)
    case .path: return files(current)
    case .role: return match(current, world.roles.names)
    case .subcommand:
      return match(current, previous.flatMap { CommandRegistry.command($0)?.subcommands.map(\.name) } ?? [])
    case .lesson: return match(current, session.library?.lessons.map(\.id) ?? [])
    case .count, .duration, .ratio, .number, .text: return []
    }
  }

  private func match(_ prefix: String, _ options: [String]) -> [String] {
    var seen = Set<String>()
    return options.filter { $0.hasPrefix(prefix) && seen.insert($0).inserted }
  }

  private func files(_ current: String) -> [String] {
    let dir: String
    let namePrefix: String
    if let slash = current.lastIndex(of: "/") {
      dir = String(current[...slash])
      namePrefix = String(current[current.index(after: slash)...])
    } else {
      dir = ""
      namePrefix = current
    }
    let listed = (try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? []
    return listed.filter { $0.hasPrefix(namePrefix) && !$0.hasPrefix(".") }.sorted().map { name in
      var isDir: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: dir + name, isDirectory: &isDir)
      return dir + name + (isDir.boolValue ? "/" : "")
    }
  }
}
