import DistLab

/// Why the sharding lab refused (and changed nothing): the facts, worded by the shell.
public enum ShardLabError: Error, Equatable, Sendable {
  /// The world refused one of the lab's calls.
  case world(WorldError)
  /// The scheme refused (a bad option, a node it does not hold).
  case scheme(ShardingError)
  case noScheme
  case holdsKeys(Int)
  case noNodes
  case valueSizeOutOfRange(limit: Int)
  case nothingToLoad
  case tooManyKeys(limit: Int)
  /// The lab was cleared while a change was under way.
  case cleared
  /// Interrupted (Ctrl-C or a time limit) while placing keys; no key was loaded.
  case interrupted(placed: Int, of: Int)
  /// Interrupted while working out which copies go where, before any message: nothing changed.
  case stoppedBeforeSending
  /// Interrupted after a repair's check, before it wrote any copy.
  case stoppedAfterCheck
  /// Only the directory scheme has a table to edit.
  case notDirectory(SchemeKind)
}
