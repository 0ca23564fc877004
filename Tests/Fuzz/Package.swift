// swift-tools-version: 6.0
//
// libFuzzer targets for authstats (issue 11), a package of its own so that the main build
// never sees them. `make fuzz` builds them with `-sanitize=fuzzer,address` and runs each.
// To add a target: a folder Sources/Fuzz<Name>/ with a main.swift that calls
// `FuzzDriver.run { bytes in … }`, its name in `fuzzTargets` below, and (optionally) its seeds
// in seed_corpus.py.
import PackageDescription

let fuzzTargets = ["FuzzFramer", "FuzzDecoder", "FuzzUserDirectory", "FuzzAnalysis", "FuzzIngest"]

let authstats: [Target.Dependency] = [
    .product(name: "AuthStatsCore", package: "authstats"),
    .product(name: "AuthStatsIngest", package: "authstats"),
]

let package = Package(
    name: "authstats-fuzz",
    // `name:` so that the dependency is "authstats" whatever the checkout's folder is called.
    dependencies: [.package(name: "authstats", path: "../..")],
    targets: [
        // libFuzzer's driver function, declared for Swift.
        .target(name: "CFuzzDriver"),
        // The driver, chunking, property checks and a pipeline harness shared by the targets.
        .target(name: "FuzzSupport", dependencies: ["CFuzzDriver"] + authstats),
    ] + fuzzTargets.map { .executableTarget(name: $0, dependencies: ["FuzzSupport"] + authstats) },
    swiftLanguageModes: [.v6]
)
