import Dispatch
import DistLab
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The baseline: two threads handing a token back and forth through the mailbox-and-park
/// primitive a node thread uses (a `Locked` queue, and a semaphore to sleep on when it is
/// empty), optionally looking for the token a while before parking, as node threads do.
enum PingPongBench {
  /// One thread's inbox.
  final class Inbox: Sendable {
    private struct State {
      var items: [Int] = []
      var sleeping = false
    }
    private let state = Locked(State())
    private let wake = DispatchSemaphore(value: 0)

    func put(_ v: Int) {
      let mustWake = state.withLock { s -> Bool in
        s.items.append(v)
        if s.sleeping {
          s.sleeping = false
          return true
        }
        return false
      }
      if mustWake { wake.signal() }
    }

    /// Moves everything waiting into `batch`, sleeping until something comes. With `look`,
    /// first keeps looking (yielding the processor between looks) for up to that many
    /// nanoseconds, as a node thread does after handling work.
    func takeAll(into batch: inout [Int], look: Int64 = 0) {
      batch.removeAll(keepingCapacity: true)
      let lookUntil = look > 0 ? BenchClock.now() + look : 0
      while true {
        let looking = lookUntil != 0 && BenchClock.now() < lookUntil
        let got = state.withLock { s -> Bool in
          if s.items.isEmpty {
            if !looking { s.sleeping = true }
            return false
          }
          swap(&batch, &s.items)
          return true
        }
        if got { return }
        if looking { sched_yield() } else { wake.wait() }
      }
    }
  }

  /// Round trips per second over about `seconds` of wall time. `look` makes each side look
  /// for the token that long before it parks (0: park at once).
  static func run(seconds: Double, look: Int64 = 0) -> Double {
    let toPeer = Inbox()
    let toMain = Inbox()
    let peer = Thread {
      var batch: [Int] = []
      while true {
        toPeer.takeAll(into: &batch, look: look)
        for v in batch {
          if v < 0 { return }
          toMain.put(v)
        }
      }
    }
    peer.stackSize = 256 * 1024
    peer.start()
    var batch: [Int] = []
    func trips(_ n: Int) {
      for i in 0..<n {
        toPeer.put(i)
        toMain.takeAll(into: &batch, look: look)
      }
    }
    trips(2_000)
    var count = 0
    let start = BenchClock.now()
    var elapsed = 0.0
    repeat {
      trips(500)
      count += 500
      elapsed = BenchClock.seconds(since: start)
    } while elapsed < seconds
    toPeer.put(-1)
    return Double(count) / elapsed
  }
}
