// swift-tools-version:6.0
// Salience: find the task-relevant subspace of large pretrained embeddings, and prove it by retraining
// small models on it. See README.md for the two commands and docs/architecture.md for the design.
import PackageDescription

/// Numeric targets are optimised even in debug builds: the test suite trains real models and scores real
/// data, and unoptimised Swift is 10-50x slower on those loops.
let optimised: [SwiftSetting] = [.unsafeFlags(["-O"])]

let package = Package(
    name: "Salience",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "salience", targets: ["salience"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // C libraries, found with pkg-config; installed by ops/setup.
        .systemLibrary(
            name: "CZeroMQ", pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(
            name: "CHDF5", pkgConfig: "hdf5-serial",
            providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(
            name: "CLibDeflate", pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"])]),
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),

        // Thin Swift modules over the C libraries; they know nothing of Salience.
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),
        .target(name: "HDF5", dependencies: ["CHDF5", "CLibDeflate"], swiftSettings: optimised),

        // Salience's own rooms, one job each (see docs/architecture.md).
        // What several rooms share: seeded generators, Chan's pairwise merge, OpenBLAS's runtime, Float64 bytes.
        .target(name: "Numerics", dependencies: ["COpenBLAS"], swiftSettings: optimised),
        .target(name: "Shards", dependencies: ["HDF5", "Numerics"], swiftSettings: optimised),
        .target(name: "Saliency", dependencies: ["COpenBLAS", "HDF5", "Numerics"], swiftSettings: optimised),
        .target(name: "Learn", dependencies: ["COpenBLAS", "HDF5", "Shards", "Numerics"], swiftSettings: optimised),
        // The streaming pass over shards into pooled observations, and the scores job built on it.
        .target(name: "Scoring", dependencies: ["Numerics", "Shards", "Saliency"], swiftSettings: optimised),
        .target(
            name: "Attribution", dependencies: ["Learn", "Shards", "Saliency", "Numerics"], swiftSettings: optimised),
        .target(
            name: "Cluster",
            dependencies: [
                "ZeroMQ",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),
        // The scan's vocabulary as values (spec, task bodies, results); Reports draws it, Scan runs it.
        .target(name: "ScanModel", dependencies: ["Numerics", .product(name: "TOMLKit", package: "TOMLKit")]),
        // libdeflate for the PNG pixel grids of heat maps (zlib stream and CRC32).
        .target(name: "Reports", dependencies: ["ScanModel", "CLibDeflate"]),
        .target(
            name: "Scan",
            dependencies: [
                "ScanModel", "Reports", "Numerics", "Shards", "Saliency", "Scoring", "Learn", "Attribution", "Cluster",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "salience",
            dependencies: [
                "Numerics", "Shards", "Saliency", "Scoring", "Learn", "Attribution", "Cluster", "Scan", "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Test helpers shared by the test targets (package root, built binaries, reference venv, ../shared).
        .target(name: "TestSupport", path: "Sources/TestSupport"),
        // Fixtures several test targets share: a realistic scan's results, shards with non-finite frames.
        .target(name: "TestFixtures", dependencies: ["ScanModel", "Numerics", "HDF5"], path: "Tests/TestFixtures"),

        // One test target per library target, plus end-to-end tests of the command line.
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ", "TestSupport"]),
        .testTarget(name: "NumericsTests", dependencies: ["Numerics", "TestSupport"]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TestSupport"], exclude: ["Python"]),
        .testTarget(name: "ShardsTests", dependencies: ["Shards", "HDF5", "Numerics", "TestSupport"], exclude: ["Python"]),
        .testTarget(
            name: "SaliencyTests", dependencies: ["Saliency", "Shards", "HDF5", "Numerics", "TestSupport"],
            exclude: ["Python"], swiftSettings: optimised),
        .testTarget(
            name: "ScoringTests",
            dependencies: ["Scoring", "Saliency", "Shards", "HDF5", "Numerics", "TestFixtures", "TestSupport"],
            swiftSettings: optimised),
        .testTarget(
            name: "LearnTests", dependencies: ["Learn", "Shards", "HDF5", "Numerics", "TestSupport"],
            exclude: ["Python"],
            swiftSettings: optimised),
        .testTarget(
            name: "AttributionTests", dependencies: ["Attribution", "Learn", "Shards", "Saliency", "Numerics", "TestSupport"],
            exclude: ["Python"], swiftSettings: optimised),
        .testTarget(
            name: "ClusterTests",
            dependencies: [
                "Cluster", "ZeroMQ", "TestSupport", "salience", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["Python"]),
        .testTarget(
            name: "ScanTests",
            dependencies: ["Scan", "Reports", "Shards", "HDF5", "Saliency", "Cluster", "Numerics", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "ScanModel", "TestFixtures", "TestSupport"]),
        .testTarget(
            name: "SalienceCLITests",
            dependencies: [
                "salience", "Reports", "Scan", "ScanModel", "Shards", "Saliency", "Learn", "Cluster", "HDF5", "Numerics",
                "TestFixtures", "TestSupport",
            ],
            exclude: ["Python", "Golden", "Hostile"]),
    ],
    swiftLanguageModes: [.v5]
)

// Fuzz targets (ops/fuzz): only when SALIENCE_FUZZ is set, so that ordinary builds never see them (each is
// linked with libFuzzer's `main`, which exists only under `--sanitize=fuzzer`). ops/fuzz builds them into
// their own scratch path, `.build-fuzz`, with `@testable` access to Cluster's internal decoders.
if Context.environment["SALIENCE_FUZZ"] != nil {
    for (name, path, dependencies) in [
        ("fuzz-wire", "ops/fuzz/targets/wire", ["Cluster", "ZeroMQ"]),
        ("fuzz-scan-spec", "ops/fuzz/targets/scan-spec", ["Scan"]),
        ("fuzz-shard", "ops/fuzz/targets/shard", ["Shards", "HDF5"]),
    ] as [(String, String, [Target.Dependency])] {
        package.targets.append(.executableTarget(name: name, dependencies: dependencies, path: path))
        package.products.append(.executable(name: name, targets: [name]))
    }
}
