import DistLab
import DistLabSharding

/// What a `shard` command did.
public enum ShardResult: Sendable {
  case using(label: String, nodes: [NodeID], metadata: ShardMetadata, cost: LookupCost)
  case wrote(ShardWriteOutcome, what: String)
  case read(ShardReadOutcome)
  case located(ShardWhere)
  case stats(label: String, distribution: ShardDistribution, health: ShardHealth, metadata: ShardMetadata)
  case changed(ShardChangeOutcome)
  case map(scheme: any ShardingScheme, distribution: ShardDistribution)
  case compared([ShardComparisonRow], keys: Int, nodes: Int)
  /// `shard health`: what asking the nodes found.
  case checked(ShardCheck)
  case repaired(ShardWriteOutcome, before: ShardCheck, after: ShardHealth)
  case cleared(keys: Int)
}
