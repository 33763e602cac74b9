import DistLab
import DistLabNet
import Foundation

/// Nodes as OS processes: `distlab node` started as children on loopback. One figure is a
/// call's round trip from this process to a node, timed on the wall clock around the request
/// and its answer; the other, messages a second among relay processes passing messages to each
/// other at random.
enum ProcessBench {
  struct Result {
    var p50Micros: Double
    var p99Micros: Double
    var calls: Int
    var failures: Int
  }

  enum Failure: Error, CustomStringConvertible {
    case noExecutable
    case noStart(String)
    case noConnection
    var description: String {
      switch self {
      case .noExecutable: "the distlab executable was not found"
      case .noStart(let why): "the node process did not start: \(why)"
      case .noConnection: "could not connect to the node process"
      }
    }
  }

  /// Starts `distlab node` (this executable) on a free loopback port: the process and its port.
  static func start(name: String, role: String? = nil) throws -> (Process, Int) {
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    guard FileManager.default.isExecutableFile(atPath: exe.path) else { throw Failure.noExecutable }
    let p = Process()
    p.executableURL = exe
    p.arguments = ["node", "--listen", "127.0.0.1:0", "--name", name] + (role.map { ["--role", $0] } ?? [])
    let out = Pipe()
    p.standardOutput = out
    p.standardError = Pipe()
    try p.run()
    let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
    let port = line.split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    guard let port else {
      stop(p)
      throw Failure.noStart(line.isEmpty ? "no output" : line)
    }
    return (p, port)
  }

  static func stop(_ p: Process) {
    p.terminate()
    p.waitUntilExit()
  }

  static func run(calls: Int) throws -> Result {
    let (p, port) = try start(name: "bench")
    defer { stop(p) }
    guard let client = FrameClient(port: port) else { throw Failure.noConnection }
    var failures = 0
    func call(_ i: Int) -> Int64 {
      let start = BenchClock.now()
      let answer = client.call("add", [.int(Int64(i)), .int(1)])
      let took = BenchClock.now() - start
      if answer?.args != [.int(Int64(i) + 1)] { failures += 1 }
      return took
    }
    for i in 0..<min(500, calls) { _ = call(i) }
    failures = 0
    var samples: [Int64] = []
    samples.reserveCapacity(calls)
    for i in 0..<calls { samples.append(call(i)) }
    let (p50, p99) = LatencyPercentiles.of(samples)
    return Result(p50Micros: p50, p99Micros: p99, calls: calls, failures: failures)
  }

  /// Messages a second among `count` relay processes passing `perNode` messages each around
  /// at random, counted from their `ctl.status` over `seconds`.
  static func throughput(processes count: Int, perNode: Int, seconds: Double) throws -> Double {
    var started: [(Process, Int)] = []
    defer { for (p, _) in started { stop(p) } }
    for i in 1...count { started.append(try start(name: "r\(i)", role: "relay")) }
    var shells: [FrameClient] = []
    for (_, port) in started {
      guard let c = FrameClient(port: port) else { throw Failure.noConnection }
      shells.append(c)
    }
    let everyone: [Value] = started.enumerated().map { i, s in
      .list([.int(Int64(i + 1)), .string("127.0.0.1"), .int(Int64(s.1))])
    }
    for (i, shell) in shells.enumerated() {
      guard shell.call("ctl.peers", [.int(Int64(i + 1)), .list(everyone)])?.kind == .reply else {
        throw Failure.noConnection
      }
    }
    // Each relay is handed its messages as the shell's `send` from it to the next relay.
    for (i, shell) in shells.enumerated() {
      let next = Int64(i + 1 == count ? 1 : i + 2)
      for _ in 0..<perNode { _ = shell.call("ctl.send", [.int(next), .string("\(count)")]) }
    }
    func total() -> Double {
      shells.reduce(0.0) { sum, shell in
        let metrics = shell.call("ctl.status", [])?.args.dropFirst(7).first?.listValue ?? []
        for m in metrics {
          if let l = m.listValue, l.count == 2, l[0] == .string("received"), case .double(let v) = l[1] {
            return sum + v
          }
        }
        return sum
      }
    }
    usleep(300_000)
    let t0 = BenchClock.now()
    let before = total()
    usleep(UInt32(seconds * 1e6))
    let after = total()
    return (after - before) / (Double(BenchClock.now() - t0) / 1e9)
  }
}
