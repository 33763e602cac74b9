import DistLab

/// The task lab's roles, as the shell's role catalogue adds them.
public enum TaskRoles {
  public static let broker = Role(
    "broker", summary: "task queues with Redis-style ack emulation (the task lab)", services: { [BrokerService()] })
  public static let worker = Role(
    "worker", summary: "a Celery-style worker: prefetch, slots, early or late ack (the task lab)",
    services: { [WorkerService()] })
  public static let backend = Role(
    "backend", summary: "a result backend: each task's latest state (the task lab)", services: { [BackendService()] })
  public static let beat = Role(
    "beat", summary: "a beat scheduler that publishes periodic tasks (the task lab)", services: { [BeatService()] })
  public static let all = [broker, worker, backend, beat]
}
