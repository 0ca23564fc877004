import Foundation
import Testing

@testable import AuthStatsIngest

#if canImport(Glibc)
import Glibc
#endif

/// Issue 11, defect 7: a run's temporary folders are registered, locked, and removed by a
/// later run only when provably stale.
@Suite("Temporary folders: registration, locks, leftovers of killed runs")
struct TemporaryFoldersTests {
    func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tf-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The PID of a child that has exited: no process has it now.
    func deadPID() throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test("spill folder names: authstats-<pid>-<random> only", arguments: [
        ("authstats-123-ABC", Int32(123)), ("authstats-123-", nil), ("authstats-tests-123", nil), ("authstats-0-x", nil),
        ("authstats--x", nil), ("xauthstats-1-x", nil), ("authstats-12a-x", nil),
    ] as [(String, Int32?)])
    func spillNames(name: String, pid: Int32?) {
        #expect(TemporaryFolders.spillFolderPID(name) == pid)
    }

    @Test("once the outcome is settled (the reports in place), a signal's cleanup returns instead of ending the process")
    func settled() throws {
        let parent = try scratch()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let folders = TemporaryFolders()
        let path = try folders.create("staging", in: parent)
        // A step that failed settles nothing (the cleanup would end the process: not called).
        #expect(folders.withLock(settledIf: { $0 }) { false } == false)
        #expect(folders.withLock(settledIf: { $0 }) { true } == true)
        var announced = false
        folders.removeAllAndExit(status: 143) { announced = true }
        #expect(!announced)
        #expect(FileManager.default.fileExists(atPath: path))
        folders.remove(path)
    }

    @Test("a registered folder is locked while registered and removed with what is in it")
    func registered() throws {
        let parent = try scratch()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let folders = TemporaryFolders()
        let path = try folders.create("authstats-\(getpid())-unit", in: parent)
        try Data("x".utf8).write(to: URL(fileURLWithPath: path + "/run-1"))
        let probe = open(path, O_RDONLY | O_DIRECTORY)
        defer { close(probe) }
        #expect(flock(probe, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK)
        folders.removeAll()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("leftovers: removed when the PID is gone and nobody holds the lock; kept for a live PID or a held lock")
    func stale() throws {
        let parent = try scratch()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let dead = try deadPID()
        for name in ["authstats-\(dead)-gone", "authstats-\(getppid())-parent", "authstats-\(dead)-held", "authstats-\(dead)"] {
            try FileManager.default.createDirectory(atPath: parent + "/" + name + "/sub", withIntermediateDirectories: true)
        }
        let held = open(parent + "/authstats-\(dead)-held", O_RDONLY | O_DIRECTORY)
        defer { close(held) }
        #expect(flock(held, LOCK_EX | LOCK_NB) == 0)
        let removed = TemporaryFolders.removeStale(in: parent, pidOf: TemporaryFolders.spillFolderPID)
        #expect(removed == [parent + "/authstats-\(dead)-gone"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent).sorted()
            == ["authstats-\(dead)", "authstats-\(dead)-held", "authstats-\(getppid())-parent"].sorted())
    }
}
