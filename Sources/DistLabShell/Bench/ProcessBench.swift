import DistLab
import DistLabNet
import Foundation

/// A node as an OS process: `distlab node` started as a child on loopback, and calls from this
/// process to it over TCP, each timed on the wall clock around the request and its answer.
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

  static func run(calls: Int) throws -> Result {
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    guard FileManager.default.isExecutableFile(atPath: exe.path) else { throw Failure.noExecutable }
    let p = Process()
    p.executableURL = exe
    p.arguments = ["node", "--listen", "127.0.0.1:0", "--name", "bench"]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = Pipe()
    try p.run()
    defer {
      p.terminate()
      p.waitUntilExit()
    }
    let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
    guard
      let port = line.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
    else { throw Failure.noStart(line.isEmpty ? "no output" : line) }
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
    samples.sort()
    func percentile(_ q: Double) -> Double {
      let rank = Int((q * Double(samples.count)).rounded(.up))
      return Double(samples[max(0, min(samples.count - 1, rank - 1))]) / 1e3
    }
    return Result(p50Micros: percentile(0.5), p99Micros: percentile(0.99), calls: calls, failures: failures)
  }
}
