import DistLab

/// A task message as the broker holds it: the value it was published as, kept whole so that
/// writing it to disk and delivering it build nothing new (a Redis broker stores and hands out
/// the bytes it was given), and the few fields the broker itself reads.
struct QueuedMessage {
  var value: Value
  var id: String
  var task: String
  var queue: String

  /// The message in `value`, or nil when it is not a task message: a map with a text `id`,
  /// `task` and `queue` and a list of `args`, the first entry of each key counting.
  init?(_ value: Value) {
    guard let fields = TaskMessageFields(value), let id = fields.id?.stringValue, let task = fields.task?.stringValue,
      case .list? = fields.args,
      let queue = fields.queue?.stringValue
    else { return nil }
    self.value = value
    self.id = id
    self.task = task
    self.queue = queue
  }

  init(_ message: TaskMessage) {
    value = message.value
    id = message.id
    task = message.task
    queue = message.queue
  }

  /// The same message marked redelivered, as the broker puts it back after a restore or a
  /// reject with requeue.
  var redelivered: QueuedMessage {
    guard var message = TaskMessage(value) else { return self }
    message.redelivered = true
    return QueuedMessage(message)
  }
}
