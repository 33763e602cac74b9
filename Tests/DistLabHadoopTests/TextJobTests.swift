import DistLab
import DistLabHadoop
import Foundation
import XCTest

/// Jobs over real text: the examples jar's word count, grep and sort, checked against a plain
/// in-memory computation, over splits whose lines cross block boundaries, in all three modes.
final class TextJobTests: XCTestCase {
  /// The text the lessons ship, as students' jobs read it.
  static let primer: [UInt8] = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    return Array((try? Data(contentsOf: root.appendingPathComponent("Lessons/texts/fallacies.txt"))) ?? Data())
  }()

  /// Word count as anyone would write it: split on whitespace, count.
  static func wordCount(_ bytes: [UInt8]) -> [String: Int64] {
    var counts: [String: Int64] = [:]
    for w in String(decoding: bytes, as: UTF8.self).split(whereSeparator: { " \t\n\r\u{0C}".contains($0) }) {
      counts[String(w), default: 0] += 1
    }
    return counts
  }

  /// `word TAB count` lines back into counts.
  static func parse(_ text: [UInt8]) -> [String: Int64] {
    var out: [String: Int64] = [:]
    for line in String(decoding: text, as: UTF8.self).split(separator: "\n") {
      let f = line.split(separator: "\t")
      if f.count == 2, let n = Int64(f[1]) { out[String(f[0]), default: 0] += n }
    }
    return out
  }

  func testSplitsReadEveryLineOnceWhereverTheBlocksEnd() {
    var rng = SeededRandom(seed: 7)
    for _ in 0..<300 {
      let lines = (0..<Int(rng.next() % 12)).map { _ in
        String(repeating: "x", count: Int(rng.next() % 9)) + (rng.next() % 4 == 0 ? "\r" : "")
      }
      var text = Array(lines.joined(separator: "\n").utf8)
      if rng.next() % 2 == 0, !lines.isEmpty { text += [10] }
      let size = 1 + Int(rng.next() % 7)
      var read: [String] = []
      var start = 0
      while start < text.count {
        let end = min(text.count, start + size)
        // The split reads on, block after block if it must, to the end of its last line.
        let next = end < text.count ? TextSplit.firstLine(Array(text[end...])) : nil
        read += TextSplit.lines(Array(text[start..<end]), next: next, first: start == 0).map {
          String(decoding: $0, as: UTF8.self)
        }
        start = end
      }
      // Every line of the text once: a final newline ends the last line, it does not start one.
      var expected = text.split(separator: 10, omittingEmptySubsequences: false).map {
        String(decoding: $0.last == 13 ? $0.dropLast() : $0, as: UTF8.self)
      }
      if text.last == 10 || text.isEmpty { expected.removeLast() }
      XCTAssertEqual(read, expected, "lines \(lines), blocks of \(size)")
    }
  }

  func testThePartitionerIsHadoops() {
    // Text("hello").hashCode() = WritableComparator.hashBytes = 31^5 + "hello".hashCode() = 127791473.
    XCTAssertEqual(JobProgram.partition("hello", reducers: 3), 127_791_473 % 3)
    XCTAssertEqual(JobProgram.partition("hello", reducers: 7), 127_791_473 % 7)
    for r in 1...5 { XCTAssertTrue((0..<r).contains(JobProgram.partition("über", reducers: r))) }
  }

  func cluster(_ mode: HadoopMode, seed: UInt64 = 3) throws -> (World, HDFSClient) {
    var config = WorldConfig()
    config.seed = seed
    let world = World(config: config, roles: RoleCatalog(HDFSClient.roles))
    let hdfs = HDFSClient(world: world)
    if mode != .distributed { _ = try hdfs.change(to: mode) }
    if mode != .standalone {
      _ = try hdfs.start(datanodes: 5, racks: 2, mapreduce: true) { s in
        s.blockSize = 2048
        s.heartbeat = .seconds(1)
        s.recheck = .seconds(10)
        s.trackerExpiry = .seconds(20)
      }
      guard case .success = try hdfs.put("/text", size: 0, replication: nil, text: Self.primer) else {
        throw XCTSkip("put failed")
      }
    } else {
      _ = hdfs.putLocal("/text", Self.primer)
    }
    return (world, hdfs)
  }

  /// Runs `program` and answers each part file's bytes, in order.
  func run(_ program: JobProgram, _ mode: HadoopMode, reducers: Int, kill: Bool = false) throws -> [[UInt8]] {
    let (world, hdfs) = try cluster(mode)
    if mode == .standalone {
      guard case .success = hdfs.runLocal(program, input: ["/text"], output: "/out", reducers: reducers) else {
        XCTFail("local job")
        return []
      }
      return [hdfs.localFiles["/out/part-00000"] ?? []]
    }
    guard case .success = try hdfs.submit(input: ["/text"], output: "/out", reducers: reducers, program: program) else {
      XCTFail("submit")
      return []
    }
    if kill {
      _ = try world.advance(by: .milliseconds(700))
      guard case .success(let jobs) = try hdfs.jobs(), let t = jobs[0].maps.compactMap(\.tracker).first else {
        XCTFail("no map started")
        return []
      }
      _ = try world.kill([t])
    }
    _ = try world.advance(by: .seconds(kill ? 90 : 30))
    guard case .success(let jobs) = try hdfs.jobs(), let job = jobs.last else { return [] }
    XCTAssertTrue(job.complete, "\(program) in \(mode) mode")
    if kill { XCTAssertGreaterThan(job.killed, 0) }
    return try (0..<reducers).map { k in
      guard case .success(let reads) = try hdfs.read(String(format: "/out/part-%05d", k)) else {
        XCTFail("read part \(k)")
        return []
      }
      return reads.flatMap { $0.bytes ?? [] }
    }
  }

  func testWordCountEqualsTheInMemoryCountOnThePrimer() throws {
    XCTAssertGreaterThan(Self.primer.count, 8000, "the lessons' text is there")
    let expected = Self.wordCount(Self.primer)
    let parts = try run(.wordcount, .distributed, reducers: 3)
    var merged: [String: Int64] = [:]
    for (k, part) in parts.enumerated() {
      let counts = Self.parse(part)
      XCTAssertTrue(counts.keys.allSatisfy { JobProgram.partition($0, reducers: 3) == k }, "part \(k) holds its keys")
      let keys = String(decoding: part, as: UTF8.self).split(separator: "\n").map {
        String($0.split(separator: "\t")[0])
      }
      XCTAssertEqual(keys, keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, "each part sorted")
      merged.merge(counts) { a, b in a + b }
    }
    XCTAssertEqual(merged, expected)
    XCTAssertGreaterThan(expected.count, 500, "a real vocabulary")
  }

  func testGrepAndSortEqualThePlainComputation() throws {
    let text = String(decoding: Self.primer, as: UTF8.self)
    let re = try NSRegularExpression(pattern: "net[a-z]*")
    var matches: [String: Int64] = [:]
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let s = String(line)
      for m in re.matches(in: s, range: NSRange(location: 0, length: (s as NSString).length)) {
        matches[(s as NSString).substring(with: m.range), default: 0] += 1
      }
    }
    let grep = try run(.grep("net[a-z]*"), .distributed, reducers: 1)[0]
    let lines = String(decoding: grep, as: UTF8.self).split(separator: "\n")
    XCTAssertEqual(lines.first, "\(matches["network"]!)\tnetwork", "the most frequent match first")
    var got: [String: Int64] = [:]
    for l in lines {
      let f = l.split(separator: "\t")
      got[String(f[1])] = Int64(f[0])
    }
    XCTAssertEqual(got, matches)

    let sorted = try run(.sort, .distributed, reducers: 1)[0]
    var expected = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if expected.last == "" { expected.removeLast() }
    expected.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    XCTAssertEqual(String(decoding: sorted, as: UTF8.self), expected.map { $0 + "\n" }.joined())
  }

  func testTheSameJobGivesTheSameOutputInAllThreeModes() throws {
    let standalone = try run(.wordcount, .standalone, reducers: 1)
    let pseudo = try run(.wordcount, .pseudo, reducers: 1)
    let distributed = try run(.wordcount, .distributed, reducers: 1)
    XCTAssertFalse(standalone[0].isEmpty)
    XCTAssertEqual(standalone, pseudo)
    XCTAssertEqual(pseudo, distributed)
    // The LocalJobRunner allows one reducer, whatever the job asks; the counts are the same.
    let three = try run(.wordcount, .standalone, reducers: 3)
    XCTAssertEqual(three, standalone)
  }

  func testAWordCountSurvivesALostTaskTracker() throws {
    let parts = try run(.wordcount, .distributed, reducers: 2, kill: true)
    var merged: [String: Int64] = [:]
    for p in parts { merged.merge(Self.parse(p)) { a, b in a + b } }
    XCTAssertEqual(merged, Self.wordCount(Self.primer))
  }

  func testAJobOverAFilePutBySizeIsRefused() throws {
    let (_, hdfs) = try cluster(.distributed)
    guard case .success = try hdfs.put("/sized", size: 1 << 20, replication: nil) else { return XCTFail() }
    guard
      case .failure(.refused(let why)) = try hdfs.submit(
        input: ["/sized"], output: "/o", reducers: 1, program: .wordcount)
    else { return XCTFail("a word count over sizes ran") }
    XCTAssertTrue(why.contains("was put by size and holds no text"), why)
  }

  func testAModeChangeIsRefusedWhileAJobRuns() throws {
    let (world, hdfs) = try cluster(.distributed)
    guard case .success(let id) = try hdfs.submit(input: ["/text"], output: "/o", reducers: 1, program: .wordcount)
    else { return XCTFail() }
    XCTAssertEqual(try hdfs.change(to: .pseudo), .failure(.jobRunning(id)))
    _ = try world.advance(by: .seconds(30))
    guard case .success(let stopped) = try hdfs.change(to: .pseudo) else { return XCTFail() }
    XCTAssertEqual(stopped.count, 8, "nn, snn, jt and five slaves")
    XCTAssertTrue(stopped.allSatisfy { world.info($0)?.status == .down })
    XCTAssertNil(hdfs.namenode)
  }
}
