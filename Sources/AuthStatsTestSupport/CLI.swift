import Foundation

/// Runs the built `authstats` binary.
public enum CLI {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The package root (the folder holding Package.swift).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// The `authstats` executable beside the test bundle (the same build).
    public static let executable: URL = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("authstats")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        for folder in [".build/debug", ".build/release"] {
            let url = packageRoot.appendingPathComponent(folder).appendingPathComponent("authstats")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        fatalError("authstats is not built: run `swift build` (make test does)")
    }()

    /// Runs `authstats arguments…` in `directory` (default: the package root), with
    /// `environment` added to this process's.
    public static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> Result {
        try program(executable, arguments, in: directory, environment: environment)
    }

    /// Runs any program the same way (a shell line: `program(URL(fileURLWithPath: "/bin/sh"), ["-c", line])`).
    public static func program(
        _ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]
    ) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        process.currentDirectoryURL = directory ?? packageRoot
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting, so a chatty child never blocks on a full pipe.
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A new empty temporary folder, inside this test process's own folder, which is removed
    /// when the process exits (so test runs leave nothing behind in the temporary directory).
    public static func temporaryFolder(_ name: String = "authstats") -> URL {
        let url = testRoot.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `authstats-tests-PID` in the temporary directory, removed at exit.
    private static let testRoot: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "authstats-tests-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: CLI.testRoot) }
        return url
    }()
}
