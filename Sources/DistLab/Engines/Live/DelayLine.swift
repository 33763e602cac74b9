import Dispatch
import Foundation

/// A thread that releases delayed messages and timers when they fall due.
final class DelayLine: Sendable {
  enum Item: Sendable {
    case message(Envelope, LiveRouter)
    case timer(NodeThread, token: UInt64, incarnation: Int)
  }
  private struct Entry: Sendable {
    var due: Int64
    var seq: UInt64
    var item: Item
  }
  private struct State {
    var heap = BinaryHeap<Entry> { ($0.due, $0.seq) < ($1.due, $1.seq) }
    var seq: UInt64 = 0
    var stopped = false
  }
  private let state = Locked(State())
  private let wake = DispatchSemaphore(value: 0)

  init() {
    let thread = Thread { [self] in self.loop() }
    thread.stackSize = 256 * 1024
    thread.start()
  }

  func schedule(at due: Int64, _ item: Item) {
    let wasFirst = state.withLock { s -> Bool in
      s.seq += 1
      s.heap.insert(Entry(due: due, seq: s.seq, item: item))
      return s.heap.min?.seq == s.seq
    }
    if wasFirst { wake.signal() }
  }

  func stop() {
    // Dropping what still waits also breaks the cycle router → delay line → message → router.
    state.withLock {
      $0.stopped = true
      $0.heap.removeAll()
    }
    wake.signal()
  }

  private func loop() {
    while true {
      var ready: [Item] = []
      var next: Int64? = nil
      let stopped = state.withLock { s -> Bool in
        let now = monotonicNanos()
        while let top = s.heap.min, top.due <= now {
          ready.append(top.item)
          _ = s.heap.popMin()
        }
        next = s.heap.min?.due
        return s.stopped
      }
      if stopped { return }
      for item in ready {
        switch item {
        case .message(let env, let router): router.deliverNow(env, table: router.snapshot())
        case .timer(let thread, let token, let incarnation):
          thread.submit(.timer(token: token, incarnation: incarnation))
        }
      }
      if !ready.isEmpty { continue }
      if let next {
        let wait = max(0, next - monotonicNanos())
        _ = wake.wait(timeout: .now() + .nanoseconds(Int(min(wait, 1_000_000_000))))
      } else {
        wake.wait()
      }
    }
  }
}
