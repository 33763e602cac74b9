// swift-tools-version: 6.0
import PackageDescription

/// The event loop's modules skip Swift's run-time exclusivity checks in release builds: the
/// sim engine and the labs' handlers touch class fields millions of times a second, and the
/// checks cost a fifth of the sim engine's time there. Debug builds, and so the tests, keep them.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

/// The Paxos model checker explores millions of states for one `paxos check`; the lesson,
/// transcript and command tests run several, so it is optimized in debug builds too (it took
/// a fifth of the test suite's time unoptimized).
let modelChecker: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
  name: "distlab",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "distlab", targets: ["distlab"]),
    .library(name: "DistLab", targets: ["DistLab"]),
    .library(name: "DistLabSharding", targets: ["DistLabSharding"]),
    .library(name: "DistLabTasks", targets: ["DistLabTasks"]),
    .library(name: "DistLabReplication", targets: ["DistLabReplication"]),
    .library(name: "DistLabDetection", targets: ["DistLabDetection"]),
    .library(name: "DistLabConsensus", targets: ["DistLabConsensus"]),
    .library(name: "DistLabService", targets: ["DistLabService"]),
    .library(name: "DistLabHadoop", targets: ["DistLabHadoop"]),
    .library(name: "DistLabTasksRedis", targets: ["DistLabTasksRedis"]),
    .library(name: "DistLabShell", targets: ["DistLabShell"]),
    .library(name: "DistLabNet", targets: ["DistLabNet"]),
    .library(name: "DistLabRedis", targets: ["DistLabRedis"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
  ],
  targets: [
    .systemLibrary(
      name: "CEditLine",
      pkgConfig: "libedit",
      providers: [.apt(["libedit-dev"])]
    ),
    .target(name: "DistLab", swiftSettings: hotPath),
    // System calls Swift cannot make itself (variadic C functions).
    .target(name: "CSys", path: "Sources/CSys"),
    // Nodes as OS processes speaking the frame codec over TCP.
    .target(
      name: "DistLabNet",
      dependencies: [
        "DistLab", "CSys", .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      path: "Sources/Net"),
    // A Redis client (RESP2 over SwiftNIO) for the task lab's real broker.
    .target(
      name: "DistLabRedis",
      dependencies: [
        "DistLab", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
      ],
      path: "Sources/Redis"),
    // Labs: each a client of the world's public API, in a module of its own.
    .target(name: "DistLabSharding", dependencies: ["DistLab"], path: "Sources/Labs/Sharding"),
    .target(name: "DistLabTasks", dependencies: ["DistLab"], path: "Sources/Labs/Tasks", swiftSettings: hotPath),
    .target(name: "DistLabReplication", dependencies: ["DistLab"], path: "Sources/Labs/Replication"),
    .target(name: "DistLabDetection", dependencies: ["DistLab"], path: "Sources/Labs/Detection"),
    .target(
      name: "DistLabConsensus", dependencies: ["DistLab"], path: "Sources/Labs/Consensus", swiftSettings: modelChecker),
    .target(name: "DistLabService", dependencies: ["DistLab"], path: "Sources/Labs/Service"),
    .target(name: "DistLabHadoop", dependencies: ["DistLab"], path: "Sources/Labs/Hadoop", swiftSettings: hotPath),
    // The task lab against a real Redis, as Celery's peer.
    .target(
      name: "DistLabTasksRedis", dependencies: ["DistLab", "DistLabTasks", "DistLabRedis"],
      path: "Sources/TasksRedis"),
    .target(
      name: "DistLabShell",
      dependencies: [
        "DistLab", "DistLabSharding", "DistLabTasks", "DistLabReplication", "DistLabDetection", "DistLabConsensus",
        "DistLabService", "DistLabHadoop", "DistLabNet", "DistLabRedis", "DistLabTasksRedis",
        "CEditLine",
      ]
    ),
    .executableTarget(
      name: "distlab",
      dependencies: [
        "DistLabShell", "DistLabNet",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(name: "DistLabTests", dependencies: ["DistLab"]),
    .testTarget(name: "DistLabShardingTests", dependencies: ["DistLab", "DistLabSharding", "DistLabShell"]),
    .testTarget(
      name: "DistLabShellTests",
      dependencies: ["DistLabShell", "DistLab", "DistLabSharding", "DistLabNet", "DistLabRedis"]),
    .testTarget(name: "DistLabTasksTests", dependencies: ["DistLab", "DistLabTasks", "DistLabShell"]),
    .testTarget(name: "DistLabReplicationTests", dependencies: ["DistLab", "DistLabReplication"]),
    .testTarget(name: "DistLabDetectionTests", dependencies: ["DistLab", "DistLabDetection"]),
    .testTarget(name: "DistLabConsensusTests", dependencies: ["DistLab", "DistLabConsensus"]),
    .testTarget(name: "DistLabServiceTests", dependencies: ["DistLab", "DistLabService"]),
    .testTarget(name: "DistLabHadoopTests", dependencies: ["DistLab", "DistLabHadoop"]),
    .testTarget(name: "DistLabNetTests", dependencies: ["DistLab", "DistLabNet"]),
    .testTarget(name: "DistLabRedisTests", dependencies: ["DistLab", "DistLabRedis"]),
    .testTarget(
      name: "DistLabTasksRedisTests",
      dependencies: ["DistLab", "DistLabTasks", "DistLabRedis", "DistLabTasksRedis", "DistLabShell"]),
    .testTarget(
      name: "TranscriptTests",
      dependencies: ["DistLabShell"]
    ),
  ],
  swiftLanguageModes: [.v6]
)
