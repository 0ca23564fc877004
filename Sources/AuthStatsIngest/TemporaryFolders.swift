import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The run's temporary folders (the spill folder under `TMPDIR`, the reports' staging
/// folder): made through here, so that every exit path and a signal handler can remove them
/// all, and so that a later run can tell what a killed run left from what a live run uses.
///
/// A folder's name carries its maker's PID (`authstats-<pid>-<random>`,
/// `.<out>.authstats-staging-<pid>`), and its maker holds an exclusive `flock` on it for as
/// long as the folder is registered; the kernel drops the lock when the process dies, even by
/// SIGKILL. A leftover is stale, and removed, only when both agree: no process has that PID
/// (`kill(pid, 0)` fails with `ESRCH`) and nobody holds its lock (the PID may belong to a run
/// in another PID namespace that shares the folder).
public final class TemporaryFolders: @unchecked Sendable {
    // Unchecked: `folders` is only touched under `lock`.

    /// The process's registry.
    public static let shared = TemporaryFolders()

    private let lock = NSLock()
    /// Registered folders, each with the descriptor that holds its lock.
    private var folders: [String: Int32] = [:]

    /// A folder could not be made.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init() {}

    /// Makes the folder `name` in `parent` with `mode` (before the umask), locks it and
    /// registers it; a stale leftover of the same name (this PID's, from an earlier boot or
    /// PID namespace) is removed first.
    ///
    /// - Returns: the folder's path.
    /// - Throws: `Failure` naming the folder and the OS reason.
    public func create(_ name: String, in parent: String, mode: mode_t = 0o700) throws -> String {
        let path = (parent as NSString).appendingPathComponent(name)
        lock.lock()
        defer { lock.unlock() }
        // Registered under the lock before it exists, so a signal handler that runs now
        // (and takes the lock) either sees it registered or runs before it is made.
        if folders[path] == nil && Self.exists(path) && !Self.removeIfUnlocked(path) {
            throw Failure(description: "Unable to create \(path): it exists and another run holds it")
        }
        guard mkdir(path, mode) == 0 else {
            throw Failure(description: "Unable to create \(path): \(Self.reason())")
        }
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let failure = Failure(description: "Unable to open \(path): \(Self.reason())")
            rmdir(path)
            throw failure
        }
        _ = flock(descriptor, LOCK_EX | LOCK_NB)
        folders[path] = descriptor
        return path
    }

    /// Removes a registered folder with everything in it (nothing if it is gone) and
    /// unregisters it.
    public func remove(_ path: String) {
        lock.lock()
        defer { lock.unlock() }
        removeLocked(path)
    }

    /// Unregisters a folder without removing it (it became something else, for example the
    /// report folder after a rename), releasing its lock.
    public func forget(_ path: String) {
        lock.lock()
        defer { lock.unlock() }
        if let descriptor = folders.removeValue(forKey: path) { close(descriptor) }
    }

    /// Removes every registered folder: on every exit path.
    public func removeAll() {
        lock.lock()
        defer { lock.unlock() }
        for path in folders.keys { removeLocked(path) }
    }

    /// For a signal handler: after `announce`, removes every registered folder and ends the
    /// process with `status`, without running `atexit` handlers (other threads are still
    /// running); the lock is never released, so no folder is made, and no `withLock` step
    /// starts, after the removal. Unless the run's outcome is settled (`withLock(settledIf:_:)`:
    /// the new reports are in place): then it returns, and the run finishes as it would have.
    public func removeAllAndExit(status: Int32, unlessSettled announce: () -> Void) {
        lock.lock()
        guard !settled else {
            lock.unlock()
            return
        }
        announce()
        for path in folders.keys { removeLocked(path) }
        _exit(status)
    }

    /// Set under `lock` once the new reports are in place: a signal no longer ends the run
    /// with 128 + its number, which says `--out` is as it was.
    private var settled = false

    /// `withLock`, and the run's outcome settled when `done` says so of the result.
    public func withLock<T>(settledIf done: (T) -> Bool, _ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        let result = try body()
        if done(result) { settled = true }
        return result
    }

    /// Runs `body` with the registry locked: a signal's cleanup waits until it is done (the
    /// report folder is swapped as one step, never left half done by a signal).
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Called with `lock` held.
    private func removeLocked(_ path: String) {
        guard let descriptor = folders.removeValue(forKey: path) else { return }
        Self.removeTree(path)
        close(descriptor)
    }

    /// Removes a folder and what is in it; a worker still adding a file to it can make the
    /// first try fail, so it tries a few times.
    static func removeTree(_ path: String) {
        for _ in 0..<5 where exists(path) {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    // MARK: Leftovers of killed runs

    /// The PID in the name of a spill folder, `authstats-<pid>-<random>`.
    public static func spillFolderPID(_ name: String) -> pid_t? {
        // Every other name of a crowded TMPDIR leaves here (`split` by `Character` cost ~10,000
        // instructions a name).
        guard name.utf8.starts(with: "authstats-".utf8) else { return nil }
        let parts = name.split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "authstats", !parts[2].isEmpty else { return nil }
        return pid(parts[1])
    }

    /// The name of this process's spill folder (`authstats-<pid>-<random>`).
    public static func spillFolderName() -> String { "authstats-\(getpid())-\(UUID().uuidString)" }

    /// Decimal digits only, as a PID above 0.
    public static func pid(_ text: Substring) -> pid_t? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = pid_t(text), value > 0
        else { return nil }
        return value
    }

    /// Removes, from `parent`, every entry whose name `pidOf` reads a PID from and that is
    /// provably stale: that PID's process is gone and nobody holds the entry's lock.
    ///
    /// - Returns: the paths removed.
    public static func removeStale(in parent: String, pidOf: (String) -> pid_t?) -> [String] {
        // `readdir`, and only the names with a PID sorted: `FileManager.contentsOfDirectory`
        // and sorting every name cost ~13,000 instructions an entry, a tenth of what a run
        // that reads nothing executes in a TMPDIR of a thousand entries (a shared server's).
        guard let folder = opendir(parent) else { return [] }
        defer { closedir(folder) }
        var candidates: [(name: String, pid: pid_t)] = []
        while let entry = readdir(folder) {
            let name = String(cString: DirectoryEntry.name(entry))
            guard name != "." && name != "..", let pid = pidOf(name), pid != getpid() else { continue }
            candidates.append((name, pid))
        }
        var removed: [String] = []
        for (name, pid) in candidates.sorted(by: { $0.name < $1.name }) {
            guard isGone(pid) else { continue }
            let path = (parent as NSString).appendingPathComponent(name)
            if removeIfUnlocked(path) { removed.append(path) }
        }
        return removed
    }

    /// Removes `path` (a folder and its content, or a file) unless a live process holds its
    /// lock. Returns whether it is gone.
    static func removeIfUnlocked(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        // Held while removing, so a run that reuses the name meanwhile cannot lock it.
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { return false }
        removeTree(path)
        return !exists(path)
    }

    /// No process has this PID.
    static func isGone(_ pid: pid_t) -> Bool { kill(pid, 0) != 0 && errno == ESRCH }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func reason() -> String { String(cString: strerror(errno)) }
}
