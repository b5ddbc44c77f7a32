// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "modelserve",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "modelserve", targets: ["modelserve"]),
        .library(name: "Storage", targets: ["Storage"]),
        .library(name: "Learning", targets: ["Learning"]),
        .library(name: "Registry", targets: ["Registry"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
        .executable(name: "BenchTrain", targets: ["BenchTrain"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // System libraries: a module map and a shim header each, no logic.
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // Parquet's codecs.
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // Migrations are SQL files at the top of the repository; the plugin embeds them in
        // the binary so that `modelserve migrate` needs nothing beside the executable.
        .executableTarget(name: "MigrationEmbedder"),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["MigrationEmbedder"]
        ),

        // epoll and eventfd, which Glibc's overlay does not export.
        .target(name: "CEpoll"),
        // Our HTTP/1.1 server on POSIX sockets: knows nothing of models.
        .target(name: "HTTPServer", dependencies: ["CEpoll"]),

        // Pure Swift: preprocessing, models, metrics. No I/O, no database, no HTTP.
        .target(name: "Learning"),
        // bench/train.sh runs it against scikit-learn and statsmodels.
        .executableTarget(name: "BenchTrain", dependencies: ["Learning"], path: "bench/train"),

        .target(
            name: "Storage",
            dependencies: ["CSQLite", "CLibPQ", "CSnappy", "CZstd", "CZlib"],
            plugins: ["EmbedMigrations"]
        ),
        // The domain: versions, production pointer, training pipeline.
        .target(
            name: "Registry",
            dependencies: ["Storage", "Learning", .product(name: "Yams", package: "Yams")]
        ),
        // Routes, JSON, the production models in memory, the request log.
        .target(name: "API", dependencies: ["HTTPServer", "Registry", "Learning", "Storage"]),
        // Online learning from a paginated HTTP source: the one target that speaks libcurl.
        .target(name: "Ingest", dependencies: ["CCurl", "Registry", "Learning", "Storage"]),
        .executableTarget(
            name: "modelserve",
            dependencies: [
                "API",
                "HTTPServer",
                "Storage",
                "Learning",
                "Registry",
                "Ingest",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Real throwaway databases, the built binary and a test-only model family, shared by
        // the test targets.
        .target(name: "TestSupport", dependencies: ["Storage", "Learning"], path: "Tests/TestSupport"),
        .testTarget(
            name: "LearningTests",
            dependencies: ["Learning", "TestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "TestSupport"]),
        .testTarget(
            name: "APITests", dependencies: ["API", "HTTPServer", "Registry", "Learning", "TestSupport", "modelserve"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "IngestTests", dependencies: ["Ingest", "Registry", "Learning", "Storage", "TestSupport", "modelserve"]),
        .testTarget(
            name: "RegistryTests",
            dependencies: ["Registry", "TestSupport", "modelserve"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: ["Storage", "TestSupport", "modelserve", .product(name: "Yams", package: "Yams")],
            exclude: ["Fixtures"]
        ),
    ]
)

// Package-wide settings in one place: Swift 6 mode everywhere, warnings are errors in CI.
for target in package.targets where target.type != .system && target.type != .plugin && target.name != "CEpoll" {
    var settings = target.swiftSettings ?? []
    settings.append(.swiftLanguageMode(.v6))
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    // Release builds skip the run-time exclusivity checks (about 2,000 instructions a
    // /predict, bench/instructions.sh); debug builds, which every test runs, keep them, so
    // an overlapping access still traps there.
    if target.type != .test {
        settings.append(.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)))
    }
    target.swiftSettings = settings
}
