// swift-tools-version: 6.0
//
// authstats: Amazon Cognito authentication analytics from exported logs.
// Layout (see README "Architecture"):
//   C libraries  -> CArchive (libarchive), CZlib (zlib), CIsal (ISA-L), CLzma (xz), CBzip2, CZstd,
//                   CMalloc (the C allocator's settings); imported only by AuthStatsIngest;
//                   CSQLite (SQLite), imported only by AuthStatsState
//   Libraries    -> AuthStatsCore (pure Swift pipeline), AuthStatsIngest (files, archives),
//                   AuthStatsState (the nightly state: lock, SQLite file, input ledger),
//                   AuthStatsGenerator (realistic sample exports), AuthStatsHTML (report.html)
//   Executable   -> authstats (argument parsing and wiring only)
//   Test support -> AuthStatsTestSupport
import PackageDescription

let package = Package(
    name: "authstats",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "authstats", targets: ["authstats"]),
        .library(name: "AuthStatsCore", targets: ["AuthStatsCore"]),
        // For the fuzz targets (Tests/Fuzz, a package of its own that depends on this one).
        .library(name: "AuthStatsIngest", targets: ["AuthStatsIngest"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // report.html's templates: escapes every {{value}} for HTML text and attributes
        // (Sources/AuthStatsHTML/HTMLReport.swift says why this one).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // MARK: C libraries (Debian -dev packages; AuthStatsIngest imports these, AuthStatsState only CSQLite)
        // libarchive's headers only: the library is opened when an input needs it (LibArchive.swift).
        .systemLibrary(name: "CArchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CMalloc"),
        // ISA-L's igzip inflates gzip about twice as fast as zlib (docs/performance.md).
        .systemLibrary(name: "CIsal", pkgConfig: "libisal", providers: [.apt(["libisal-dev"])]),
        // xz, bzip2 and zstd decoded directly (not through libarchive's filters, which drop the
        // block they were decoding when the stream breaks): every byte before damage is kept.
        .systemLibrary(name: "CLzma", pkgConfig: "liblzma", providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(name: "CBzip2", providers: [.apt(["libbz2-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // The nightly state's one file (issue 15): the C API directly, no wrapper package.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // MARK: Libraries
        .target(name: "AuthStatsCore"),
        .target(name: "AuthStatsIngest", dependencies: [
                "AuthStatsCore", "CArchive", "CZlib", "CIsal", "CLzma", "CBzip2", "CZstd", "CMalloc",
            ]),
        .target(name: "AuthStatsState", dependencies: ["AuthStatsCore", "CSQLite"]),
        .target(name: "AuthStatsGenerator", dependencies: ["AuthStatsCore", "AuthStatsIngest"]),
        .target(name: "AuthStatsHTML", dependencies: ["AuthStatsCore", .product(name: "Mustache", package: "swift-mustache")]),

        // MARK: Executable
        .executableTarget(
            name: "authstats",
            dependencies: [
                "AuthStatsCore", "AuthStatsIngest", "AuthStatsGenerator", "AuthStatsHTML", "AuthStatsState",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Test support
        .target(name: "AuthStatsTestSupport", dependencies: ["AuthStatsCore", "AuthStatsIngest", "AuthStatsGenerator"]),

        // MARK: Tests
        .testTarget(name: "AuthStatsCoreTests", dependencies: ["AuthStatsCore", "AuthStatsTestSupport"]),
        .testTarget(
            name: "AuthStatsStateTests", dependencies: ["AuthStatsState", "AuthStatsCore", "AuthStatsTestSupport"]),
        .testTarget(
            name: "AuthStatsHTMLTests",
            dependencies: ["AuthStatsHTML", "AuthStatsCore", "AuthStatsTestSupport", .product(name: "Mustache", package: "swift-mustache")]),
        .testTarget(
            name: "AuthStatsGeneratorTests",
            dependencies: ["AuthStatsGenerator", "AuthStatsCore", "AuthStatsIngest", "AuthStatsTestSupport"]),
        .testTarget(
            name: "AuthStatsIngestTests",
            dependencies: ["AuthStatsIngest", "AuthStatsCore", "AuthStatsTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["AuthStatsTestSupport", "AuthStatsCore", "AuthStatsGenerator", "AuthStatsIngest", "AuthStatsState"],
            exclude: ["Golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
