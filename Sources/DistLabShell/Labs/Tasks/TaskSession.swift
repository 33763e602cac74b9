import DistLab
import DistLabTasks

extension TaskClient: LabClient {}

extension ShellSession {
  /// The task lab's client for the current world.
  var tasks: TaskClient { labs.client(TaskClient.self, world: world) }
}
