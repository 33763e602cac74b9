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
  case health(ShardHealth)
  case repaired(ShardWriteOutcome, before: ShardHealth, after: ShardHealth)
  case cleared(keys: Int)
}
