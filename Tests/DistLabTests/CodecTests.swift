import XCTest

@testable import DistLab

/// The binary RPC codec: what goes on the wire, and that nothing on the wire can crash a reader.
final class CodecTests: XCTestCase {
  // MARK: Helpers

  /// A frame from a hand-written body: the 4-byte big-endian length, then the body.
  func framed(_ body: [UInt8]) -> [UInt8] {
    let n = UInt32(body.count)
    return [UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + body
  }

  /// A request header for method "m" with `argc` arguments following.
  func header(argc: UInt8, kind: UInt8 = 2) -> [UInt8] {
    [kind, 0, 0, 0, 0, 7, 1, 0x6d, argc]
  }

  func assertRejected(
    _ bytes: [UInt8], _ what: String, reasonContains: String? = nil,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    do {
      let f = try FrameCodec.decode(bytes)
      XCTFail("\(what): decoded \(f) instead of refusing", file: file, line: line)
    } catch {
      if let reasonContains {
        XCTAssertTrue(
          error.reason.contains(reasonContains), "\(what): reason '\(error.reason)' lacks '\(reasonContains)'",
          file: file, line: line)
      }
      XCTAssertTrue(error.description.hasPrefix("bad frame at byte \(error.offset): "), file: file, line: line)
    }
    XCTAssertThrowsError(try FrameCodec.annotate(bytes), "annotate must refuse what decode refuses: \(what)")
  }

  static let sampleValues: [Value] = [
    .null,
    .bool(true),
    .bool(false),
    .int(0),
    .int(1),
    .int(-1),
    .int(Int64.min),
    .int(Int64.max),
    .double(0),
    .double(3.25),
    .double(-1e-300),
    .double(.infinity),
    .double(-.infinity),
    .double(.greatestFiniteMagnitude),
    .double(.leastNonzeroMagnitude),
    .string(""),
    .string("hello"),
    .string("héllo wörld — 日本語 ✓ 🇫🇷 👩‍👩‍👧"),
    .string("nul\u{0}inside\nand \"quotes\""),
    .bytes([]),
    .bytes([0, 1, 0x7f, 0x80, 0xff]),
    .list([]),
    .list([.list([])]),
    .list([.int(1), .string("a"), .list([.null, .list([.bytes([9]), .double(2.5)]), .string("")])]),
    .map([]),
    .map(["a": .int(1), "b": .list([.int(2), .map(["c": .null])])]),
    .map([MapEntry(.int(7), .string("seven")), MapEntry(.list([]), .bool(true))]),
  ]

  // MARK: Round trips

  func testEveryValueKindRoundTripsAlone() throws {
    for v in Self.sampleValues {
      let frame = Frame(kind: .request, callID: 9, method: "echo", args: [v])
      XCTAssertEqual(try FrameCodec.decode(FrameCodec.encode(frame)), frame, "value \(v)")
    }
  }

  func testAllValuesTogetherRoundTrip() throws {
    for kind in [FrameKind.message, .request, .reply, .error] {
      let frame = Frame(kind: kind, flags: 0xff, callID: .max, method: "kv.put", args: Self.sampleValues)
      XCTAssertEqual(try FrameCodec.decode(FrameCodec.encode(frame)), frame)
    }
  }

  func testDoublesKeepTheirExactBits() throws {
    let nan = Double(nan: 0x1234, signaling: false)
    for d in [-0.0, 0.0, Double.nan, nan, 0.1, -Double.ulpOfOne] {
      let back = try FrameCodec.decode(FrameCodec.encode(Frame(kind: .reply, method: "x", args: [.double(d)])))
      guard case .double(let r) = back.args.first else { return XCTFail("not a double: \(back.args)") }
      XCTAssertEqual(r.bitPattern, d.bitPattern, "\(d)")
    }
  }

  func testHeaderFieldsRoundTrip() throws {
    let names = ["a", "kv.incr", "ñandú", String(repeating: "x", count: 255)]
    for name in names {
      for callID: UInt32 in [0, 1, 0x0102_0304, .max] {
        let f = Frame(kind: .error, flags: Frame.atMostOnceFlag, callID: callID, method: name, args: [])
        let back = try FrameCodec.decode(FrameCodec.encode(f))
        XCTAssertEqual(back, f)
        XCTAssertTrue(back.wantsAtMostOnce)
      }
    }
    let empty = Frame(kind: .message, method: "", args: [])
    XCTAssertEqual(try FrameCodec.decode(FrameCodec.encode(empty)), empty)
  }

  func testManyArgumentsAndLongListsAndMapsRoundTripWhole() throws {
    // At and past the short count fields' largest values: nothing is cut short.
    for n in [254, 255, 256, 1000] {
      let f = Frame(kind: .request, callID: 1, method: "echo", args: (0..<n).map { Value.int(Int64($0)) })
      XCTAssertEqual(try FrameCodec.decode(FrameCodec.encode(f)), f, "\(n) arguments")
    }
    for n in [65_534, 65_535, 65_536, 70_000] {
      let list = Value.list((0..<n).map { .int(Int64($0)) })
      let map = Value.map((0..<n).map { MapEntry(.int(Int64($0)), .bool(true)) })
      let f = Frame(kind: .reply, method: "echo", args: [list, map])
      XCTAssertEqual(try FrameCodec.decode(FrameCodec.encode(f)), f, "lists and maps of \(n)")
    }
    // The short forms stay as they were: a list of three is still tag, two count bytes, items.
    let three = FrameCodec.encode(Frame(kind: .reply, method: "", args: [.list([.null, .null, .null])]))
    XCTAssertEqual(Array(three.suffix(6)), [0x06, 0x00, 0x03, 0x00, 0x00, 0x00])
  }

  func testNestingUpToTheLimitRoundTrips() throws {
    // A list at depth 0 holding one at depth 1 … down to an empty one at depth maxDepth.
    var v = Value.list([.string("bottom")])
    for _ in 0..<(FrameCodec.maxDepth - 1) { v = .list([v]) }
    // `v` now has maxDepth list levels; its innermost value sits at depth maxDepth.
    let f = Frame(kind: .reply, method: "echo", args: [v])
    XCTAssertEqual(try FrameCodec.decode(FrameCodec.encode(f)), f)
  }

  func testMessageFrameCarriesItsText() throws {
    let f = try FrameCodec.decode(FrameCodec.encode(.message("hi ✓")))
    XCTAssertEqual(f.kind, .message)
    XCTAssertEqual(f.method, "msg")
    XCTAssertEqual(f.args, [.string("hi ✓")])
  }

  // MARK: The documented layout

  /// `add 10 20` as call number 1, byte by byte.
  static let addRequest: [UInt8] = {
    let body: [UInt8] =
      [0x02]  // kind: request
      + [0x00]  // flags: none
      + [0x00, 0x00, 0x00, 0x01]  // call id 1, big-endian
      + [0x03, 0x61, 0x64, 0x64]  // method: length 3, "add"
      + [0x02]  // two arguments
      + [0x01, 0, 0, 0, 0, 0, 0, 0, 0x0a]  // int 10: tag 1, 8 bytes big-endian
      + [0x01, 0, 0, 0, 0, 0, 0, 0, 0x14]  // int 20
    // 1 + 1 + 4 + 4 + 1 + 9 + 9 = 29 bytes follow the length.
    return [0x00, 0x00, 0x00, 0x1d] + body
  }()

  func testAddRequestHasTheDocumentedLayout() {
    let f = Frame(kind: .request, callID: 1, method: "add", args: [.int(10), .int(20)])
    XCTAssertEqual(FrameCodec.encode(f), Self.addRequest)
    XCTAssertEqual(Self.addRequest.count, 33)
  }

  func testTheWorldSendsTheDocumentedAddRequest() throws {
    let world = try makeWorld(nodes: 1)
    let out = try world.call(to: world.id("n1"), method: "add", args: [.int(10), .int(20)])
    XCTAssertEqual(out.callID, 1)
    XCTAssertEqual(out.request, Self.addRequest)
    // The reply: kind 3, same call id, method echoed, one int 30.
    let replyBody: [UInt8] =
      [0x03, 0x00, 0, 0, 0, 1, 0x03, 0x61, 0x64, 0x64, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x1e]
    XCTAssertEqual(out.reply, framed(replyBody))
  }

  func testOtherValueTagsHaveTheDocumentedLayout() {
    func argBytes(_ v: Value) -> [UInt8] {
      // Skip length (4) + header (kind, flags, call id 4, method len 1 + "m", argc) = 4 + 9.
      Array(FrameCodec.encode(Frame(kind: .message, method: "m", args: [v])).dropFirst(13))
    }
    XCTAssertEqual(argBytes(.null), [0x00])
    XCTAssertEqual(argBytes(.bool(true)), [0x03, 0x01])
    XCTAssertEqual(argBytes(.bool(false)), [0x03, 0x00])
    XCTAssertEqual(argBytes(.int(-2)), [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe])
    XCTAssertEqual(argBytes(.int(.min)), [0x01, 0x80, 0, 0, 0, 0, 0, 0, 0])
    // 1.0 is 0x3FF0_0000_0000_0000 in IEEE 754 binary64.
    XCTAssertEqual(argBytes(.double(1)), [0x04, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0])
    // "é" is two UTF-8 bytes, C3 A9.
    XCTAssertEqual(argBytes(.string("é")), [0x02, 0, 0, 0, 2, 0xc3, 0xa9])
    XCTAssertEqual(argBytes(.string("")), [0x02, 0, 0, 0, 0])
    XCTAssertEqual(argBytes(.bytes([0xab])), [0x05, 0, 0, 0, 1, 0xab])
    XCTAssertEqual(argBytes(.list([.null, .bool(true)])), [0x06, 0x00, 0x02, 0x00, 0x03, 0x01])
    // A map: tag 7, a 2-byte count of entries, then each key and its value.
    XCTAssertEqual(
      argBytes(.map(["k": .int(1)])), [0x07, 0x00, 0x01, 0x02, 0, 0, 0, 1, 0x6b, 0x01, 0, 0, 0, 0, 0, 0, 0, 1])
  }

  func testMapsKeepTheirOrderAndAreReadBackByKey() throws {
    let v = Value.map(["z": .int(1), "a": .int(2)])
    XCTAssertEqual(v.description, "{z: 1, a: 2}", "written in the order given, not sorted")
    XCTAssertEqual(v["a"], .int(2))
    XCTAssertNil(v["q"])
    let frame = Frame(kind: .reply, callID: 3, method: "m", args: [v])
    XCTAssertEqual(try FrameCodec.decode(FrameCodec.encode(frame)).args, [v])
    let fields = try FrameCodec.annotate(FrameCodec.encode(frame))
    XCTAssertEqual(fields.last?.meaning, "map {z: 1, a: 2}")
  }

  // MARK: Refusals

  func testDecodeRejectsEveryTruncation() {
    let full = FrameCodec.encode(
      Frame(kind: .request, callID: 5, method: "echo", args: Self.sampleValues))
    for n in 0..<full.count {
      assertRejected(Array(full.prefix(n)), "prefix of \(n) bytes")
      // The same cut with a length field that agrees: the body itself ends too early.
      if n > 4 { assertRejected(framed(Array(full[4..<n])), "body cut at \(n)") }
    }
  }

  func testDecodeRejectsAWrongLength() {
    let good = Self.addRequest
    var longer = good
    longer[3] += 1
    assertRejected(longer, "length one too large", reasonContains: "length")
    var shorter = good
    shorter[3] -= 1
    assertRejected(shorter, "length one too small", reasonContains: "length")
    var zero = good
    zero[3] = 0
    assertRejected(zero, "length zero")
    var huge = good
    huge[0] = 0xff
    assertRejected(huge, "length over the limit", reasonContains: "limit")
    assertRejected([0, 0, 0, 0], "an empty body")
    assertRejected([], "no bytes at all")
  }

  func testDecodeRejectsUnknownKinds() {
    for kind: UInt8 in [0, 5, 0x80, 0xff] {
      var bytes = Self.addRequest
      bytes[4] = kind
      assertRejected(bytes, "kind \(kind)", reasonContains: "kind")
    }
  }

  func testDecodeRejectsUnknownValueTagsAndPointsAtThem() {
    for tag: UInt8 in [0x08, 0x10, 0xff] {
      var bytes = Self.addRequest
      bytes[24] = tag  // the second argument's tag: 4 + 20
      XCTAssertEqual(Self.addRequest[24], 0x01)
      do {
        _ = try FrameCodec.decode(bytes)
        XCTFail("tag \(tag) accepted")
      } catch {
        XCTAssertEqual(error.offset, 24, "the error names the tag's byte")
        XCTAssertTrue(error.reason.contains("tag"), error.reason)
      }
    }
  }

  func testDecodeRejectsBadUTF8() {
    let invalid: [[UInt8]] = [
      [0xff],  // never valid
      [0xc3, 0x28],  // a lead byte followed by ASCII
      [0xc0, 0xaf],  // overlong "/"
      [0xed, 0xa0, 0x80],  // a UTF-16 surrogate
      [0x61, 0xe2, 0x82],  // cut inside a three-byte character
    ]
    for bad in invalid {
      let asString = framed(header(argc: 1) + [0x02, 0, 0, 0, UInt8(bad.count)] + bad)
      assertRejected(asString, "string \(bad)", reasonContains: "UTF-8")
      let asMethod = framed([0x02, 0, 0, 0, 0, 1, UInt8(bad.count)] + bad + [0])
      assertRejected(asMethod, "method \(bad)", reasonContains: "UTF-8")
    }
    // The same bytes are fine as a `bytes` value.
    XCTAssertEqual(
      try FrameCodec.decode(framed(header(argc: 1) + [0x05, 0, 0, 0, 1, 0xff])).args, [.bytes([0xff])])
  }

  func testDecodeRejectsStrayBytes() {
    var body = Array(Self.addRequest.dropFirst(4))
    body.append(0x00)  // could be read as a null, but argc said two arguments
    assertRejected(framed(body), "one stray byte", reasonContains: "stray")
    assertRejected(framed(body + [1, 2, 3]), "several stray bytes", reasonContains: "stray")
  }

  func testDecodeRejectsABoolThatIsNeither0Nor1() {
    assertRejected(framed(header(argc: 1) + [0x03, 0x02]), "bool 2", reasonContains: "bool")
    XCTAssertEqual(try FrameCodec.decode(framed(header(argc: 1) + [0x03, 0x01])).args, [.bool(true)])
  }

  func testDecodeRejectsNestingDeeperThanTheLimit() throws {
    func nested(_ levels: Int) -> [UInt8] {
      // `levels` lists, each holding the next; the innermost is empty.
      var arg: [UInt8] = []
      for i in 0..<levels { arg += [0x06, 0x00, i == levels - 1 ? 0x00 : 0x01] }
      return framed(header(argc: 1) + arg)
    }
    // Lists sit at depths 0…levels-1; a list at depth maxDepth may exist only when empty.
    let deepest = FrameCodec.maxDepth + 1
    let ok = try FrameCodec.decode(nested(deepest))
    var depth = 0
    var v = ok.args[0]
    while case .list(let items) = v, let first = items.first {
      depth += 1
      v = first
    }
    XCTAssertEqual(depth, FrameCodec.maxDepth)
    assertRejected(nested(deepest + 1), "one level too deep", reasonContains: "deep")
    // Far deeper than any stack could recurse: refused, not a stack overflow.
    assertRejected(nested(200_000), "200,000 levels", reasonContains: "deep")
  }

  func testDecodeRejectsLengthsLargerThanTheFrame() {
    assertRejected(framed(header(argc: 1) + [0x02, 0xff, 0xff, 0xff, 0xff, 0x61]), "string of 4 GiB")
    assertRejected(framed(header(argc: 1) + [0x05, 0x7f, 0xff, 0xff, 0xff]), "bytes of 2 GiB")
    assertRejected(framed(header(argc: 1) + [0x06, 0xff, 0xfe]), "a list of 65534 missing items")
    assertRejected(framed(header(argc: 1) + [0x06, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff]), "a list of 2 billion items")
    assertRejected(framed(header(argc: 1) + [0x07, 0xff, 0xff, 0x00, 0x01]), "a long map count cut short")
    assertRejected(framed(header(argc: 254)), "254 missing arguments")
    assertRejected(framed(header(argc: 255) + [0x10, 0, 0, 0]), "268 million missing arguments")
    assertRejected(framed([0x02, 0, 0, 0, 0, 0xff, 0x61]), "a method of 255 missing bytes")
  }

  func testEncodeNeverProducesAFrameThatDecodeRejects() {
    // A method name longer than the 255 bytes a frame holds, made of 2-byte characters:
    // whatever encode does with it, the result must still be a frame.
    let longName = String(repeating: "é", count: 200)  // 400 bytes
    let bytes = FrameCodec.encode(Frame(kind: .request, callID: 1, method: longName, args: []))
    XCTAssertNoThrow(try FrameCodec.decode(bytes), "encode cut the method name inside a character")
  }

  // MARK: Fuzzing

  func testRandomAndMutatedBytesNeverCrashAndAcceptedFramesAreCanonical() {
    var rng = SeededRandom(seed: 20_240_601, stream: 99)
    let seeds: [[UInt8]] = [
      Self.addRequest,
      FrameCodec.encode(Frame(kind: .reply, callID: 77, method: "echo", args: Self.sampleValues)),
      FrameCodec.encode(.message("hello")),
      FrameCodec.encode(Frame(kind: .error, callID: 3, method: "fail", args: [.string("boom")])),
    ]
    var accepted = 0
    for i in 0..<10_000 {
      var bytes: [UInt8]
      if i % 4 == 0 {
        // Pure noise, with a correct length field half the time.
        let n = Int(rng.next() % 48)
        bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        if i % 8 == 0 { bytes = framed(bytes) }
      } else {
        bytes = seeds[Int(rng.next() % UInt64(seeds.count))]
        for _ in 0...(rng.next() % 4) {
          guard !bytes.isEmpty else { break }
          let at = Int(rng.next() % UInt64(bytes.count))
          switch rng.next() % 5 {
          case 0: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
          case 1: bytes[at] ^= 1 << UInt8(rng.next() % 8)
          case 2: bytes.remove(at: at)
          case 3: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
          default: bytes = Array(bytes.prefix(at))
          }
        }
        // Usually repair the length so the mutation reaches the body.
        if rng.next() % 4 != 0 && bytes.count >= 4 { bytes = framed(Array(bytes.dropFirst(4))) }
      }
      do {
        let frame = try FrameCodec.decode(bytes)
        accepted += 1
        // Every accepted frame has exactly one spelling: encoding it gives the same bytes.
        XCTAssertEqual(FrameCodec.encode(frame), bytes, "case \(i)")
        let fields = try FrameCodec.annotate(bytes)
        XCTAssertEqual(fields.flatMap(\.bytes), bytes, "case \(i)")
      } catch {
        XCTAssertGreaterThanOrEqual(error.offset, 0)
        XCTAssertLessThanOrEqual(error.offset, bytes.count)
        XCTAssertThrowsError(try FrameCodec.annotate(bytes))
      }
    }
    // The fuzzer must reach both sides, or it tests nothing.
    XCTAssertGreaterThan(accepted, 100)
    XCTAssertLessThan(accepted, 9_000)
  }

  // MARK: Annotation

  func testAnnotateExplainsTheAddRequest() throws {
    let fields = try FrameCodec.annotate(Self.addRequest)
    XCTAssertEqual(fields.map(\.name), ["length", "kind", "flags", "call id", "method", "args", "arg 1", "arg 2"])
    XCTAssertEqual(fields.map(\.bytes.count), [4, 1, 1, 4, 4, 1, 9, 9])
    XCTAssertEqual(
      fields.map(\.meaning)[0...5], ["29 bytes follow", "request", "none", "rpc#1", "3 bytes \"add\"", "2 arguments"])
    XCTAssertEqual(fields[6].meaning, "int 10")
    XCTAssertEqual(fields[7].meaning, "int 20")
  }

  func testAnnotatedFieldsConcatenateBackToTheInput() throws {
    let frames = [
      Frame(kind: .request, flags: 1, callID: 12, method: "kv.put", args: [.string("k"), .list([.int(1), .null])]),
      Frame(kind: .reply, callID: 1, method: "echo", args: Self.sampleValues),
      Frame.message(""),
      Frame(kind: .error, method: "", args: []),
    ]
    for f in frames {
      let bytes = FrameCodec.encode(f)
      let fields = try FrameCodec.annotate(bytes)
      XCTAssertEqual(fields.flatMap(\.bytes), bytes)
      var offset = 0
      for field in fields {
        XCTAssertEqual(field.offset, offset, field.name)
        XCTAssertFalse(field.bytes.isEmpty, field.name)
        offset += field.bytes.count
      }
      XCTAssertEqual(fields.filter { $0.name.hasPrefix("arg ") }.count, f.args.count)
    }
    let flagged = try FrameCodec.annotate(FrameCodec.encode(frames[0]))
    XCTAssertEqual(flagged.first { $0.name == "flags" }?.meaning, "at-most-once")
  }
}
