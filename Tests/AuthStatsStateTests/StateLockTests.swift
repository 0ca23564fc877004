import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsState

#if canImport(Glibc)
import Glibc
#endif

/// Issue 15: one authstats at a time per state folder. `flock` belongs to the open file
/// description, so a second `acquire` in this process (another `open`) conflicts as another
/// process would.
@Suite("State lock: one holder at a time, its PID in the file")
struct StateLockTests {
    typealias F = StateFixtures

    @Test("held twice: the second acquire is busy with this process's PID; released, it can be taken again")
    func heldTwice() throws {
        let folder = (F.folder() as NSString).appendingPathComponent("a/b")
        let lock = try StateLock.acquire(folder: folder)
        let path = (folder as NSString).appendingPathComponent(".lock")
        #expect(lock.path == path)
        #expect(String(decoding: try F.bytes(path), as: UTF8.self) == "\(getpid())\n")

        let error = #expect(throws: StateError.self) { try StateLock.acquire(folder: folder) }
        #expect(error == .busy(lockPath: path, pid: getpid()))
        #expect(
            error?.description
                == "Unable to lock \(path): another authstats (PID \(getpid())) is using this state; "
                + "run again when it has finished")

        lock.release()
        lock.release()
        let again = try StateLock.acquire(folder: folder)
        again.release()
    }

    @Test("a file where the state folder's path needs a folder: named, with the system's reason")
    func fileInTheWay() throws {
        let file = (F.folder() as NSString).appendingPathComponent("a-file")
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let folder = (file as NSString).appendingPathComponent("state")
        let error = #expect(throws: StateError.self) { try StateLock.acquire(folder: folder) }
        #expect(error?.description == "Unable to create the state folder \(folder): \(file) is a file, not a folder (Not a directory)")
    }

    @Test("a lock dropped without release is released by deinit")
    func deinitReleases() throws {
        let folder = F.folder()
        do { _ = try StateLock.acquire(folder: folder) }
        try StateLock.acquire(folder: folder).release()
    }

    @Test("a lock held by another process: busy with that process's PID")
    func otherProcess() throws {
        let folder = F.folder()
        let path = (folder as NSString).appendingPathComponent(".lock")
        // flock(1) holds the lock while `sleep` runs; the PID written is the shell's.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        child.arguments = ["-c", "exec 9>>'\(path)'; flock -n 9 || exit 1; echo $$ > '\(path)'; echo ready; sleep 30"]
        let output = Pipe()
        child.standardOutput = output
        try child.run()
        defer {
            child.terminate()
            child.waitUntilExit()
        }
        // Wait for "ready": the child holds the lock and has written its PID.
        _ = output.fileHandleForReading.availableData
        #expect(throws: StateError.busy(lockPath: path, pid: child.processIdentifier)) {
            try StateLock.acquire(folder: folder)
        }
    }
}
