import DistLab
import DistLabConsensus
import DistLabDetection
import DistLabHadoop
import DistLabReplication
import DistLabService
import DistLabTasks

extension RoleCatalog {
  /// Every role the shell can spawn: the one place a lab adds its roles. The first is what a
  /// node spawned without `--role` runs.
  public static let builtIn = RoleCatalog(
    [StandardNode.role] + TaskRoles.all + [
      StoreClient.role, StoreClient.workloadRole, PubSubClient.brokerRole, PubSubClient.subscriberRole,
      DetectionClient.role,
    ] + PaxosClient.roles + [VoteClient.role] + ServiceClient.roles + HDFSClient.roles)
}
