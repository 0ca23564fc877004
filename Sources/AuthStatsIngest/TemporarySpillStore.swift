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
/// bookkeeping; reads and writes run outside it, so two workers spilling at once do not
/// wait for each other's disk writes.
public final class TemporarySpillStore: SpillStore, @unchecked Sendable {
    // Unchecked: the mutable state is only touched under `lock`.
    private let lock = NSLock()
    private var folder: URL?
    private var next = 0

    private struct OpenRun {
        var descriptor: Int32
        /// Calls using the descriptor now: it is not closed while in use.
        var users = 0
        var lastUse = 0
    }

    private var descriptors: [Int: OpenRun] = [:]
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
        lock.lock()
        defer { lock.unlock() }
        return folder?.path
    }

    /// A run could not be made, written or read.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    deinit {
        for run in descriptors.values { close(run.descriptor) }
        if let folder { TemporaryFolders.shared.remove(folder.path) }
    }

    private func path(_ run: Int) -> String? { folder?.appendingPathComponent("run-\(run)").path }

    public func write(_ bytes: [UInt8]) throws -> Int {
        lock.lock()
        let id: Int
        do {
            defer { lock.unlock() }
            if folder == nil { folder = try Self.makeFolder(in: parent) }
            next += 1
            id = next
            guard let path = path(id) else { throw Failure(description: "no spill folder") }
            let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw Failure(description: "cannot create \(path): \(Self.reason())") }
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
        lock.lock()
        defer { lock.unlock() }
        return firstReadFailure
    }
    private var firstReadFailure: String?

    public func readFailed(_ reason: String) {
        lock.lock()
        if firstReadFailure == nil { firstReadFailure = reason }
        lock.unlock()
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

    public func remove(run: Int) {
        lock.lock()
        defer { lock.unlock() }
        if let entry = descriptors.removeValue(forKey: run) { close(entry.descriptor) }
        if let path = path(run) { unlink(path) }
    }

    /// The run's descriptor, opened again if it was closed; marked in use until `release`.
    private func acquire(_ run: Int) throws -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        uses += 1
        if var entry = descriptors[run] {
            entry.users += 1
            entry.lastUse = uses
            descriptors[run] = entry
            return entry.descriptor
        }
        guard let path = path(run) else { throw Failure(description: "no spilled run \(run)") }
        let descriptor = Glibc.open(path, O_RDWR | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(description: "cannot open \(path): \(Self.reason())") }
        descriptors[run] = OpenRun(descriptor: descriptor, users: 1, lastUse: uses)
        closeIdle()
        return descriptor
    }

    private func release(_ run: Int) {
        lock.lock()
        defer { lock.unlock() }
        descriptors[run]?.users -= 1
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
        lock.lock()
        defer { lock.unlock() }
        return descriptors.count
    }

    private static func reason() -> String { String(cString: strerror(errno)) }
}
