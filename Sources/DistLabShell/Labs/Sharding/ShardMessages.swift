import DistLab
import DistLabSharding

extension Messages {
  /// The sharding lab's refusals, in words.
  static func text(_ e: ShardLabError) -> String {
    switch e {
    case .world(let w): return text(w)
    case .scheme(let s): return s.description
    case .noScheme: return "no sharding scheme yet: 'shard use SCHEME' starts one"
    case .holdsKeys(let n): return "the lab holds \(n) keys: 'shard clear' removes them first"
    case .noNodes: return "a scheme needs nodes: spawn some first (or name them with --nodes)"
    case .valueSizeOutOfRange: return "a value size is between 0 and 1GB"
    case .nothingToLoad: return "nothing to load"
    case .tooManyKeys(let limit): return "the lab holds at most \(Grouped.number(Int64(limit))) keys"
    case .cleared: return "the lab was cleared"
    case .notDirectory(let kind):
      return "only the directory scheme keeps a table you can edit; this lab uses \(kind.rawValue)"
    }
  }
}

/// Runs a sharding-lab operation, turning its refusal into a shell error at `column`.
func attempt<R>(_ column: Int, _ body: () throws(ShardLabError) -> R) throws(ShellError) -> R {
  do {
    return try body()
  } catch {
    throw ShellError(Messages.text(error), column: column)
  }
}
