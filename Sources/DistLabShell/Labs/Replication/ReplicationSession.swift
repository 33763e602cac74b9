import DistLab
import DistLabReplication

extension ReplicationClient: LabClient {}
extension StoreClient: LabClient {}
extension PubSubClient: LabClient {}

extension ShellSession {
  /// The replication lab's client for the current world.
  var replication: ReplicationClient { labs.client(ReplicationClient.self, world: world) }
  /// The replicated store's client for the current world.
  var store: StoreClient { labs.client(StoreClient.self, world: world) }
  /// The publish-subscribe lab's client for the current world.
  var pubsub: PubSubClient { labs.client(PubSubClient.self, world: world) }
}
