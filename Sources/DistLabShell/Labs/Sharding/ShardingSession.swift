import DistLab
import DistLabSharding

extension ShardingClient: LabClient {}

extension ShellSession {
  /// The sharding lab's client for the current world.
  var sharding: ShardingClient { labs.client(ShardingClient.self, world: world) }
}
