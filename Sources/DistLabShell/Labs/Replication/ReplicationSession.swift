import DistLab
import DistLabReplication

extension ReplicationClient: LabClient {}

extension ShellSession {
  /// The replication lab's client for the current world.
  var replication: ReplicationClient { labs.client(ReplicationClient.self, world: world) }
}
