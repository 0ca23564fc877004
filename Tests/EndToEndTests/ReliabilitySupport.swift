import AuthStatsTestSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Helpers of the reliability tests: starting the real binary without waiting, folder
/// snapshots, small tmpfs mounts.
enum Reliability {
    /// Starts `authstats arguments…` with `environment` added; stdout and stderr go to files
    /// in `logs` (read them after the process ended).
    static func start(_ arguments: [String], environment: [String: String] = [:], logs: URL) throws -> Process {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.currentDirectoryURL = CLI.packageRoot
        _ = FileManager.default.createFile(atPath: logs.appendingPathComponent("stderr").path, contents: nil)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: logs.appendingPathComponent("stderr"))
        try process.run()
        return process
    }

    typealias Result = CLI.Result

    /// Runs a shell command line (`/bin/sh -c`), with `environment` added.
    static func shell(_ command: String, environment: [String: String] = [:]) throws -> Result {
        try CLI.program(URL(fileURLWithPath: "/bin/sh"), ["-c", command], environment: environment)
    }

    /// Polls `condition` every 20 ms for up to `seconds`.
    static func wait(seconds: Double, until condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// Every entry under `folder` (hidden ones too), by relative path: a file's bytes, a
    /// folder's or link's kind, and each one's permission bits.
    static func snapshot(_ folder: URL) -> [String: String] {
        var entries: [String: String] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return entries }
        while let name = enumerator.nextObject() as? String {
            let path = folder.appendingPathComponent(name).path
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            let mode = String(info.st_mode & 0o7777, radix: 8)
            switch info.st_mode & S_IFMT {
            case S_IFDIR: entries[name] = "folder \(mode)"
            case S_IFLNK: entries[name] = "link to \((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")"
            default:
                let bytes = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
                entries[name] = "file \(mode) \(bytes.count) bytes \(bytes.hashValue)"
            }
        }
        return entries
    }

    static func names(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    /// A tmpfs of `kilobytes` mounted at `folder` (made if needed), or nil where mounting is
    /// not allowed (not root, no CAP_SYS_ADMIN).
    static func mountTmpfs(at folder: URL, kilobytes: Int) -> Bool {
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return (try? shell("mount -t tmpfs -o size=\(kilobytes)k tmpfs '\(folder.path)' 2>/dev/null").status) == 0
    }

    static func remount(_ folder: URL, options: String) -> Bool {
        (try? shell("mount -o remount,\(options) '\(folder.path)'").status) == 0
    }

    static func unmount(_ folder: URL) {
        _ = try? shell("umount '\(folder.path)' || umount -l '\(folder.path)'")
    }

    /// Whether this process may mount (checked once, on a scratch folder).
    static let canMount: Bool = {
        let probe = CLI.temporaryFolder("mount-probe")
        defer { unmount(probe) }
        return mountTmpfs(at: probe, kilobytes: 64)
    }()

    /// `count` Pinpoint page views of 500 users as one NDJSON file, in a new folder.
    static func pageViewFile(_ count: Int, name: String = "events.ndjson") throws -> URL {
        let url = CLI.temporaryFolder("input").appendingPathComponent(name)
        try (TestFiles.pageViews(count, users: 500).joined(separator: "\n") + "\n").write(to: url, atomically: false, encoding: .utf8)
        return url
    }

    /// A PID that no process has now: that of a child that has exited.
    static func deadPID() throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }
}
