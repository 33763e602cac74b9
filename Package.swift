// swift-tools-version: 6.0
import PackageDescription

let package = Package(
  name: "distlab",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "distlab", targets: ["distlab"]),
    .library(name: "DistLab", targets: ["DistLab"]),
    .library(name: "DistLabShell", targets: ["DistLabShell"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    .systemLibrary(
      name: "CEditLine",
      pkgConfig: "libedit",
      providers: [.apt(["libedit-dev"])]
    ),
    .target(name: "DistLab"),
    .target(name: "DistLabShell", dependencies: ["DistLab", "CEditLine"]),
    .executableTarget(
      name: "distlab",
      dependencies: [
        "DistLabShell",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(name: "DistLabTests", dependencies: ["DistLab"]),
    .testTarget(name: "DistLabShellTests", dependencies: ["DistLabShell", "DistLab"]),
    .testTarget(
      name: "TranscriptTests",
      dependencies: ["DistLabShell"]
    ),
  ],
  swiftLanguageModes: [.v6]
)
