import AuthStatsCore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps spilled runs in files of a private temporary folder (under `TMPDIR`), removed when
/// the store goes away, or by `TemporaryFolders` on a signal or any exit; its name,
/// `authstats-<pid>-<random>`, lets a later run remove it if this process was killed.
///
/// Each run's file stays open between calls (opening and closing it for every block cost
/// more than the reads and writes), up to `maxOpen` at once: past that, the least recently
/// used idle one is closed and reopened when next needed. The lock guards only that
/// bookkeeping (and the closing of idle descriptors); reads, writes, opening a file, and
/// closing and unlinking a removed run's run outside it, so two workers spilling at once do
/// not wait for each other's disk writes, and the end phase's threads reading their runs do
/// not wait while another removes the runs it has read (an unlink of a large run frees its
/// blocks: under the lock, it held up every read; see `remove`).
public final class TemporarySpillStore: SpillStore, @unchecked Sendable {
    // Unchecked: the mutable state is only touched under `lock`.
    private let lock = NSLock()
    private var folder: URL?
    /// `folder`'s path and the start of a run's file name (`path(_:)`).
    private var runPrefix: String?
    private var next = 0

    private struct OpenRun {
        var descriptor: Int32
        /// Calls using the descriptor now: it is not closed while in use.
        var users = 0
        var lastUse = 0
    }

    private var descriptors: [Int: OpenRun] = [:]
    /// Runs removed: never opened again (a late reader gets an error, as from a missing file).
    private var removed: Set<Int> = []
    private var uses = 0
    /// Descriptors kept open at most (more only while all of them are in use).
    static let maxOpen = 64

    private let parent: URL

    /// - Parameter parent: where the store's folder is made (default: the temporary folder,
    ///   `TMPDIR`).
    public init(parent: URL? = nil) {
        self.parent = parent ?? FileManager.default.temporaryDirectory
    }

    /// Removes the spill folders that killed runs left in `parent` (default: `TMPDIR`), the
    /// provably stale ones only (`TemporaryFolders.removeStale`).
    ///
    /// - Returns: the folders removed.
    public static func removeLeftovers(in parent: URL? = nil) -> [String] {
        let folder = parent ?? FileManager.default.temporaryDirectory
        return TemporaryFolders.removeStale(in: folder.path, pidOf: TemporaryFolders.spillFolderPID)
    }

    /// The store's folder, once a run was written.
    public var folderPath: String? {
        lock.withLock { folder?.path }
    }

    /// A run could not be made, written or read.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    deinit {
        for run in descriptors.values { close(run.descriptor) }
        if let folder { TemporaryFolders.shared.remove(folder.path) }
    }

    /// A run's file (under the lock).
    private func path(_ run: Int) -> String? { runPrefix.map { $0 + String(run) } }

    public func write(_ bytes: [UInt8]) throws -> Int {
        let (id, file) = try lock.withLock { () throws -> (Int, String) in
            if folder == nil {
                let made = try Self.makeFolder(in: parent)
                folder = made
                runPrefix = made.path + "/run-"
            }
            next += 1
            return (next, path(next)!)
        }
        let descriptor = Glibc.open(file, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(description: "cannot create \(file): \(Self.reason())") }
        lock.withLock {
            uses += 1
            descriptors[id] = OpenRun(descriptor: descriptor, lastUse: uses)  // the newest: not the one closed
            closeIdle()
        }
        if !bytes.isEmpty { try append(run: id, bytes) }
        return id
    }

    private static func makeFolder(in parent: URL) throws -> URL {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isFolder), isFolder.boolValue,
            access(parent.path, W_OK) == 0
        else {
            throw Failure(description: "the temporary folder \(parent.path) is not a writable folder; set TMPDIR to one")
        }
        do {
            return URL(fileURLWithPath: try TemporaryFolders.shared.create(TemporaryFolders.spillFolderName(), in: parent.path))
        } catch {
            throw Failure(description: "\(error)")
        }
    }

    public func append(run: Int, _ bytes: [UInt8]) throws {
        let descriptor = try acquire(run)
        defer { release(run) }
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Glibc.write(descriptor, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Failure(description: "cannot write a spilled run: \(Self.reason())")
                }
                done += n
            }
        }
    }

    /// The first reason a run could not be read back, if one could not.
    public var readFailure: String? {
        lock.withLock { firstReadFailure }
    }
    private var firstReadFailure: String?

    public func readFailed(_ reason: String) {
        lock.withLock { if firstReadFailure == nil { firstReadFailure = reason } }
    }

    public func read(run: Int, offset: Int, count: Int) throws -> [UInt8] {
        var failure: (any Error)?
        let bytes = [UInt8](unsafeUninitializedCapacity: max(count, 0)) { buffer, initialized in
            do {
                initialized = try read(run: run, offset: offset, into: UnsafeMutableRawBufferPointer(buffer))
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Reads straight into the caller's buffer (a merge's readers: no array per read).
    public func read(run: Int, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let descriptor = try acquire(run)
        defer { release(run) }
        var done = 0
        while done < buffer.count {
            let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot read a spilled run: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Closes and unlinks the run's file outside the lock: a run is removed once read, by the
    /// thread that read it, and no other thread uses it then. (Under the lock, the unlinks of
    /// the duplicates' runs held up the session thread's reads: the bench set's end phase ran
    /// at ~70% of two cores, perf timeline, 2026-12-04.)
    public func remove(run: Int) {
        let (entry, file) = lock.withLock { () -> (OpenRun?, String?) in
            removed.insert(run)
            let entry = descriptors.removeValue(forKey: run)
            assert(entry == nil || entry!.users == 0, "a spilled run removed while in use")
            return (entry, path(run))
        }
        if let entry { close(entry.descriptor) }
        if let file { unlink(file) }
    }

    /// The run's descriptor, opened again (outside the lock) if it was closed; marked in use
    /// until `release`.
    private func acquire(_ run: Int) throws -> Int32 {
        let gone = Failure(description: "no spilled run \(run)")
        let known = try lock.withLock { () throws -> (descriptor: Int32?, file: String?) in
            if removed.contains(run) { throw gone }
            return (take(run), path(run))
        }
        if let descriptor = known.descriptor { return descriptor }
        guard let file = known.file else { throw gone }
        let descriptor = Glibc.open(file, O_RDWR | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(description: "cannot open \(file): \(Self.reason())") }
        return try lock.withLock {
            // Removed meanwhile: not kept open. Opened by another thread meanwhile: one
            // descriptor a run.
            if removed.contains(run) {
                close(descriptor)
                throw gone
            }
            if let theirs = take(run) {
                close(descriptor)
                return theirs
            }
            uses += 1
            descriptors[run] = OpenRun(descriptor: descriptor, users: 1, lastUse: uses)
            closeIdle()
            return descriptor
        }
    }

    /// The run's open descriptor, marked in use (under the lock); nil if it is closed.
    private func take(_ run: Int) -> Int32? {
        guard var entry = descriptors[run] else { return nil }
        uses += 1
        entry.users += 1
        entry.lastUse = uses
        descriptors[run] = entry
        return entry.descriptor
    }

    private func release(_ run: Int) {
        lock.withLock { descriptors[run]?.users -= 1 }
    }

    /// Closes the least recently used idle descriptors beyond `maxOpen` (under the lock).
    private func closeIdle() {
        guard descriptors.count > Self.maxOpen else { return }
        let idle = descriptors.filter { $0.value.users == 0 }.sorted { $0.value.lastUse < $1.value.lastUse }
        for (run, entry) in idle.prefix(descriptors.count - Self.maxOpen) {
            close(entry.descriptor)
            descriptors[run] = nil
        }
    }

    /// Descriptors open now (for tests).
    public var openDescriptors: Int {
        lock.withLock { descriptors.count }
    }

    private static func reason() -> String { String(cString: strerror(errno)) }
}
